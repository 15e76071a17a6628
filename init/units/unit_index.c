/*
 * The unit files of the unit directories, by name (unit_index.h): masks,
 * aliases, drop-ins and enable links, read as systemd reads its search
 * path, so that vendor files stay as shipped and the admin's directory
 * overrides them.
 */
#include "units/unit_index.h"
#include "lib/fileio.h"
#include "lib/sort.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* names are checked by unit_name_valid (shorter than UNIT_NAME_MAX) first */
static void copy_name(char *dst, const char *src)
{
	size_t l = strnlen(src, UNIT_NAME_MAX - 1);
	memcpy(dst, src, l);
	dst[l] = '\0';
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && streq(s + a - b, suffix);
}

int unit_template_of(const char *name, char *out, size_t cap)
{
	const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
	if (!at || !dot || dot < at || dot == at + 1)
		return -1;
	snprintf(out, cap, "%.*s%s", (int)(at - name + 1), name, dot);
	return 0;
}

const struct unit_entry *unit_index_find(const struct unit_index *ix, const char *name)
{
	for (int i = 0; i < ix->n; i++)
		if (streq(ix->e[i].name, name))
			return &ix->e[i];
	return NULL;
}

/* A symlink: to /dev/null a mask, to another unit name an alias. */
static void classify_link(int dfd, const char *nm, struct unit_entry *e)
{
	char t[PATH_MAX];
	ssize_t l = readlinkat(dfd, nm, t, sizeof t - 1);
	if (l <= 0)
		return;
	t[l] = '\0';
	if (streq(t, "/dev/null")) {
		e->type = UNIT_ENTRY_MASK;
		return;
	}
	const char *base = strrchr(t, '/');
	base = base ? base + 1 : t;
	if (!streq(base, nm) && unit_kind_of(base) >= 0 && unit_name_valid(base)) {
		e->type = UNIT_ENTRY_ALIAS;
		copy_name(e->target, base);
	}
}

static void scan_dir(struct unit_index *ix, int di, const struct unit_opts *opts,
		     struct unit_diag *d)
{
	int fd = open(ix->dirs[di], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dp = fd < 0 ? NULL : fdopendir(fd);
	if (!dp) {
		if (fd >= 0)
			close_fd(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(dp))) {
		const char *nm = de->d_name;
		struct stat st, lst;
		if (nm[0] == '.' || unit_kind_of(nm) < 0 || unit_index_find(ix, nm))
			continue;
		if (!unit_name_valid(nm) || fstatat(fd, nm, &lst, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (ix->n == UNIT_INDEX_MAX) {
			char text[UNIT_DIAG_LEN];
			snprintf(text, sizeof text,
				 "%.150s: more than %d unit files, %.60s skipped", ix->dirs[di],
				 UNIT_INDEX_MAX, nm);
			unit_diag_add(d, opts, LOG_ERR, text);
			continue;
		}
		struct unit_entry *e = &ix->e[ix->n];
		memset(e, 0, sizeof *e);
		copy_name(e->name, nm);
		e->dir = di;
		e->type = UNIT_ENTRY_FILE;
		if (S_ISLNK(lst.st_mode))
			classify_link(fd, nm, e);
		if (e->type == UNIT_ENTRY_FILE) {
			if (fstatat(fd, nm, &st, 0) < 0)
				e->type = UNIT_ENTRY_MASK; /* a dangling link loads nothing */
			else if (S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0))
				e->type = UNIT_ENTRY_MASK;
			else if (!S_ISREG(st.st_mode))
				continue; /* NAME.wants/ and the like have no unit suffix anyway */
		}
		ix->n++;
	}
	closedir(dp);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct unit_entry *)a)->name, ((const struct unit_entry *)b)->name);
}

void unit_index_scan(struct unit_index *ix, const char *const *dirs, int n_dirs,
		     const struct unit_opts *opts, struct unit_diag *d)
{
	ix->n = 0;
	ix->n_dirs = n_dirs < UNIT_SET_DIRS_MAX ? n_dirs : UNIT_SET_DIRS_MAX;
	for (int i = 0; i < ix->n_dirs; i++)
		ix->dirs[i] = dirs[i];
	for (int i = 0; i < ix->n_dirs; i++)
		scan_dir(ix, i, opts, d);
	/* by name: the load order, hence the start order within a wave, and
	 * the order `pactctl services` lists them in, as it always was */
	sort_items(ix->e, (size_t)ix->n, sizeof ix->e[0], cmp_entry);
}

const struct unit_entry *unit_index_resolve(const struct unit_index *ix, const char *name,
					    char *canon, size_t cap)
{
	snprintf(canon, cap, "%s", name);
	for (int hop = 0; hop < UNIT_ALIAS_HOPS; hop++) {
		const struct unit_entry *e = unit_index_find(ix, canon);
		if (!e || e->type != UNIT_ENTRY_ALIAS)
			return e;
		snprintf(canon, cap, "%s", e->target);
	}
	return NULL; /* a loop of aliases */
}

int unit_index_path(const struct unit_index *ix, const struct unit_entry *e, char *out, size_t cap)
{
	return path_fmt(out, cap, "%s/%s", ix->dirs[e->dir], e->name);
}

static int cmp_base(const void *a, const void *b)
{
	const char *x = strrchr(a, '/'), *y = strrchr(b, '/');
	return strcmp(x ? x + 1 : a, y ? y + 1 : b);
}

/* Add the *.conf files of dir/sub to out, unless a file of that name is there. */
static int add_confs(const char *dir, const char *sub, const char *suffix, char (*out)[PATH_MAX],
		     int n, int max)
{
	char path[PATH_MAX];
	if (path_fmt(path, sizeof path, "%s/%s%s", dir, sub, suffix) < 0)
		return n;
	DIR *dp = opendir(path);
	if (!dp)
		return n;
	int first = n;
	struct dirent *de;
	while ((de = readdir(dp)) && n < max) {
		if (de->d_name[0] == '.' || !ends_with(de->d_name, ".conf"))
			continue;
		int dup = 0;
		for (int i = 0; i < first && !dup; i++)
			dup = cmp_base(out[i], de->d_name) == 0;
		if (!dup && path_fmt(out[n], PATH_MAX, "%s/%s", path, de->d_name) >= 0)
			n++;
	}
	closedir(dp);
	return n;
}

int unit_index_dropins(const struct unit_index *ix, const char *name, char (*out)[PATH_MAX],
		       int max)
{
	char tmpl[UNIT_NAME_MAX];
	int n = 0;
	/* the template's drop-ins first, then the instance's own, each sorted */
	if (unit_template_of(name, tmpl, sizeof tmpl) == 0) {
		for (int i = 0; i < ix->n_dirs; i++)
			n = add_confs(ix->dirs[i], tmpl, ".d", out, n, max);
		sort_items(out, (size_t)n, PATH_MAX, cmp_base);
	}
	int mine = n;
	for (int i = 0; i < ix->n_dirs; i++)
		n = add_confs(ix->dirs[i], name, ".d", out + mine, n - mine, max - mine) + mine;
	sort_items(out + mine, (size_t)(n - mine), PATH_MAX, cmp_base);
	return n;
}

int unit_index_links(const struct unit_index *ix, const char *name, int requires,
		     char (*out)[UNIT_NAME_MAX], int max)
{
	int n = 0;
	for (int i = 0; i < ix->n_dirs; i++) {
		char path[PATH_MAX];
		if (path_fmt(path, sizeof path, "%s/%s%s", ix->dirs[i], name,
			     requires ? ".requires" : ".wants") < 0)
			continue;
		DIR *dp = opendir(path);
		if (!dp)
			continue;
		struct dirent *de;
		while ((de = readdir(dp)) && n < max) {
			const char *nm = de->d_name;
			if (nm[0] == '.' || unit_kind_of(nm) < 0 || !unit_name_valid(nm))
				continue;
			int dup = 0;
			for (int k = 0; k < n && !dup; k++)
				dup = streq(out[k], nm);
			if (!dup)
				copy_name(out[n++], nm);
		}
		closedir(dp);
	}
	return n;
}
