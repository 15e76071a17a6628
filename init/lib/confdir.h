/*
 * Drop-in configuration directories the way sysctl.d(5), tmpfiles.d(5),
 * modules-load.d(5) and modprobe.d(5) read them: every *.conf file of a
 * list of directories, by file name in lexical order, a name in an earlier
 * (higher priority: /etc before /run before /usr/lib) directory hiding the
 * same name in later ones, and a link to /dev/null masking it.
 */
#ifndef PACT_CONFDIR_H
#define PACT_CONFDIR_H

#include <stddef.h>

#define CONFDIR_MAX_FILES 128 /* files taken from one set of directories */

/* Directories of the drop-ins named "<sub>" (sysctl.d ...): /etc, /run,
 * /usr/local/lib, /usr/lib, /lib (kept apart on images without merged /usr). */
extern const char *const confdir_prefixes[];

/* Call fn with the path of each file, in order. root ("" or a test tree)
 * prefixes every directory. Returns the first non-zero return of fn, or
 * the number of files (more than CONFDIR_MAX_FILES: the rest is dropped,
 * and said so). */
int confdir_each(const char *root, const char *sub, const char *suffix,
		 int (*fn)(void *ctx, const char *path), void *ctx);

/* Each line of the file at path, blanks trimmed at both ends, without
 * empty lines and those whose first character is in comments ("#;"):
 * fn(ctx, line, lineno, err, errlen) returns 0, or -errno with err set,
 * which is logged as "path:lineno: err" (the other lines still count).
 * Returns the number of lines refused, or -errno when path cannot be
 * read (not logged: a missing file is often fine). */
int confdir_lines(const char *path, const char *comments,
		  int (*fn)(void *ctx, char *line, int lineno, char *err, size_t errlen),
		  void *ctx);

/* The words of a kernel command line key, comma separated, each call
 * with one ("modules-load=a,b modules-load=c": a, b, c). The text is
 * the command line; key ends with '='. Returns the count. */
int cmdline_each_word(const char *text, const char *key, void (*fn)(void *ctx, const char *w),
		      void *ctx);

#endif
