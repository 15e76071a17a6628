/*
 * daemon-reload and run-time enablement (docs/units.md, "Reloading the
 * unit files"): the unit set loaded again from the same directories and
 * compared with the running one. Added units are started when the node's
 * target pulls them in; a changed unit takes its new definition at its
 * next start (a running process is left alone); a removed unit (its file
 * gone, or masked) is stopped and leaves the table. A set whose added or
 * changed units fail to load changes nothing.
 */
#ifndef PACT_SVC_RELOAD_H
#define PACT_SVC_RELOAD_H

#include <stddef.h>

#define SVC_RELOAD_NAMES 2048

/* What a reload did: names space-separated, each list bounded. */
struct svc_reload_report {
	int n_added, n_changed, n_removed, n_pending;
	char added[SVC_RELOAD_NAMES], changed[SVC_RELOAD_NAMES];
	char removed[SVC_RELOAD_NAMES];
	char pending[SVC_RELOAD_NAMES]; /* changed, running: new definition at next start */
};

/*
 * Reload the unit files. start_added: start the added units the boot
 * would start (daemon-reload); 0 leaves them loaded and inactive
 * (enable without --now). 0, or -errno with the reason (file:line) in err.
 */
int svc_reload_units(int start_added, struct svc_reload_report *r, char *err, size_t cap);

#endif
