/*
 * The handoff server: /run/pact/handoff.sock (<run_dir>/handoff.sock),
 * served from the event loop. It owns the listening socket, the client
 * connections (peer credentials, framing, bounded buffers and queues,
 * timeouts, the pre-readiness queue) and the init.conf keys handoff.*.
 * What a request does to the node (holders, scopes, mounts) is alloc.c's.
 * Protocol: docs/handoff-protocol.md.
 */
#ifndef PACT_HANDOFF_SERVER_H
#define PACT_HANDOFF_SERVER_H

#include "pact/handoff.h"

#include <stddef.h>

#define HANDOFF_MAX_CONNS     64    /* connections served at once */
#define HANDOFF_MAX_UIDS      16    /* handoff.uids entries */
#define HANDOFF_QUEUE_MAX     64    /* messages held until readiness, all clients */
#define HANDOFF_FRAMES_PER_IO 16    /* frames handled per wakeup per client (fairness) */
#define HANDOFF_SILENT_MS     10000 /* default handoff.frame_timeout_ms */
#define HANDOFF_TEMPLATE_MAX  256

/* The default of handoff.cgroup_template; {allocation_id} is replaced. */
#define HANDOFF_DEFAULT_CGROUP_TEMPLATE "workload.slice/alloc-{allocation_id}.scope"

/* A connection as seen by alloc.c: stale once the connection closes. */
struct handoff_ref {
	int idx;
	unsigned gen;
};

/* Claim the handoff.* keys of init.conf (before config_load_file). */
void handoff_register_config(void);
/* Make the socket, the shared uenv base and the allocation table; register
 * the shutdown hook. */
int handoff_init(void);

/* Send m to the connection ref if it is still open. The fds (nfds of them)
 * are always consumed: sent, or closed. */
void handoff_reply(struct handoff_ref ref, const struct pact_handoff_msg *m, int *fds,
		   unsigned nfds);
/* Push AllocationEnded for id to every connected client (WI5). */
void handoff_push_ended(const char *allocation_id);
/* handoff.cgroup_template. */
const char *handoff_cgroup_template(void);
/* Connected clients, for status. */
int handoff_client_count(void);

#endif
