/*
 * pathmatch (see pathmatch.h): a backtracking matcher that remembers only
 * the last '*', which is enough for these patterns and linear in practice,
 * and an expander that opens one directory per pattern component.
 */
#include "lib/pathmatch.h"
#include "lib/table.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

/* Match one bracket expression at p against c; returns the character after
 * it and sets *hit, or NULL when it is not closed (then '[' is literal). */
static const char *bracket(const char *p, unsigned char c, int *hit)
{
	int neg = *p == '!' || *p == '^';
	if (neg)
		p++;
	*hit = 0;
	for (int first = 1; *p && (first || *p != ']'); first = 0) {
		unsigned char lo = (unsigned char)*p++, hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			hi = (unsigned char)p[1];
			p += 2;
		}
		if (c >= lo && c <= hi)
			*hit = 1;
	}
	if (*p != ']')
		return NULL;
	*hit ^= neg;
	return p + 1;
}

int pathmatch(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		const char *next = NULL;
		int hit = 0;
		if (*pat == '*') {
			star = ++pat;
			resume = s;
			continue;
		}
		if (*pat == '?') {
			hit = 1;
			next = pat + 1;
		} else if (*pat == '[' && (next = bracket(pat + 1, (unsigned char)*s, &hit))) {
			/* hit set by bracket */
		} else {
			if (*pat == '\\' && pat[1])
				pat++;
			hit = *pat && *pat == *s;
			next = pat + 1;
		}
		if (hit) {
			pat = next;
			s++;
		} else if (star) {
			pat = star;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

int pathmatch_magic(const char *pat)
{
	return strpbrk(pat, "*?[") != NULL;
}

struct expansion {
	int (*fn)(void *ctx, const char *path);
	void *ctx;
	int results;
	char path[PATH_MAX];
};

/* path[0..len) is a directory that exists; rest is what is left of the pattern */
static int expand(struct expansion *x, size_t len, const char *rest)
{
	while (*rest == '/')
		rest++;
	if (!*rest) {
		struct stat st;
		x->path[len ? len : 1] = '\0';
		if (len == 0)
			x->path[0] = '/';
		if (lstat(x->path, &st) < 0)
			return 0;
		return ++x->results > PATHMATCH_MAX_RESULTS ? -E2BIG : x->fn(x->ctx, x->path);
	}
	size_t clen = strcspn(rest, "/");
	char comp[NAME_MAX + 1];
	if (clen > NAME_MAX || len + 1 + NAME_MAX + 1 > sizeof x->path)
		return 0;
	memcpy(comp, rest, clen);
	comp[clen] = '\0';
	rest += clen;
	x->path[len] = '/';
	if (!pathmatch_magic(comp)) {
		memcpy(x->path + len + 1, comp, clen + 1);
		return expand(x, len + 1 + clen, rest);
	}
	x->path[len ? len : 1] = '\0';
	DIR *d = opendir(len ? x->path : "/");
	if (!d)
		return 0;
	x->path[len] = '/';
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		const char *n = de->d_name;
		if ((n[0] == '.' && comp[0] != '.') || !strcmp(n, ".") || !strcmp(n, "..") ||
		    !pathmatch(comp, n))
			continue;
		size_t nl = strlen(n);
		memcpy(x->path + len + 1, n, nl + 1);
		r = expand(x, len + 1 + nl, rest);
	}
	closedir(d);
	return r;
}

int pathmatch_each(const char *pattern, int (*fn)(void *ctx, const char *path), void *ctx)
{
	static struct expansion x PAGE_ALIGNED; /* one at a time: the loop thread, or a worker */
	if (pattern[0] != '/')
		return -EINVAL;
	x.fn = fn;
	x.ctx = ctx;
	x.results = 0;
	return expand(&x, 0, pattern);
}

int pathmatch_plain(const char *p)
{
	if (p[0] != '/')
		return 0;
	for (const char *c = p; c; c = strchr(c + 1, '/')) {
		size_t n = strcspn(c + 1, "/");
		if ((n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return 0;
	}
	return 1;
}
