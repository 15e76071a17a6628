/*
 * Handoff socket I/O: SCM_RIGHTS send/receive and the bounded outgoing
 * queue (see handoff_io.h for the rules on fds and partial writes).
 */
#include "proto/handoff_io.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/fileio.h"
#include "proto/handoff_msg.h"

ssize_t handoff_send_frame_with_fds(int sock, const void *buf, size_t len, const int *fds,
				    unsigned nfds)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * HANDOFF_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (nfds > HANDOFF_FDS_MAX || len == 0)
		return -EINVAL;
	if (nfds > 0) {
		memset(&ctl, 0, sizeof ctl);
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

ssize_t handoff_recv_with_fds(int sock, void *buf, size_t len, int *fds, unsigned max_fds,
			      unsigned *nfds, int *fd_overflow)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * HANDOFF_RECV_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	do {
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof ctl.b;
		n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (mh.msg_flags & MSG_CTRUNC)
		*fd_overflow = 1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue; /* e.g. credentials: carry no fds */
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
			if (*nfds < max_fds) {
				fds[(*nfds)++] = fd;
			} else {
				close_fd(fd);
				*fd_overflow = 1;
			}
		}
	}
	return n;
}

void handoff_outq_init(struct handoff_outq *q)
{
	q->start = q->end = 0;
	q->head = q->n = 0;
}

static void close_frame_fds(struct handoff_outq_frame *f)
{
	for (unsigned i = 0; i < f->nfds; i++)
		close_fd(f->fds[i]);
	f->nfds = 0;
}

int handoff_outq_push(struct handoff_outq *q, const void *frame, size_t len, const int *fds,
		      unsigned nfds)
{
	if (nfds > HANDOFF_FDS_MAX || len == 0)
		return -EINVAL;
	if (q->n >= HANDOFF_OUTQ_FRAMES || len > HANDOFF_OUTQ_BYTES - (q->end - q->start))
		return -ENOBUFS;
	if (len > HANDOFF_OUTQ_BYTES - q->end) {
		/* compact: the unsent bytes move to the front */
		memmove(q->buf, q->buf + q->start, q->end - q->start);
		q->end -= q->start;
		q->start = 0;
	}
	memcpy(q->buf + q->end, frame, len);
	q->end += (uint32_t)len;
	struct handoff_outq_frame *f = &q->f[(q->head + q->n) % HANDOFF_OUTQ_FRAMES];
	f->len = (uint32_t)len;
	f->sent = 0;
	f->nfds = (uint8_t)nfds;
	for (unsigned i = 0; i < nfds; i++)
		f->fds[i] = fds[i];
	q->n++;
	return 0;
}

int handoff_outq_push_msg(struct handoff_outq *q, const struct pact_handoff_msg *m, const int *fds,
			  unsigned nfds)
{
	char frame[HANDOFF_OUTQ_BYTES];
	ssize_t n = handoff_msg_frame(m, frame, sizeof frame);
	if (n < 0)
		return (int)n;
	return handoff_outq_push(q, frame, (size_t)n, fds, nfds);
}

int handoff_outq_flush(struct handoff_outq *q, int sock)
{
	while (q->n > 0) {
		struct handoff_outq_frame *f = &q->f[q->head];
		const uint8_t *p = q->buf + q->start;
		ssize_t n;
		if (f->sent == 0)
			n = handoff_send_frame_with_fds(sock, p, f->len, f->fds, f->nfds);
		else
			n = handoff_send_frame_with_fds(sock, p, f->len - f->sent, NULL, 0);
		if (n == -EAGAIN)
			return 1;
		if (n < 0)
			return (int)n;
		if (f->sent == 0)
			close_frame_fds(f); /* in flight now: the kernel holds them */
		f->sent += (uint32_t)n;
		q->start += (uint32_t)n;
		if (f->sent == f->len) {
			q->head = (q->head + 1) % HANDOFF_OUTQ_FRAMES;
			q->n--;
		}
	}
	q->start = q->end = 0;
	return 0;
}

size_t handoff_outq_pending(const struct handoff_outq *q)
{
	return q->end - q->start;
}

void handoff_outq_clear(struct handoff_outq *q)
{
	for (unsigned i = 0; i < q->n; i++)
		close_frame_fds(&q->f[(q->head + i) % HANDOFF_OUTQ_FRAMES]);
	handoff_outq_init(q);
}
