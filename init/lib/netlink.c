/*
 * netlink: the message builder, attribute parser and request/answer loop
 * behind netlink.h. Everything is bounded: the builder by the caller's
 * buffer, the receive by NL_RECV_BUF, a request by one deadline.
 */
#include "lib/netlink.h"
#include "lib/fileio.h"
#include "lib/loop.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nl_open(struct nl_sock *s, int protocol)
{
	s->fd = -1;
	s->portid = 0;
	s->seq = 0;
	s->timeout_ms = NL_TIMEOUT_MS;
	s->ext_msg[0] = '\0';
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
	if (fd < 0)
		return -errno;
	/* Best effort: without them we still get -errno, just no message. */
	int one = 1;
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	socklen_t sl = sizeof sa;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		int r = -errno;
		close_fd(fd);
		return r;
	}
	s->fd = fd;
	s->portid = sa.nl_pid;
	return 0;
}

int nl_join_group(struct nl_sock *s, unsigned int group)
{
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
		return -errno;
	return 0;
}

void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close_fd(s->fd);
	s->fd = -1;
}

/* ---- builder ---- */

void nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type, uint16_t flags)
{
	m->nlh = buf;
	m->cap = cap;
	m->err = 0;
	if (cap < NLMSG_HDRLEN || ((uintptr_t)buf & 3u)) {
		m->err = -EMSGSIZE;
		m->cap = 0;
		return;
	}
	memset(buf, 0, NLMSG_HDRLEN);
	m->nlh->nlmsg_len = NLMSG_HDRLEN;
	m->nlh->nlmsg_type = type;
	m->nlh->nlmsg_flags = flags;
}

/* Reserve an aligned, zeroed tail of len bytes; NULL (and sticky error) if it does not fit. */
static void *reserve(struct nl_msg *m, size_t len)
{
	if (m->err)
		return NULL;
	size_t at = NLMSG_ALIGN(m->nlh->nlmsg_len);
	size_t need = NLMSG_ALIGN(len);
	if (need < len || at > m->cap || need > m->cap - at || at + need > UINT32_MAX) {
		m->err = -EMSGSIZE;
		return NULL;
	}
	char *p = (char *)m->nlh + at;
	memset(p, 0, need);
	m->nlh->nlmsg_len = (uint32_t)(at + need);
	return p;
}

void *nl_msg_put_extra(struct nl_msg *m, size_t len)
{
	return reserve(m, len);
}

int nl_attr_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	if (len > UINT16_MAX - NLA_HDRLEN) {
		m->err = m->err ? m->err : -EMSGSIZE;
		return m->err;
	}
	struct nlattr *a = reserve(m, NLA_HDRLEN + len);
	if (!a)
		return m->err;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	return 0;
}

int nl_attr_put_u8(struct nl_msg *m, uint16_t type, uint8_t v)
{
	return nl_attr_put(m, type, &v, sizeof v);
}

int nl_attr_put_u16(struct nl_msg *m, uint16_t type, uint16_t v)
{
	return nl_attr_put(m, type, &v, sizeof v);
}

int nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	return nl_attr_put(m, type, &v, sizeof v);
}

int nl_attr_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	return nl_attr_put(m, type, s, strlen(s) + 1);
}

struct nlattr *nl_attr_nest_start(struct nl_msg *m, uint16_t type)
{
	struct nlattr *a = reserve(m, NLA_HDRLEN);
	if (!a)
		return NULL;
	a->nla_type = (uint16_t)(type | NLA_F_NESTED);
	a->nla_len = NLA_HDRLEN;
	return a;
}

void nl_attr_nest_end(struct nl_msg *m, struct nlattr *nest)
{
	if (!nest || m->err)
		return;
	size_t len = (size_t)((char *)m->nlh + m->nlh->nlmsg_len - (char *)nest);
	if (len > UINT16_MAX) {
		m->err = -EMSGSIZE;
		return;
	}
	nest->nla_len = (uint16_t)len;
}

/* ---- parsing ---- */

int nl_attr_parse(const void *data, size_t len, const struct nlattr **tb, unsigned int max)
{
	for (unsigned int i = 0; i <= max; i++)
		tb[i] = NULL;
	const char *p = data;
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EBADMSG;
		unsigned int type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
		size_t step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

int nl_attr_parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		      unsigned int max)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + hdrlen) {
		for (unsigned int i = 0; i <= max; i++)
			tb[i] = NULL;
		return -EBADMSG;
	}
	size_t len = nlh->nlmsg_len > off ? nlh->nlmsg_len - off : 0;
	return nl_attr_parse((const char *)nlh + off, len, tb, max);
}

int nl_attr_get_u32(const struct nlattr *a, uint32_t *out)
{
	if (!a || nl_attr_len(a) != sizeof *out)
		return -EBADMSG;
	memcpy(out, nl_attr_data(a), sizeof *out);
	return 0;
}

int nl_attr_get_u8(const struct nlattr *a, uint8_t *out)
{
	if (!a || nl_attr_len(a) != sizeof *out)
		return -EBADMSG;
	memcpy(out, nl_attr_data(a), sizeof *out);
	return 0;
}

const char *nl_attr_get_str(const struct nlattr *a)
{
	if (!a || nl_attr_len(a) == 0)
		return NULL;
	const char *s = nl_attr_data(a);
	return memchr(s, '\0', nl_attr_len(a)) ? s : NULL;
}

static void copy_msg(char *dst, size_t cap, const char *src)
{
	if (!dst || cap == 0)
		return;
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int nl_decode_error(const struct nlmsghdr *nlh, char *msg, size_t msglen)
{
	copy_msg(msg, msglen, "");
	size_t len = nlh->nlmsg_len;
	if (len < NLMSG_HDRLEN + sizeof(int))
		return -EBADMSG;
	int err;
	memcpy(&err, NLMSG_DATA(nlh), sizeof err);
	/* The kernel sends a negative errno; never let a bogus value pass as success. */
	if (err > 0 || err < -4095)
		return -EBADMSG;
	size_t off;
	if (nlh->nlmsg_type == NLMSG_DONE) {
		off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	} else {
		if (len < NLMSG_HDRLEN + sizeof(struct nlmsgerr))
			return -EBADMSG;
		size_t payload = sizeof(struct nlmsgerr);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			/* The original request follows in full: skip its payload. */
			const struct nlmsgerr *e = NLMSG_DATA(nlh);
			if (e->msg.nlmsg_len < NLMSG_HDRLEN)
				return -EBADMSG;
			payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
		}
		off = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	}
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < len) {
		const struct nlattr *tb[NLMSGERR_ATTR_MSG + 1];
		if (nl_attr_parse((const char *)nlh + off, len - off, tb, NLMSGERR_ATTR_MSG) == 0) {
			const char *s = nl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
			if (s)
				copy_msg(msg, msglen, s);
		}
	}
	return err;
}

int nl_process(const void *buf, size_t len, uint32_t seq, uint32_t portid, nl_cb cb, void *ctx,
	       char *ext_msg, size_t ext_len)
{
	const char *p = buf;
	while (len >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len)
			return -EBADMSG; /* a cut or corrupt datagram: never guess */
		size_t step = NLMSG_ALIGN(nlh->nlmsg_len);
		step = step < len ? step : len;
		p += step;
		len -= step;
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
			continue; /* a notification or a late answer to an old request */
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_OVERRUN:
			return -ENOBUFS;
		case NLMSG_ERROR:
		case NLMSG_DONE: {
			int r = nl_decode_error(nlh, ext_msg, ext_len);
			return r < 0 ? r : 1;
		}
		default:
			if (cb) {
				int r = cb(nlh, ctx);
				if (r < 0)
					return r;
			}
		}
	}
	return len == 0 ? 0 : -EBADMSG;
}

int nl_for_each(const void *buf, size_t len, nl_cb cb, void *ctx)
{
	const char *p = buf;
	while (len >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len)
			return -EBADMSG;
		size_t step = NLMSG_ALIGN(nlh->nlmsg_len);
		step = step < len ? step : len;
		p += step;
		len -= step;
		int r = cb(nlh, ctx);
		if (r < 0)
			return r;
	}
	return len == 0 ? 0 : -EBADMSG;
}

static int remaining_ms(uint64_t deadline)
{
	uint64_t now = now_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

int nl_recv(struct nl_sock *s, int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		struct sockaddr_nl sa;
		struct iovec iov = {.iov_base = s->rbuf, .iov_len = sizeof s->rbuf};
		struct msghdr mh = {
		    .msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n >= 0) {
			if (mh.msg_flags & MSG_TRUNC)
				return -EMSGSIZE;
			if (mh.msg_namelen >= sizeof sa && sa.nl_pid != 0)
				continue; /* only the kernel speaks to us */
			if (n == 0)
				continue;
			return (int)n;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		int left = remaining_ms(deadline);
		if (left == 0)
			return 0;
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		int pr = poll(&pfd, 1, left);
		if (pr < 0 && errno != EINTR)
			return -errno;
	}
}

/* Keeps a callback's first error and lets the answer drain, so nothing
 * of this request lingers in the socket for the next one. */
struct cb_guard {
	nl_cb cb;
	void *ctx;
	int err;
};

static int guarded_cb(const struct nlmsghdr *nlh, void *p)
{
	struct cb_guard *g = p;
	if (g->cb && !g->err) {
		int r = g->cb(nlh, g->ctx);
		if (r < 0)
			g->err = r;
	}
	return 0;
}

int nl_request(struct nl_sock *s, struct nl_msg *m, nl_cb cb, void *ctx)
{
	s->ext_msg[0] = '\0';
	if (m->err)
		return m->err;
	if (s->fd < 0)
		return -EBADF;
	struct nlmsghdr *nlh = m->nlh;
	if (++s->seq == 0)
		s->seq = 1;
	nlh->nlmsg_seq = s->seq;
	nlh->nlmsg_pid = 0;
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	ssize_t w;
	do
		w = sendto(s->fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof to);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	uint64_t deadline = now_ms() + (uint64_t)(s->timeout_ms > 0 ? s->timeout_ms : 0);
	struct cb_guard g = {cb, ctx, 0};
	for (;;) {
		int n = nl_recv(s, remaining_ms(deadline));
		if (n < 0)
			return n;
		if (n == 0)
			return -ETIMEDOUT;
		int r = nl_process(s->rbuf, (size_t)n, s->seq, s->portid, guarded_cb, &g,
				   s->ext_msg, sizeof s->ext_msg);
		if (r < 0)
			return r;
		if (r == 1)
			return g.err;
	}
}
