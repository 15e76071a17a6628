/*
 * The namespace handoff protocol, client side: the four messages of the
 * hpc-node contract (namespace.rs) as C structs, and a small blocking-with-
 * deadline client for /run/pact/handoff.sock. The wire format is specified
 * in docs/handoff-protocol.md.
 *
 * The library allocates nothing; a connection is a caller-owned struct.
 * Every wait is bounded by the caller's timeout (poll), every fd is
 * close-on-exec (SOCK_CLOEXEC, MSG_CMSG_CLOEXEC).
 */
#ifndef PACT_HANDOFF_H
#define PACT_HANDOFF_H

#include "pact/contract.h"

/* Limits of the C representation (documented as protocol limits). */
#define PACT_HANDOFF_ALLOC_ID_MAX 128  /* bytes, [A-Za-z0-9._-], see docs */
#define PACT_HANDOFF_PATH_MAX	  1024 /* uenv_image, uenv_mount_path */
#define PACT_HANDOFF_REASON_MAX	  1024 /* Error.reason */
#define PACT_HANDOFF_EVENTS_MAX	  16   /* pushed events kept while waiting for a reply */

enum pact_handoff_type {
	PACT_MSG_NONE = 0,
	PACT_MSG_NAMESPACE_REQUEST,
	PACT_MSG_NAMESPACE_RESPONSE,
	PACT_MSG_ALLOCATION_ENDED,
	PACT_MSG_ERROR,
};

/* Error kinds: the contract's NamespaceError names, then ours. Wire spelling order. */
enum pact_handoff_err {
	PACT_ERR_SOCKET_UNAVAILABLE = 0,
	PACT_ERR_CREATION_FAILED,
	PACT_ERR_ALLOCATION_NOT_FOUND,
	PACT_ERR_FD_PASSING,
	PACT_ERR_INVALID_REQUEST,
	PACT_ERR_PERMISSION_DENIED,
	PACT_ERR_NOT_READY,
	PACT_ERR_BOOT_FAILED,
	PACT_ERR_COUNT,
};

/*
 * One message. Which fields mean something depends on type:
 * NamespaceRequest:  allocation_id, ns[0..n_ns) = namespaces, uenv = uenv_image
 * NamespaceResponse: allocation_id, ns[0..n_ns) = fd_types,   uenv = uenv_mount_path
 * AllocationEnded:   allocation_id
 * Error:             allocation_id (null unless has_allocation_id), kind, reason
 * Options: has_uenv / has_allocation_id are 0 for null (or absent on input).
 */
struct pact_handoff_msg {
	enum pact_handoff_type type;
	int has_allocation_id;
	char allocation_id[PACT_HANDOFF_ALLOC_ID_MAX + 1];
	unsigned n_ns;
	enum pact_ns_type ns[PACT_NS_COUNT];
	int has_uenv;
	char uenv[PACT_HANDOFF_PATH_MAX + 1];
	enum pact_handoff_err kind;
	char reason[PACT_HANDOFF_REASON_MAX + 1];
};

/* Wire names: "Pid"/"Net"/"Mount"; "InvalidRequest", ...; NULL if out of range. */
const char *pact_ns_type_name(enum pact_ns_type t);
const char *pact_handoff_err_name(enum pact_handoff_err k);

/*
 * A client connection. Pushed AllocationEnded messages that arrive while a
 * call waits for its reply are kept (up to PACT_HANDOFF_EVENTS_MAX, oldest
 * dropped and counted in events_lost) and returned by next_event first.
 * A frame received in part when a wait times out stays buffered here, so a
 * later call resumes it. After a protocol error (a bad frame header, too
 * many fds), or a timeout in the middle of sending a frame, the stream
 * cannot be resynchronised: `broken` is set and every call fails with -EPIPE.
 * The struct is large (it holds a whole receive frame): make it static or
 * heap-allocated, not a small thread stack.
 */
#define PACT_HANDOFF_RX_BYTES 65600

struct pact_handoff_conn {
	int fd; /* non-blocking, close-on-exec; may be polled by the caller */
	int broken;
	unsigned n_events;
	unsigned events_lost;
	char events[PACT_HANDOFF_EVENTS_MAX][PACT_HANDOFF_ALLOC_ID_MAX + 1];
	/* private: the partly received frame and the fds that came with it */
	unsigned rx_nfds;
	int rx_fd_overflow;
	int rx_fds[PACT_NS_COUNT];
	union {
		unsigned char bytes[PACT_HANDOFF_RX_BYTES];
		unsigned long long align;
	} rx;
};

/* Results besides 0 and -errno. */
#define PACT_HANDOFF_OK	       0
#define PACT_HANDOFF_GOT_ERROR 1 /* the server answered with an Error message (in *resp) */

/*
 * Connect to path (NULL: PACT_HANDOFF_SOCKET_PATH). Never blocks: -EAGAIN
 * when the server's backlog is full (retry later), -ENOENT/-ECONNREFUSED when
 * nobody listens (the consumer falls back to its own namespaces, F27).
 * Returns 0 or -errno. Timeouts below: in ms, negative waits without limit.
 */
int pact_handoff_connect(struct pact_handoff_conn *c, const char *path);
/* Wrap an already connected stream socket (e.g. one end of a socketpair). */
void pact_handoff_attach(struct pact_handoff_conn *c, int fd);
void pact_handoff_close(struct pact_handoff_conn *c);

/*
 * Send a NamespaceRequest and wait for its answer.
 * PACT_HANDOFF_OK: *resp is the NamespaceResponse and fds[0..resp->n_ns) are
 * the namespace fds in fd_types order (the caller closes them); unused
 * slots are -1. PACT_HANDOFF_GOT_ERROR: *resp is the Error. Otherwise
 * -errno: -EINVAL (req invalid, nothing sent), -ETIMEDOUT, -EPIPE (closed
 * or broken), -EPROTO (a malformed or unexpected reply; its fds are closed).
 */
int pact_handoff_request(struct pact_handoff_conn *c, const struct pact_handoff_msg *req,
			 struct pact_handoff_msg *resp, int fds[PACT_NS_COUNT], int timeout_ms);
/* Convenience: build the request from its parts (uenv_image may be NULL). */
int pact_handoff_request_ns(struct pact_handoff_conn *c, const char *allocation_id,
			    const enum pact_ns_type *ns, unsigned n_ns, const char *uenv_image,
			    struct pact_handoff_msg *resp, int fds[PACT_NS_COUNT], int timeout_ms);

/*
 * Send AllocationEnded and wait for the server's echo (PACT_HANDOFF_OK) or
 * its Error (PACT_HANDOFF_GOT_ERROR, e.g. AllocationNotFound, in *resp if
 * resp is not NULL), or -errno as above.
 */
int pact_handoff_end(struct pact_handoff_conn *c, const char *allocation_id,
		     struct pact_handoff_msg *resp, int timeout_ms);

/*
 * Wait for the next pushed AllocationEnded (queued ones first). Returns 0
 * with *msg filled, -ETIMEDOUT, -EPIPE, -EPROTO. timeout_ms 0 polls.
 */
int pact_handoff_next_event(struct pact_handoff_conn *c, struct pact_handoff_msg *msg,
			    int timeout_ms);

/*
 * Lower level: send one message (frame + body) within the deadline;
 * receive one message with the fds attached to its frame (up to max_fds;
 * more is a protocol error). Return 0 or -errno.
 */
int pact_handoff_send(struct pact_handoff_conn *c, const struct pact_handoff_msg *m,
		      int timeout_ms);
int pact_handoff_recv(struct pact_handoff_conn *c, struct pact_handoff_msg *m, int *fds,
		      unsigned max_fds, unsigned *nfds, int timeout_ms);

#endif
