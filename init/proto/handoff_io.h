/*
 * Socket I/O for the handoff protocol, shared by the server and the client:
 * sending a frame with SCM_RIGHTS fds attached to its first byte, receiving
 * bytes with the fds that came with them (MSG_CMSG_CLOEXEC), and a small
 * bounded outgoing queue for a non-blocking server.
 *
 * Why a queue: a non-blocking sendmsg may take only part of a frame. The
 * fds must ride with the first byte, so the first sendmsg of a frame carries
 * them and the rest of the frame goes out later as plain bytes. The queue
 * keeps the unsent bytes and owns the fds until they are sent (the kernel
 * holds its own references from then on, so the queue closes its copies).
 * A client that stops reading fills the queue; push then fails with
 * -ENOBUFS and the server should drop that client.
 */
#ifndef PACT_HANDOFF_IO_H
#define PACT_HANDOFF_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pact/handoff.h"

#define HANDOFF_FDS_MAX	     PACT_NS_COUNT /* fds attached to one frame */
#define HANDOFF_RECV_FDS_MAX 8		   /* cmsg room per recvmsg; more is a protocol error */
#define HANDOFF_OUTQ_BYTES   16384
#define HANDOFF_OUTQ_FRAMES  16

/*
 * One non-blocking sendmsg of buf[0..len) (MSG_DONTWAIT | MSG_NOSIGNAL),
 * with fds[0..nfds) in one SCM_RIGHTS message when nfds > 0. Returns the
 * bytes sent (>= 1 means the fds went with them; the caller may close its
 * copies) or -errno (-EAGAIN: nothing was sent, fds not sent either).
 */
ssize_t handoff_send_frame_with_fds(int sock, const void *buf, size_t len, const int *fds,
				    unsigned nfds);
/*
 * One non-blocking recvmsg (MSG_DONTWAIT | MSG_CMSG_CLOEXEC) into buf.
 * Received fds are appended to fds[*nfds..max_fds); any beyond max_fds, or a
 * truncated control message, are closed and *fd_overflow set to 1.
 * Returns bytes read (0 = peer closed) or -errno.
 */
ssize_t handoff_recv_with_fds(int sock, void *buf, size_t len, int *fds, unsigned max_fds,
			      unsigned *nfds, int *fd_overflow);

struct handoff_outq_frame {
	uint32_t len;  /* frame length */
	uint32_t sent; /* bytes already sent */
	uint8_t nfds;
	int fds[HANDOFF_FDS_MAX];
};

struct handoff_outq {
	uint32_t start; /* unsent bytes are buf[start..end) */
	uint32_t end;
	unsigned head; /* oldest frame in f[] */
	unsigned n;    /* frames queued */
	struct handoff_outq_frame f[HANDOFF_OUTQ_FRAMES];
	uint8_t buf[HANDOFF_OUTQ_BYTES];
};

void handoff_outq_init(struct handoff_outq *q);
/*
 * Queue a whole frame (header included). On success the queue owns fds
 * (closes them once sent, or in handoff_outq_clear); on failure the caller
 * still owns them. Returns 0, -EINVAL (nfds > 3 or empty frame), -ENOBUFS.
 */
int handoff_outq_push(struct handoff_outq *q, const void *frame, size_t len, const int *fds,
		      unsigned nfds);
/* Encode m as a frame and queue it (same ownership rules). */
int handoff_outq_push_msg(struct handoff_outq *q, const struct pact_handoff_msg *m, const int *fds,
			  unsigned nfds);
/*
 * Send as much as the socket takes. Returns 0 when the queue is empty,
 * 1 when bytes remain (wait for EPOLLOUT), or -errno (e.g. -EPIPE: drop the
 * client).
 */
int handoff_outq_flush(struct handoff_outq *q, int sock);
/* Bytes waiting to be sent. */
size_t handoff_outq_pending(const struct handoff_outq *q);
/* Drop everything queued, closing owned fds. */
void handoff_outq_clear(struct handoff_outq *q);

#endif
