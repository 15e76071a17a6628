/*
 * The offline checker behind `pactctl verify`: unit files and directories
 * loaded with the daemon's own code (unit_index.c for masks, aliases and
 * drop-ins, the loader for each unit), one verdict per unit.
 */
#ifndef PACT_UNIT_VERIFY_H
#define PACT_UNIT_VERIFY_H

#include "units/unit.h"

enum unit_verdict { VERDICT_OK = 0, VERDICT_WARNINGS, VERDICT_ERROR };

struct unit_report {
	const char *unit; /* its name: "chrony.service", "getty@.service" */
	const char *path; /* its file */
	enum unit_verdict verdict;
	const char *note; /* "masked", "alias of rpcbind.service", or NULL */
	const struct unit_diag *diag;
};

typedef void (*unit_report_fn)(const struct unit_report *r, void *ctx);

/* Check path (a unit file, or a directory, searched to a bounded depth),
 * calling fn once per unit. Returns the number of units with an error,
 * or -errno when path cannot be read. */
int unit_verify_path(const char *path, const struct unit_opts *opts, unit_report_fn fn, void *ctx);

const char *unit_verdict_name(enum unit_verdict v);

#endif
