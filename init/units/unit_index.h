/*
 * Internal to the unit set (unit_set.c, unit_verify.c): the unit files of
 * a list of directories, by name, the way systemd reads its search path.
 * The first directory that has a name wins; a symlink to /dev/null (or an
 * empty file) masks it, a symlink to another unit name is an alias of it.
 * Drop-ins (NAME.d/ *.conf) and enable links (NAME.wants/, NAME.requires/)
 * are read on demand.
 */
#ifndef PACT_UNIT_INDEX_H
#define PACT_UNIT_INDEX_H

#include "units/unit.h"

#include <limits.h>

#define UNIT_INDEX_MAX	  2048 /* names over every directory */
#define UNIT_SET_DIRS_MAX 8
#define UNIT_DROPINS_MAX  16 /* drop-ins of one unit */
#define UNIT_ALIAS_HOPS	  8

enum unit_entry_type { UNIT_ENTRY_FILE, UNIT_ENTRY_MASK, UNIT_ENTRY_ALIAS };

struct unit_entry {
	char name[UNIT_NAME_MAX];
	char target[UNIT_NAME_MAX]; /* UNIT_ENTRY_ALIAS: the unit it names */
	enum unit_entry_type type;
	int dir; /* index into unit_index.dirs */
};

struct unit_index {
	const char *dirs[UNIT_SET_DIRS_MAX];
	int n_dirs;
	int n;
	struct unit_entry e[UNIT_INDEX_MAX];
};

/* Scan dirs (highest precedence first; missing ones are skipped). */
void unit_index_scan(struct unit_index *ix, const char *const *dirs, int n_dirs,
		     const struct unit_opts *opts, struct unit_diag *d);
/* The entry of name, or NULL. */
const struct unit_entry *unit_index_find(const struct unit_index *ix, const char *name);
/* Follow aliases from name to the unit they name: its entry (a file or a
 * mask), or NULL; *canon gets the final name. */
const struct unit_entry *unit_index_resolve(const struct unit_index *ix, const char *name,
					    char *canon, size_t cap);
/* The file of e as a path. */
int unit_index_path(const struct unit_index *ix, const struct unit_entry *e, char *out, size_t cap);
/* The drop-ins of name (and of its template, first), in the order they
 * apply: sorted by file name, a name in an earlier directory hiding the
 * same name in a later one. Returns the count, paths in out. */
int unit_index_dropins(const struct unit_index *ix, const char *name, char (*out)[PATH_MAX],
		       int max);
/* The names linked in NAME.wants/ (requires = 0) or NAME.requires/ of
 * every directory; returns the count. */
int unit_index_links(const struct unit_index *ix, const char *name, int requires,
		     char (*out)[UNIT_NAME_MAX], int max);
/* "a@b.service" -> "a@.service"; 0, or -1 when name is no instance. */
int unit_template_of(const char *name, char *out, size_t cap);

#endif
