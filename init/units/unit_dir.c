/*
 * The directory loader: every plain "*.service" of a directory, sorted,
 * then the template instances the configuration asks for. A unit that
 * fails still takes its slot, so it can be shown and its dependents fail.
 */
#include "units/unit.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/sort.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void dir_diag(struct unit_diag *d, const struct unit_opts *opts, int level, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

static void dir_diag(struct unit_diag *d, const struct unit_opts *opts, int level, const char *fmt,
		     ...)
{
	char text[UNIT_DIAG_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	unit_diag_add(d, opts, level, text);
}

/* Collect the sorted plain "*.service" names of dir; returns the count. */
static int list_dir(const char *dir, char (*names)[UNIT_NAME_MAX], const struct unit_opts *opts,
		    struct unit_diag *d)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *dp = fdopendir(fd);
	if (!dp) {
		int r = -errno;
		close_fd(fd);
		return r;
	}
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dp))) {
		const char *nm = e->d_name;
		if (nm[0] == '.' || !ends_with(nm, ".service") || ends_with(nm, "@.service"))
			continue;
		if (strlen(nm) >= UNIT_NAME_MAX) {
			dir_diag(d, opts, LOG_ERR, "%s/%s: unit name longer than %d bytes, skipped",
				 dir, nm, UNIT_NAME_MAX - 1);
			continue;
		}
		struct stat st;
		if (fstatat(fd, nm, &st, 0) < 0) {
			dir_diag(d, opts, LOG_ERR, "%s/%s: %s, skipped", dir, nm, strerror(errno));
			continue;
		}
		if (S_ISCHR(st.st_mode)) {
			if (!opts || !opts->quiet)
				log_info("unit: %s/%s is masked, skipped", dir, nm);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (n == UNITS_MAX) {
			dir_diag(d, opts, LOG_ERR, "%s: more than %d units, %s skipped", dir,
				 UNITS_MAX, nm);
			continue;
		}
		memcpy(names[n++], nm, strlen(nm) + 1);
	}
	closedir(dp);
	sort_items(names, (size_t)n, UNIT_NAME_MAX, cmp_names);
	return n;
}

static void load_instance(const char *dir, const char *req, const struct unit_opts *opts,
			  struct unit *u, struct unit_diag *d)
{
	char want[UNIT_NAME_MAX], tmpl[UNIT_NAME_MAX], path[PATH_MAX], text[UNIT_DIAG_LEN * 2];
	snprintf(want, sizeof want, "%s%s", req, ends_with(req, ".service") ? "" : ".service");
	const char *at = strchr(want, '@');
	size_t stem = strlen(want) - strlen(".service");
	snprintf(tmpl, sizeof tmpl, "%.*s@.service", (int)(at - want), want);
	char inst[UNIT_NAME_MAX];
	snprintf(inst, sizeof inst, "%.*s", (int)(stem - (size_t)(at - want) - 1), at + 1);
	if (path_fmt(path, sizeof path, "%s/%s", dir, tmpl) < 0 || access(path, F_OK) < 0) {
		snprintf(text, sizeof text, "%.127s: no template %.127s in %.100s", want, tmpl,
			 dir);
		dir_diag(d, opts, LOG_ERR, "%s", text);
		unit_set_failed(u, want, text);
		return;
	}
	unit_load_file(path, inst, opts, u, d);
	snprintf(u->name, sizeof u->name, "%s", want);
}

int units_load_dir(const char *dir, const char *const *instances, int n_instances,
		   const struct unit_opts *opts, struct unit *table, int max, struct unit_diag *d)
{
	char names[UNITS_MAX][UNIT_NAME_MAX];
	int n = list_dir(dir, names, opts, d), count = 0;
	if (n < 0) {
		dir_diag(d, opts, LOG_ERR, "%s: %s", dir, strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		if (count == max) {
			dir_diag(d, opts, LOG_ERR, "%s: unit table full (%d), %s not loaded", dir,
				 max, names[i]);
			continue;
		}
		if (path_fmt(path, sizeof path, "%s/%s", dir, names[i]) < 0) {
			dir_diag(d, opts, LOG_ERR, "%s/%s: path too long", dir, names[i]);
			continue;
		}
		unit_load_file(path, NULL, opts, &table[count++], d);
	}
	for (int i = 0; i < n_instances; i++) {
		const char *req = instances[i];
		size_t rl = strlen(req);
		const char *at = strchr(req, '@');
		int bad = !at || at == req || rl + strlen(".service") >= UNIT_NAME_MAX;
		if (!bad) {
			size_t il = rl - (size_t)(at - req) - 1;
			if (ends_with(req, ".service"))
				il -= strlen(".service");
			bad = il == 0;
		}
		if (bad) {
			dir_diag(d, opts, LOG_ERR,
				 "instance \"%s\": expected name@instance (e.g. cxi_rh@0)", req);
			continue;
		}
		char want[UNIT_NAME_MAX];
		snprintf(want, sizeof want, "%s%s", req,
			 ends_with(req, ".service") ? "" : ".service");
		if (!unit_name_valid(want) || strchr(at + 1, '@')) {
			dir_diag(d, opts, LOG_ERR, "instance \"%s\": not a valid unit name", req);
			continue;
		}
		if (unit_find(table, count, want) >= 0) {
			dir_diag(d, opts, LOG_WARNING, "instance %s requested twice, loaded once",
				 want);
			continue;
		}
		if (count == max) {
			dir_diag(d, opts, LOG_ERR, "%s: unit table full (%d), %s not loaded", dir,
				 max, want);
			continue;
		}
		load_instance(dir, req, opts, &table[count++], d);
	}
	return count;
}

int unit_split_list(char *s, const char **out, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(s, " \t\r\n,", &save); w && n < max;
	     w = strtok_r(NULL, " \t\r\n,", &save))
		out[n++] = w;
	return n;
}
