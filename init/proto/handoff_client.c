/*
 * The handoff client library (include/pact/handoff.h): connect, send a
 * request and receive the response with its SCM_RIGHTS fds, end an
 * allocation, receive pushed events. Every wait is a poll with the caller's
 * deadline; receives never read past the end of the current frame, so fds
 * are always matched to the frame whose first byte they came with.
 */
#include "pact/handoff.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lib/fileio.h"
#include "lib/frame.h"
#include "proto/handoff_io.h"
#include "proto/handoff_msg.h"
#include "lib/loop.h"

_Static_assert(sizeof(struct frame_decoder) <= PACT_HANDOFF_RX_BYTES,
	       "PACT_HANDOFF_RX_BYTES must hold a frame decoder");

static struct frame_decoder *rx_dec(struct pact_handoff_conn *c)
{
	return (struct frame_decoder *)(void *)c->rx.bytes;
}

void pact_handoff_attach(struct pact_handoff_conn *c, int fd)
{
	c->fd = fd;
	c->broken = 0;
	c->n_events = 0;
	c->events_lost = 0;
	c->rx_nfds = 0;
	c->rx_fd_overflow = 0;
	frame_dec_init(rx_dec(c));
}

int pact_handoff_connect(struct pact_handoff_conn *c, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!path)
		path = PACT_HANDOFF_SOCKET_PATH;
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno == EINPROGRESS ? EAGAIN : errno;
		close_fd(fd);
		return -e;
	}
	pact_handoff_attach(c, fd);
	return 0;
}

static void drop_rx_fds(struct pact_handoff_conn *c)
{
	for (unsigned i = 0; i < c->rx_nfds; i++)
		close_fd(c->rx_fds[i]);
	c->rx_nfds = 0;
	c->rx_fd_overflow = 0;
}

void pact_handoff_close(struct pact_handoff_conn *c)
{
	drop_rx_fds(c);
	close_fd(c->fd);
	c->fd = -1;
	c->broken = 1;
}

static uint64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX : now_ms() + (uint64_t)timeout_ms;
}

/* Wait for events on c->fd until deadline. 0 ready, -ETIMEDOUT, -errno. */
static int wait_fd(struct pact_handoff_conn *c, short events, uint64_t deadline)
{
	for (;;) {
		int ms = -1;
		if (deadline != UINT64_MAX) {
			uint64_t now = now_ms();
			uint64_t left = deadline > now ? deadline - now : 0;
			ms = left > 1000000 ? 1000000 : (int)left;
		}
		struct pollfd p = {.fd = c->fd, .events = events};
		int r = poll(&p, 1, ms);
		if (r > 0)
			return 0; /* readiness or HUP/ERR: the next call reports it */
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int send_all(struct pact_handoff_conn *c, const uint8_t *p, size_t len, uint64_t deadline)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = handoff_send_frame_with_fds(c->fd, p + off, len - off, NULL, 0);
		if (n == -EAGAIN) {
			int r = wait_fd(c, POLLOUT, deadline);
			if (r < 0) {
				if (off > 0)
					c->broken = 1; /* half a frame is on the wire */
				return r;
			}
			continue;
		}
		if (n < 0) {
			c->broken = 1;
			return n == -ECONNRESET ? -EPIPE : (int)n;
		}
		off += (size_t)n;
	}
	return 0;
}

int pact_handoff_send(struct pact_handoff_conn *c, const struct pact_handoff_msg *m, int timeout_ms)
{
	uint8_t frame[8192]; /* the largest request: 128 + 6 * 1024 escaped bytes + keys */
	if (c->broken || c->fd < 0)
		return -EPIPE;
	ssize_t n = handoff_msg_frame(m, frame, sizeof frame);
	if (n < 0)
		return -EINVAL;
	return send_all(c, frame, (size_t)n, deadline_of(timeout_ms));
}

/* Receive one whole frame into the decoder, with its fds in c->rx_fds. */
static int recv_frame(struct pact_handoff_conn *c, uint64_t deadline)
{
	struct frame_decoder *d = rx_dec(c);
	for (;;) {
		uint8_t *dst;
		size_t want = frame_dec_want(d, &dst);
		if (want == 0)
			return 0; /* complete */
		ssize_t n = handoff_recv_with_fds(c->fd, dst, want, c->rx_fds, PACT_NS_COUNT,
						  &c->rx_nfds, &c->rx_fd_overflow);
		if (n == -EAGAIN) {
			int r = wait_fd(c, POLLIN, deadline);
			if (r < 0)
				return r; /* partial frame and its fds stay buffered */
			continue;
		}
		if (n <= 0) {
			c->broken = 1;
			drop_rx_fds(c);
			return n == 0 || n == -ECONNRESET ? -EPIPE : (int)n;
		}
		if (frame_dec_commit(d, (size_t)n) < 0) {
			c->broken = 1;
			drop_rx_fds(c);
			return -EPROTO;
		}
	}
}

static int recv_msg(struct pact_handoff_conn *c, struct pact_handoff_msg *m, int *fds,
		    unsigned max_fds, unsigned *nfds, uint64_t deadline)
{
	struct frame_decoder *d = rx_dec(c);
	char why[128];
	size_t len = 0;
	if (c->broken || c->fd < 0)
		return -EPIPE;
	int r = recv_frame(c, deadline);
	if (r < 0)
		return r;
	const uint8_t *body = frame_dec_body(d, &len);
	if (!body) { /* recv_frame said complete: only a decoder error gets here */
		c->broken = 1;
		drop_rx_fds(c);
		return -EPROTO;
	}
	r = handoff_msg_parse(body, len, m, why, sizeof why);
	frame_dec_next(d);
	if (r < 0 || c->rx_fd_overflow || c->rx_nfds > max_fds) {
		drop_rx_fds(c); /* the stream is still in sync: only this message is bad */
		return -EPROTO;
	}
	for (unsigned i = 0; i < c->rx_nfds; i++)
		fds[i] = c->rx_fds[i];
	*nfds = c->rx_nfds;
	c->rx_nfds = 0;
	return 0;
}

int pact_handoff_recv(struct pact_handoff_conn *c, struct pact_handoff_msg *m, int *fds,
		      unsigned max_fds, unsigned *nfds, int timeout_ms)
{
	return recv_msg(c, m, fds, max_fds, nfds, deadline_of(timeout_ms));
}

static void close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close_fd(fds[i]);
}

static void queue_event(struct pact_handoff_conn *c, const char *id)
{
	if (c->n_events == PACT_HANDOFF_EVENTS_MAX) {
		memmove(c->events[0], c->events[1], sizeof c->events[0] * (c->n_events - 1));
		c->n_events--;
		c->events_lost++;
	}
	strcpy(c->events[c->n_events++], id);
}

/*
 * A late Error AllocationNotFound about another allocation: the answer to
 * an AllocationEnded that crossed the server's own push. Harmless.
 */
static int stray_not_found(const struct pact_handoff_msg *m, const char *ours)
{
	return m->type == PACT_MSG_ERROR && m->kind == PACT_ERR_ALLOCATION_NOT_FOUND &&
	       m->has_allocation_id && strcmp(m->allocation_id, ours) != 0;
}

static int is_ours(const struct pact_handoff_msg *m, const char *id)
{
	return !m->has_allocation_id || strcmp(m->allocation_id, id) == 0;
}

static int same_types(const struct pact_handoff_msg *a, const struct pact_handoff_msg *b)
{
	if (a->n_ns != b->n_ns)
		return 0;
	for (unsigned i = 0; i < a->n_ns; i++)
		if (a->ns[i] != b->ns[i])
			return 0;
	return 1;
}

int pact_handoff_request(struct pact_handoff_conn *c, const struct pact_handoff_msg *req,
			 struct pact_handoff_msg *resp, int fds[PACT_NS_COUNT], int timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms);
	const char *why;
	for (int i = 0; i < PACT_NS_COUNT; i++)
		fds[i] = -1;
	if (req->type != PACT_MSG_NAMESPACE_REQUEST || handoff_msg_check(req, &why) < 0)
		return -EINVAL;
	int r = pact_handoff_send(c, req, timeout_ms);
	if (r < 0)
		return r;
	for (;;) {
		int got[PACT_NS_COUNT];
		unsigned n = 0;
		r = recv_msg(c, resp, got, PACT_NS_COUNT, &n, deadline);
		if (r < 0)
			return r;
		if (resp->type == PACT_MSG_NAMESPACE_RESPONSE &&
		    strcmp(resp->allocation_id, req->allocation_id) == 0) {
			if (n != resp->n_ns || !same_types(resp, req)) {
				close_fds(got, n);
				return -EPROTO;
			}
			memcpy(fds, got, sizeof(int) * n);
			return PACT_HANDOFF_OK;
		}
		close_fds(got, n); /* no other message carries fds */
		if (resp->type == PACT_MSG_ALLOCATION_ENDED) {
			queue_event(c, resp->allocation_id);
			continue;
		}
		if (stray_not_found(resp, req->allocation_id))
			continue;
		if (resp->type == PACT_MSG_ERROR && is_ours(resp, req->allocation_id))
			return PACT_HANDOFF_GOT_ERROR;
		return -EPROTO;
	}
}

int pact_handoff_request_ns(struct pact_handoff_conn *c, const char *allocation_id,
			    const enum pact_ns_type *ns, unsigned n_ns, const char *uenv_image,
			    struct pact_handoff_msg *resp, int fds[PACT_NS_COUNT], int timeout_ms)
{
	static const struct pact_handoff_msg zero;
	struct pact_handoff_msg req = zero;
	req.type = PACT_MSG_NAMESPACE_REQUEST;
	if (strlen(allocation_id) > PACT_HANDOFF_ALLOC_ID_MAX || n_ns > PACT_NS_COUNT ||
	    (uenv_image && strlen(uenv_image) > PACT_HANDOFF_PATH_MAX)) {
		for (int i = 0; i < PACT_NS_COUNT; i++)
			fds[i] = -1;
		return -EINVAL;
	}
	strcpy(req.allocation_id, allocation_id);
	req.has_allocation_id = 1;
	req.n_ns = n_ns;
	memcpy(req.ns, ns, sizeof(*ns) * n_ns);
	if (uenv_image) {
		req.has_uenv = 1;
		strcpy(req.uenv, uenv_image);
	}
	return pact_handoff_request(c, &req, resp, fds, timeout_ms);
}

int pact_handoff_end(struct pact_handoff_conn *c, const char *allocation_id,
		     struct pact_handoff_msg *resp, int timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms);
	struct pact_handoff_msg m, local;
	const char *why;
	if (!resp)
		resp = &local;
	if (strlen(allocation_id) > PACT_HANDOFF_ALLOC_ID_MAX)
		return -EINVAL;
	handoff_msg_ended(&m, allocation_id);
	if (handoff_msg_check(&m, &why) < 0)
		return -EINVAL;
	int r = pact_handoff_send(c, &m, timeout_ms);
	if (r < 0)
		return r;
	for (;;) {
		int got[PACT_NS_COUNT];
		unsigned n = 0;
		r = recv_msg(c, resp, got, PACT_NS_COUNT, &n, deadline);
		if (r < 0)
			return r;
		close_fds(got, n);
		if (n)
			return -EPROTO;
		if (resp->type == PACT_MSG_ALLOCATION_ENDED) {
			/* the echo, or the server's own push that crossed ours: ended either way */
			if (strcmp(resp->allocation_id, allocation_id) == 0)
				return PACT_HANDOFF_OK;
			queue_event(c, resp->allocation_id);
			continue;
		}
		if (stray_not_found(resp, allocation_id))
			continue;
		if (resp->type == PACT_MSG_ERROR && is_ours(resp, allocation_id))
			return PACT_HANDOFF_GOT_ERROR;
		return -EPROTO;
	}
}

int pact_handoff_next_event(struct pact_handoff_conn *c, struct pact_handoff_msg *msg,
			    int timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms);
	if (c->n_events > 0) {
		handoff_msg_ended(msg, c->events[0]);
		memmove(c->events[0], c->events[1], sizeof c->events[0] * (c->n_events - 1));
		c->n_events--;
		return 0;
	}
	for (;;) {
		int got[PACT_NS_COUNT];
		unsigned n = 0;
		int r = recv_msg(c, msg, got, PACT_NS_COUNT, &n, deadline);
		if (r < 0)
			return r;
		close_fds(got, n);
		if (n)
			return -EPROTO;
		if (msg->type == PACT_MSG_ALLOCATION_ENDED)
			return 0;
		if (msg->type == PACT_MSG_ERROR && msg->kind == PACT_ERR_ALLOCATION_NOT_FOUND)
			continue; /* a late answer to an end that crossed a push */
		return -EPROTO;
	}
}
