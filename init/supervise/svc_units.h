/*
 * Which units the supervisor runs: init.conf's `units.dirs`,
 * `units.enable` and `units.target`, with the legacy services directory
 * and `instances`, handed to the unit set (units/unit_set.h).
 */
#ifndef PACT_SVC_UNITS_H
#define PACT_SVC_UNITS_H

#include "units/unit.h"
#include "units/unit_set.h"

/* Claim the init.conf keys units.* (before the file is read). */
void svc_units_register_config(void);

/* Load the unit set into table: the legacy directory legacy_dir (every
 * service there starts), the unit directories, the enabled units.
 * Returns the count (errors are in d and the log). */
int svc_units_load(const char *legacy_dir, const char *const *instances, int n_instances,
		   struct unit *table, int max, struct unit_diag *d);
/* The same set again, as the files say now (daemon-reload). */
int svc_units_reload(struct unit *table, int max, struct unit_diag *d);
/* The set's configuration as last loaded (strings owned here), and its
 * directories: the admin's (`enable`), the run-time one (`--runtime`,
 * <run_dir>/units; NULL when the run directory is unknown). */
const struct unit_set_conf *svc_units_conf(void);
const char *svc_units_admin_dir(void);
const char *svc_units_runtime_dir(void);

#endif
