/*
 * Shell-style patterns (and a check of plain paths) without the C library's: fnmatch(3) and glob(3)
 * pull 18 and 28 KiB of wide-character and passwd code into a static
 * musl binary. ASCII is all that modaliases, /proc/sys keys and the
 * paths of tmpfiles.d lines need.
 */
#ifndef PACT_PATHMATCH_H
#define PACT_PATHMATCH_H

#define PATHMATCH_MAX_RESULTS 4096 /* paths one pattern may expand to */

/* Does s match pat? '*' (any run, '/' included), '?', '[a-z]', '[!x]' or
 * '[^x]', and '\' quoting the next character. 1 or 0. */
int pathmatch(const char *pat, const char *s);
/* Has pat any of * ? [ (is it a pattern at all)? */
int pathmatch_magic(const char *pat);
/* Call fn for each existing path that the absolute pattern names, one
 * component at a time ("/proc/sys/net/ipv4/conf/ * /rp_filter"); names
 * starting with '.' only when the component does too. A path without
 * pattern characters is passed on when it exists. Returns the first
 * non-zero return of fn, -E2BIG past PATHMATCH_MAX_RESULTS, or 0. */
int pathmatch_each(const char *pattern, int (*fn)(void *ctx, const char *path), void *ctx);
/* Is p absolute, without "." or ".." components (nothing that walks up)? */
int pathmatch_plain(const char *p);

#endif
