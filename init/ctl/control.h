/*
 * The control socket, /run/pact/control.sock: the operator's interface
 * (pactctl). Same framing as the handoff (4-byte big-endian length, JSON
 * body). A request is {"command": "...", "args": ["...", ...]}; the answer
 * is {"ok": true, "data": ...} or {"ok": false, "error": {"kind", "message"}}.
 * This is the transport and the registry of verbs; the verbs themselves
 * live in the other files of ctl/, one per group (ctl/verbs.h).
 * Protocol reference: docs/control-protocol.md.
 */
#ifndef PACT_CONTROL_H
#define PACT_CONTROL_H

#include "lib/frame.h"
#include "lib/json.h"

#include <stdint.h>

#include <sys/types.h>

#define CTL_MAX_ARGS  16
#define CTL_ARG_MAX   256
#define CTL_MAX_CONNS 8 /* served at once; the next ones wait in the backlog */
#define CTL_MAX_VERBS 48
/* the default of control.request_timeout_ms: a request's total deadline */
#define CTL_REQUEST_TIMEOUT_MS 5000
/* a reply frame's buffer: header, body, and the JSON writer's NUL */
#define CTL_REPLY_CAP (FRAME_MAX_LEN + 1)

struct ctl_req {
	const char *command;
	int argc;
	char argv[CTL_MAX_ARGS][CTL_ARG_MAX];
	uid_t uid;
	struct json_writer *w; /* the handler writes one JSON value: the data */
	const char *err_kind;
	char err_msg[512];
};

/* A handler writes its data to req->w and returns 0, or returns ctl_fail(). */
typedef int (*ctl_handler)(struct ctl_req *req);

/* Claim the init.conf key control.request_timeout_ms (before the file is read). */
void ctl_register_config(void);
/* Listen (or take the socket carried across a re-exec). */
int ctl_init(void);
/* The reply frame to the request body (from a peer of uid) into frame,
 * never past frame + cap (CTL_REPLY_CAP holds every reply); its length.
 * *close_after is set when the request was too broken to go on. */
size_t ctl_reply(const uint8_t *body, size_t len, uid_t uid, uint8_t *frame, size_t cap,
		 int *close_after);
/* `help`: every registered verb with its usage, in registration order. */
int ctl_help_init(void);
/* A verb and its one-line usage (for help). 0, or -ENOSPC. */
int ctl_register(const char *name, ctl_handler fn, const char *usage);
/* Record an error for the reply; returns -1 for `return ctl_fail(...)`. */
int ctl_fail(struct ctl_req *req, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Look up --name=VALUE or --name VALUE in the args; NULL if absent. */
const char *ctl_opt(struct ctl_req *req, const char *name);
/* What the socket refused and cut, for the metrics. */
struct ctl_counters {
	unsigned long refused_not_root; /* peers other than root */
	unsigned long refused_no_fds;	/* taken off the backlog with the reserve fd */
	unsigned long timed_out;	/* closed at their request's deadline */
};
void ctl_counters(struct ctl_counters *c);
/* The shutdown hook: stop accepting new clients (the open ones are still
 * answered: `status` during a shutdown). */
void ctl_stop(void (*done)(void));

#endif
