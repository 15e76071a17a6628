/*
 * Internal to the supervisor (supervise.c, svc_stop.c, svc_boot.c): the
 * table of services and the steps of the state machine that the files
 * share. Satellites outside these files use supervise.h only.
 */
#ifndef PACT_SUPERVISE_INT_H
#define PACT_SUPERVISE_INT_H

#include "supervise/supervise.h"
#include "units/depgraph.h"

/* The loaded units and their services, same index; svc_n of them. */
extern struct unit svc_units[UNITS_MAX];
extern struct svc svc_table[UNITS_MAX];
extern int svc_n;
extern struct depgraph svc_graph;

/* Each service's state as the dependency graph sees it. */
void svc_dg_states(enum dg_state *st);
/* Enter st, then let the boot verdict, the stop of all and the starts
 * that waited on s see it. */
void svc_set_state(struct svc *s, enum svc_state st);
/* The run failed for good: why is said, its scope dropped. */
void svc_failed(struct svc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Kill what is left of s's scope and remove it (asynchronously); then
 * restart with backoff or settle. */
void svc_drop_scope(struct svc *s);
void svc_became_ready(struct svc *s, const char *how);
/* Start every service whose dependencies allow it. */
void svc_start_ready(void);
/* Finish the boot step once every service is settled (svc_boot.c). */
void svc_check_boot(void);
/* Finish svc_stop_all once every service is stopped (svc_stop.c). */
void svc_check_stop_all(void);

#endif
