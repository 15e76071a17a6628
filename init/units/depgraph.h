/*
 * The dependency graph of the loaded units: ordering from After=/Before=/
 * Requires=, start waves, cycle detection, and the two questions the
 * supervisor asks: "may X start now, given everyone's state?" and "may X
 * stop now?". Pure functions over an index-based table (the unit table's
 * indices); no allocation, no I/O besides log lines.
 *
 * Semantics (see docs/units.md):
 * - "a After=b", "b Before=a": a waits until b is done starting (ready or
 *   failed). Unknown units in After/Before are ignored.
 * - "a Requires=b": a waits until b is READY; if b failed, is missing or
 *   can never start, a fails too. (Unlike systemd, Requires= orders.)
 *   Requires= of a unit that is not a service (network-online.target,
 *   dbus.socket) is ignored: pact-init has only services, and its boot
 *   phases bring up network and mounts before any service starts.
 * - "a Wants=b": no ordering, no failure; every loaded unit starts anyway.
 * - Members of a cycle never start; the cycle is reported by name.
 */
#ifndef PACT_DEPGRAPH_H
#define PACT_DEPGRAPH_H

#include <stdint.h>

#include "units/unit.h"

#define DG_MAX	      UNITS_MAX
#define DG_WORDS      ((DG_MAX + 63) / 64)
#define DG_TEXT_MAX   512
#define DG_CYCLES_MAX 8

/* What the supervisor knows of each unit. */
enum dg_state {
	DG_PENDING = 0, /* not started yet */
	DG_STARTING,	/* spawned (or restarting), not ready yet */
	DG_READY,	/* ready: running, or a oneshot that exited 0 */
	DG_FAILED,	/* failed and given up (or never loaded) */
	DG_STOPPED,	/* stopped (after running) */
};

enum dg_verdict {
	DG_WAIT = 0, /* not yet */
	DG_GO,	     /* may start (or stop) now */
	DG_NEVER,    /* can never start; why says so */
};

struct depgraph {
	/* in the order a build touches them: the counts and per-unit words
	 * first, the long text rows last (PID 1 holds one graph for 128 units;
	 * only the pages of the rows in use become resident) */
	int n;
	int n_levels;
	int n_order;
	int n_cycles;	      /* cycles found (also counting those not kept) */
	uint8_t dead[DG_MAX]; /* can never start (cycle, load error, missing Requires) */
	uint8_t in_cycle[DG_MAX];
	int level[DG_MAX];		 /* start wave, 0 first; -1 for dead units */
	int order[DG_MAX];		 /* live units by wave, then by index: the start order */
	uint64_t pred[DG_MAX][DG_WORDS]; /* pred[i] has j: i starts after j */
	uint64_t req[DG_MAX][DG_WORDS];	 /* req[i] has j: i Requires j */
	uint64_t part[DG_MAX][DG_WORDS]; /* part[i] has j: i is PartOf=/BindsTo= j */
	char name[DG_MAX][UNIT_NAME_MAX];
	char why[DG_MAX][DG_TEXT_MAX];		/* reason of a dead unit */
	char cycle[DG_CYCLES_MAX][DG_TEXT_MAX]; /* "a.service -> b.service -> a.service" */
};

/* Build from units[0..n). Returns 0, or -E2BIG if n > DG_MAX. Cycles and
 * missing requirements are logged (log_err) and kept in g. */
int depgraph_build(struct depgraph *g, const struct unit *units, int n);

/* May unit i start now? st[] has one state per unit. why (may be NULL)
 * gets the reason for DG_WAIT and DG_NEVER. */
enum dg_verdict depgraph_may_start(const struct depgraph *g, int i, const enum dg_state *st,
				   char *why, size_t cap);

/* The DG_PENDING units that may start now, in start order; returns the count. */
int depgraph_startable(const struct depgraph *g, const enum dg_state *st, int *out, int cap);

/* May unit i stop now? Only once nothing that started after it is still
 * running (STARTING or READY). Stop order is the reverse start order. */
enum dg_verdict depgraph_may_stop(const struct depgraph *g, int i, const enum dg_state *st);

/* The stop order: order[] reversed, written to out; returns the count. */
int depgraph_stop_order(const struct depgraph *g, int *out, int cap);

/* The units that Require= unit i (directly), by index; returns the count.
 * As in systemd, an explicit stop or restart of i should take them along
 * (a crash of i does not). */
int depgraph_required_by(const struct depgraph *g, int i, int *out, int cap);

/* The units PartOf= or BindsTo= unit i, by index: an operator's stop or
 * restart of i stops or restarts them too. Returns the count. */
int depgraph_bound_to(const struct depgraph *g, int i, int *out, int cap);

#endif
