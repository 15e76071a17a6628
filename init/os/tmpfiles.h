/*
 * Files, directories and links from tmpfiles.d(5), as systemd-tmpfiles
 * --create --remove --boot does at boot: the types d D e f F L w z Z r R
 * (v q Q as d; x X accepted, having nothing to exclude from), the !, -
 * and + modifiers, mode (":" for "only when created"), user, group,
 * argument with C escapes and the usual specifiers. Ages are checked and
 * otherwise ignored: nothing is cleaned by age (docs/system-settings.md).
 */
#ifndef PACT_TMPFILES_H
#define PACT_TMPFILES_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#define TMPFILES_ARG_MAX 512

struct tmpfile_item {
	char type;  /* d D e f F L w z Z r R x X */
	int plus;   /* f+ L+ w+ */
	int ignore; /* '-': failures to create are not errors */
	int has_mode, mode_on_create, has_uid, has_gid, has_arg;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	char path[PATH_MAX];
	char arg[TMPFILES_ARG_MAX];
};

/* One line (comments and blanks gone): root prefixes the files read for
 * user and group names and specifiers. 0, or -errno with err set. */
int tmpfiles_parse_line(const char *root, char *line, struct tmpfile_item *it, char *err,
			size_t errlen);
/* Apply one item under root ("" for /). 0, or -errno with err set. */
int tmpfiles_apply_item(const char *root, const struct tmpfile_item *it, char *err, size_t errlen);
/* Every tmpfiles.d file under root, in order. Returns the number of lines
 * refused or failed (each logged with file:line). */
int tmpfiles_apply(const char *root);

#endif
