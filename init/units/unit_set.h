/*
 * Which units run (docs/units.md, "Which units run"): the unit files of
 * the unit directories (admin's first, then the vendor's), their drop-ins,
 * masks and aliases, and what the boot starts: the default target and
 * what it wants, transitively (Wants=, Requires=, BindsTo=, NAME.wants/
 * links, the `enable =` list of init.conf with its [Install] WantedBy=),
 * every service of the legacy services directory, and the services that
 * a .socket or .timer starts on demand (loaded, not started at boot).
 * Built-in targets fill in for target files no directory has.
 */
#ifndef PACT_UNIT_SET_H
#define PACT_UNIT_SET_H

#include "units/unit.h"

#define UNIT_ENABLE_MAX	    64
#define UNIT_DEFAULT_TARGET "multi-user.target"

struct unit_set_conf {
	const char *const *dirs; /* highest precedence first; missing ones skipped */
	int n_dirs;
	const char *legacy_dir;	   /* every *.service there starts (NULL: none) */
	const char *const *enable; /* names that start at boot, with their [Install] */
	int n_enable;
	const char *const *instances; /* "cxi_rh@0": instances of templates */
	int n_instances;
	const char *target; /* NULL: multi-user.target */
};

/*
 * Load the units the boot needs into table (at most max), set each one's
 * boot flag and the relations the set implies (DefaultDependencies=,
 * WantedBy=, a socket's or timer's service). A unit that fails to load
 * keeps its slot (UNIT_LOAD_ERROR). Returns the count, or -ENOMEM.
 */
int unit_set_load(const struct unit_set_conf *c, const struct unit_opts *opts, struct unit *table,
		  int max, struct unit_diag *d);

/* Is name one of the built-in targets (multi-user.target, ...)? */
int unit_builtin_target(const char *name);

#endif
