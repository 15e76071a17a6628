/*
 * What `pactctl daemon-reload` changes (docs/units.md, "Reloading the
 * unit files"): the running unit set against one freshly loaded from the
 * same directories. A unit of the fresh set that the running one lacks
 * is added; one whose files (unit file and drop-ins, by digest) differ is
 * changed; one the fresh set lacks is removed only when its file is gone
 * or masked: a unit that is merely no longer enabled stays as it runs.
 */
#ifndef PACT_UNIT_SET_DIFF_H
#define PACT_UNIT_SET_DIFF_H

#include "units/unit.h"
#include "units/unit_set.h"

struct unit_set_diff {
	int n_added, n_changed, n_removed;
	int added[UNITS_MAX];	/* indexes into the fresh table */
	int changed[UNITS_MAX]; /* indexes into the fresh table */
	int removed[UNITS_MAX]; /* indexes into the running table */
};

/*
 * Compare the running table (old, n_old; a unit with an empty name is a
 * free slot, and so is slot k when skip && skip[k]) with the fresh one. c gives the unit
 * directories, to tell a unit whose file is gone or masked (removed) from one no longer enabled
 * (kept); NULL: every unit the fresh set lacks is removed. 0, or -ENOMEM.
 */
int unit_set_diff(const struct unit_set_conf *c, const struct unit *old, int n_old,
		  const unsigned char *skip, const struct unit *fresh, int n_fresh,
		  struct unit_set_diff *out);

/* The index of a unit set's directories (the legacy one first), read
 * quietly into a mapping of its own (it is large); NULL when out of
 * memory. For the diff and for unit_enable.c. */
struct unit_index;
struct unit_index *unit_index_map(const struct unit_set_conf *c);
void unit_index_unmap(struct unit_index *ix);

/* A built-in target (no file): never removed, since a set drops the
 * ones nothing orders against; not worth a line of a report. */
int unit_set_builtin(const struct unit *u);

#endif
