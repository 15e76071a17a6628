/*
 * `pactctl verify` (unit_verify.h): every unit file under a path, loaded
 * as the daemon loads it. A template (name@.service) is loaded as the
 * instance "i", since it only ever runs as one.
 */
#include "units/unit_verify.h"
#include "lib/fileio.h"
#include "units/unit_index.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define VERIFY_DEPTH	8
#define VERIFY_INSTANCE "i"

struct verify {
	struct unit_index ix; /* one directory at a time */
	struct unit u;
	struct unit_diag d;
	char dropins[UNIT_DROPINS_MAX + 1][PATH_MAX];
	const struct unit_opts *opts;
	unit_report_fn fn;
	void *ctx;
	int errors;
};

const char *unit_verdict_name(enum unit_verdict v)
{
	return v == VERDICT_ERROR ? "error" : v == VERDICT_WARNINGS ? "warnings" : "ok";
}

static void report(struct verify *v, const char *unit, const char *path, const char *note)
{
	struct unit_report r = {unit, path, VERDICT_OK, note, &v->d};
	if (v->d.nerr)
		r.verdict = VERDICT_ERROR;
	else if (v->d.nwarn)
		r.verdict = VERDICT_WARNINGS;
	v->errors += r.verdict == VERDICT_ERROR;
	v->fn(&r, v->ctx);
}

/* Load one unit file (paths[0]) with its drop-ins and report it. */
static void check_unit(struct verify *v, const char *name, int n)
{
	const char *paths[UNIT_DROPINS_MAX + 1];
	for (int i = 0; i < n; i++)
		paths[i] = v->dropins[i];
	int tmpl = strstr(name, "@.") != NULL;
	unit_diag_clear(&v->d);
	unit_load_files(paths, n, tmpl ? VERIFY_INSTANCE : NULL, v->opts, &v->u, &v->d);
	report(v, name, paths[0], NULL);
}

static void check_entry(struct verify *v, const struct unit_entry *e)
{
	char note[UNIT_NAME_MAX + 16];
	if (unit_index_path(&v->ix, e, v->dropins[0], sizeof v->dropins[0]) < 0)
		return;
	unit_diag_clear(&v->d);
	if (e->type == UNIT_ENTRY_MASK) {
		report(v, e->name, v->dropins[0], "masked");
		return;
	}
	if (e->type == UNIT_ENTRY_ALIAS) {
		snprintf(note, sizeof note, "alias of %s", e->target);
		report(v, e->name, v->dropins[0], note);
		return;
	}
	char inst[UNIT_NAME_MAX];
	const char *name = e->name;
	if (strstr(name, "@.")) { /* its drop-ins as the instance's */
		const char *at = strchr(name, '@');
		snprintf(inst, sizeof inst, "%.*s" VERIFY_INSTANCE "%s", (int)(at - name + 1), name,
			 at + 1);
		name = inst;
	}
	int n = 1 + unit_index_dropins(&v->ix, name, v->dropins + 1, UNIT_DROPINS_MAX);
	check_unit(v, e->name, n);
}

/* Subdirectories that are not drop-ins or enable links, sorted. */
static void check_dir(struct verify *v, const char *dir, int depth)
{
	const char *dirs[1] = {dir};
	unit_index_scan(&v->ix, dirs, 1, v->opts, NULL);
	for (int i = 0; i < v->ix.n; i++)
		check_entry(v, &v->ix.e[i]);
	if (depth >= VERIFY_DEPTH)
		return;
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *nm = list[i]->d_name;
		char sub[PATH_MAX];
		struct stat st;
		size_t l = strlen(nm);
		int skip = nm[0] == '.' || (l > 2 && strcmp(nm + l - 2, ".d") == 0) ||
			   (l > 6 && strcmp(nm + l - 6, ".wants") == 0) ||
			   (l > 9 && strcmp(nm + l - 9, ".requires") == 0);
		if (!skip && path_fmt(sub, sizeof sub, "%s/%s", dir, nm) >= 0 &&
		    lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			check_dir(v, sub, depth + 1);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

/* A file named on the command line: its directory's index tells a mask
 * or an alias; its drop-ins are next to it. */
static int check_file(struct verify *v, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if (!dir[0])
		snprintf(dir, sizeof dir, "/");
	const char *dirs[1] = {dir};
	unit_index_scan(&v->ix, dirs, 1, v->opts, NULL);
	const struct unit_entry *e = unit_index_find(&v->ix, base);
	if (!e) { /* not a unit name: let the loader say why */
		snprintf(v->dropins[0], sizeof v->dropins[0], "%s", path);
		check_unit(v, base, 1);
		return 0;
	}
	check_entry(v, e);
	return 0;
}

int unit_verify_path(const char *path, const struct unit_opts *opts, unit_report_fn fn, void *ctx)
{
	struct stat st;
	if (stat(path, &st) < 0 && lstat(path, &st) < 0)
		return -errno;
	struct verify *v =
	    mmap(NULL, sizeof *v, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v == MAP_FAILED)
		return -ENOMEM;
	v->opts = opts;
	v->fn = fn;
	v->ctx = ctx;
	if (S_ISDIR(st.st_mode))
		check_dir(v, path, 0);
	else
		check_file(v, path);
	int errors = v->errors;
	munmap(v, sizeof *v);
	return errors;
}
