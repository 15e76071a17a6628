/*
 * The handoff server: /run/pact/handoff.sock (<run_dir>/handoff.sock),
 * served from the event loop. It owns the listening socket, the client
 * connections (peer credentials, framing, bounded buffers and queues,
 * timeouts, the pre-readiness queue), what one peer uid may hold
 * (connections, live allocations) and the init.conf keys handoff.*.
 * What a request does to the node (holders, scopes, mounts) is alloc.c's.
 * Protocol: docs/handoff-protocol.md.
 */
#ifndef PACT_HANDOFF_SERVER_H
#define PACT_HANDOFF_SERVER_H

/* connections at once, at most (handoff.max_clients): 80 KiB of buffers each, touched only
 * by a connection that uses them */
#define HANDOFF_CONNS_CAP   256
#define HANDOFF_DEF_CLIENTS 256 /* default handoff.max_clients */
/* default handoff.max_clients_per_uid: half the table, so a 128-rank job's requests from one
 * uid are all heard at once and another uid still finds room */
#define HANDOFF_DEF_PER_UID   128
#define HANDOFF_DEF_ALLOCS    128   /* default handoff.max_allocations_per_uid: half of ALLOC_MAX */
#define HANDOFF_MAX_UIDS      16    /* handoff.uids entries */
#define HANDOFF_QUEUE_MAX     64    /* messages held until readiness, all clients */
#define HANDOFF_FRAMES_PER_IO 16    /* frames handled per wakeup per client (fairness) */
#define HANDOFF_SILENT_MS     10000 /* default handoff.frame_timeout_ms */

/* Claim the handoff.* keys of init.conf (before config_load_file). */
void handoff_register_config(void);
/* Make the socket, the shared uenv base and the allocation table. */
int handoff_init(void);
/* The boot's verdict came (a boot_subscribe observer): answer what was
 * queued before readiness, or refuse it with BootFailed. */
void handoff_on_boot(void);
/* The shutdown hook: close every client and the socket. */
void handoff_stop(void (*done)(void));

/* Connected clients, for status. */
int handoff_client_count(void);

#endif
