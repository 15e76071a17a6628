/*
 * sysctl.d (see sysctl.h). Lines are gathered first, so that a key set in
 * two files is written once with the value of the later one (as
 * systemd-sysctl does), then written in the order they were first set.
 */
#include "os/sysctl.h"
#include "lib/confdir.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/pathmatch.h"
#include "lib/table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define ORIGIN_MAX 128
#define FILES_MAX  (CONFDIR_MAX_FILES + 1)

static struct entry {
	char path[SYSCTL_KEY_MAX];
	char value[SYSCTL_VALUE_MAX];
	char origin[ORIGIN_MAX]; /* file:line */
	int ignore;
} tab[SYSCTL_MAX] PAGE_ALIGNED;
static int n_tab, errors;
static const char *cur_file;
static struct {
	dev_t dev;
	ino_t ino;
} files[FILES_MAX];
static int n_files;

int sysctl_parse_line(char *line, char *path, size_t cap, char **value, int *ignore, char *err,
		      size_t errlen)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return snprintf(err, errlen, "want key = value"), -EINVAL;
	*value = eq + 1 + strspn(eq + 1, " \t");
	char *end = eq;
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	*ignore = line[0] == '-';
	const char *key = line + *ignore;
	size_t n = strlen(key);
	if (n == 0 || n >= cap || strpbrk(key, " \t"))
		return snprintf(err, errlen, "bad key '%s'", key), -EINVAL;
	int swap = key[strcspn(key, "./")] == '.';
	for (size_t i = 0; i <= n; i++)
		path[i] = swap && key[i] == '.' ? '/' : swap && key[i] == '/' ? '.' : key[i];
	/* checked as the path it became: "a.//.b" is a/../b */
	if (path[0] == '/' || path[0] == '.' || strstr(path, "..") || strstr(path, "//") ||
	    path[n - 1] == '/')
		return snprintf(err, errlen, "bad key '%s'", key), -EINVAL;
	if (strlen(*value) >= SYSCTL_VALUE_MAX)
		return snprintf(err, errlen, "value longer than %d bytes", SYSCTL_VALUE_MAX - 1),
		       -EINVAL;
	return 0;
}

static int add_line(void *ctx, char *line, int no, char *err, size_t errlen)
{
	(void)ctx;
	char path[SYSCTL_KEY_MAX], *value;
	int ignore, r = sysctl_parse_line(line, path, sizeof path, &value, &ignore, err, errlen);
	if (r < 0)
		return r;
	int i = 0;
	while (i < n_tab && strcmp(tab[i].path, path) != 0)
		i++;
	if (i == SYSCTL_MAX)
		return snprintf(err, errlen, "more than %d keys", SYSCTL_MAX), -ENOSPC;
	if (i == n_tab)
		n_tab++;
	memcpy(tab[i].path, path, sizeof path);
	snprintf(tab[i].value, sizeof tab[i].value, "%s", value);
	snprintf(tab[i].origin, sizeof tab[i].origin, "%s:%d", cur_file, no);
	tab[i].ignore = ignore;
	return 0;
}

static int read_one(void *ctx, const char *path)
{
	(void)ctx;
	struct stat st;
	if (stat(path, &st) == 0) {
		for (int i = 0; i < n_files; i++)
			if (files[i].dev == st.st_dev && files[i].ino == st.st_ino)
				return 0; /* /etc/sysctl.conf, read already as 99-sysctl.conf */
		if (n_files < FILES_MAX)
			files[n_files].dev = st.st_dev, files[n_files++].ino = st.st_ino;
	}
	cur_file = path;
	int bad = confdir_lines(path, "#;", add_line, NULL);
	errors += bad > 0 ? bad : 0;
	return 0;
}

static int write_one(const struct entry *e, const char *path)
{
	int r = write_file(path, e->value);
	if (r < 0 && !e->ignore) {
		log_err("%s: %s = %s: %s", e->origin, path, e->value, strerror(-r));
		errors++;
	}
	return r;
}

struct glob_ctx {
	const struct entry *e;
	size_t skip; /* strlen of root/proc/sys/ */
};

/* a parameter a glob matches, unless a plain line sets it */
static int write_matched(void *ctx, const char *path)
{
	struct glob_ctx *g = ctx;
	for (int i = 0; i < n_tab; i++)
		if (!pathmatch_magic(tab[i].path) && !strcmp(tab[i].path, path + g->skip))
			return 0;
	write_one(g->e, path);
	return 0;
}

int sysctl_apply(const char *root)
{
	char path[512];
	n_tab = errors = n_files = 0;
	confdir_each(root, "sysctl.d", ".conf", read_one, NULL);
	if (path_fmt(path, sizeof path, "%s/etc/sysctl.conf", root) >= 0)
		read_one(NULL, path);
	int base = path_fmt(path, sizeof path, "%s/proc/sys/", root);
	for (int i = 0; i < n_tab && base > 0; i++) {
		if (path_fmt(path + base, sizeof path - (size_t)base, "%s", tab[i].path) < 0)
			continue;
		if (!pathmatch_magic(tab[i].path)) {
			write_one(&tab[i], path);
			continue;
		}
		struct glob_ctx g = {&tab[i], (size_t)base};
		pathmatch_each(path, write_matched, &g);
	}
	if (n_tab)
		log_info("sysctl: %d keys from sysctl.d%s", n_tab,
			 errors ? ", some refused or not written" : "");
	return errors;
}
