/*
 * User and group lookup for services' User= and Group=, read straight from
 * <root>/etc/passwd and <root>/etc/group (no NSS: a static musl PID 1 on a
 * stateless node has nothing else, and tests point root at a fixture).
 */
#ifndef PACT_USERDB_H
#define PACT_USERDB_H

#include <stddef.h>
#include <sys/types.h>

#define USERDB_GROUPS_MAX 32	/* supplementary groups kept per credential */
#define USERDB_LINE_MAX	  16384 /* longer passwd/group lines are skipped, with a warning */
#define USERDB_STR_MAX	  256	/* home and shell */

struct userdb_cred {
	uid_t uid;
	gid_t gid;   /* Group= if given, else the user's primary group */
	int ngroups; /* supplementary groups (the user's memberships in /etc/group) */
	gid_t groups[USERDB_GROUPS_MAX];
	char home[USERDB_STR_MAX];  /* "/" when unknown */
	char shell[USERDB_STR_MAX]; /* "/bin/sh" when unknown */
};

/*
 * Resolve user (a name or a decimal uid; NULL or "" means root) and group (a
 * name, a decimal gid, or NULL/"" for the user's primary group). root is
 * prepended to /etc/passwd and /etc/group (NULL or "" means "/").
 * A numeric uid without a passwd entry gets gid = uid unless group is given.
 * Returns 0, -ENOENT (unknown user or group; err says which), -EINVAL (bad
 * number), or another -errno reading the files. err (may be NULL) gets a
 * one-line reason.
 */
int userdb_resolve(const char *root, const char *user, const char *group, struct userdb_cred *out,
		   char *err, size_t errcap);

#endif
