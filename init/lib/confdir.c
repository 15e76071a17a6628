/*
 * confdir (see confdir.h). The names of all directories are gathered,
 * sorted, and the first directory holding a name wins; the work is
 * bounded by CONFDIR_MAX_FILES.
 */
#include "lib/confdir.h"
#include "lib/fileio.h"
#include "lib/linebuf.h"
#include "lib/log.h"
#include "lib/sort.h"
#include "lib/table.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define NAME_CAP 96

const char *const confdir_prefixes[] = {"/etc", "/run", "/usr/local/lib", "/usr/lib", "/lib", NULL};

struct found {
	char name[NAME_CAP];
	int prefix; /* index into confdir_prefixes: the one that wins */
};

static int by_name(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->prefix - y->prefix;
}

static int masked(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

int confdir_each(const char *root, const char *sub, const char *suffix,
		 int (*fn)(void *ctx, const char *path), void *ctx)
{
	struct found f[CONFDIR_MAX_FILES];
	int n = 0, dropped = 0;
	size_t sl = strlen(suffix);
	char path[512];
	for (int p = 0; confdir_prefixes[p]; p++) {
		if (path_fmt(path, sizeof path, "%s%s/%s", root, confdir_prefixes[p], sub) < 0)
			continue;
		DIR *d = opendir(path);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (de->d_name[0] == '.' || l <= sl || l >= NAME_CAP ||
			    strcmp(de->d_name + l - sl, suffix) != 0)
				continue;
			if (n == CONFDIR_MAX_FILES) {
				dropped++;
				continue;
			}
			memcpy(f[n].name, de->d_name, l + 1);
			f[n++].prefix = p;
		}
		closedir(d);
	}
	if (dropped)
		log_err("%s: more than %d files; %d left out", sub, CONFDIR_MAX_FILES, dropped);
	sort_items(f, (size_t)n, sizeof f[0], by_name);
	int used = 0;
	for (int i = 0; i < n; i++) {
		if (i > 0 && strcmp(f[i].name, f[i - 1].name) == 0)
			continue; /* hidden by the same name in an earlier directory */
		if (path_fmt(path, sizeof path, "%s%s/%s/%s", root, confdir_prefixes[f[i].prefix],
			     sub, f[i].name) < 0 ||
		    masked(path))
			continue;
		int r = fn(ctx, path);
		if (r)
			return r;
		used++;
	}
	return used;
}

int confdir_lines(const char *path, const char *comments,
		  int (*fn)(void *ctx, char *line, int lineno, char *err, size_t errlen), void *ctx)
{
	static struct linebuf lb PAGE_ALIGNED; /* one file at a time */
	int r = linebuf_open(&lb, path), bad = 0, no = 0, n;
	char *line;
	if (r < 0)
		return r;
	while ((n = linebuf_next(&lb, &line)) != -ENODATA) {
		no++;
		if (n == -E2BIG) {
			log_err("%s:%d: line longer than %d bytes; skipped", path, no, LINEBUF_CAP);
			bad++;
			continue;
		}
		if (n < 0) {
			log_err("%s:%d: %s", path, no, strerror(-n));
			bad++;
			break;
		}
		while (n > 0 && strchr(" \t\r", line[n - 1]))
			line[--n] = '\0';
		line += strspn(line, " \t");
		if (!*line || strchr(comments, *line))
			continue;
		char err[200] = "";
		if (fn(ctx, line, no, err, sizeof err) < 0) {
			log_err("%s:%d: %s", path, no, err[0] ? err : "invalid line");
			bad++;
		}
	}
	linebuf_close(&lb);
	return bad;
}

int cmdline_each_word(const char *text, const char *key, void (*fn)(void *ctx, const char *w),
		      void *ctx)
{
	size_t kl = strlen(key);
	int n = 0;
	for (const char *p = text; *p;) {
		p += strspn(p, " \t\n");
		size_t wl = strcspn(p, " \t\n");
		if (wl > kl && strncmp(p, key, kl) == 0) {
			for (const char *q = p + kl; q < p + wl;) {
				size_t l = strcspn(q, ", \t\n");
				char w[128];
				if (l > 0 && l < sizeof w) {
					memcpy(w, q, l);
					w[l] = '\0';
					fn(ctx, w);
					n++;
				}
				q += l + (q[l] == ',');
			}
		}
		p += wl;
	}
	return n;
}
