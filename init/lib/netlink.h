/*
 * netlink: a small in-tree rtnetlink client, libmnl-like in spirit and kept
 * behind this header so libmnl could replace it. It owns three things:
 *  - a message builder into a caller's buffer (header, family header,
 *    attributes, nested attributes) with a sticky overflow error;
 *  - attribute parsing of received messages;
 *  - request/answer over a SOCK_CLOEXEC socket: sequence numbers, a bounded
 *    wait (poll, one deadline per request), NLMSG_ERROR decoded to -errno
 *    plus the kernel's extended ack message (NETLINK_EXT_ACK) when given.
 * No allocation: the receive buffer lives in struct nl_sock.
 */
#ifndef PACT_NETLINK_H
#define PACT_NETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

/*
 * The kernel sizes dump datagrams to the receive buffer it sees (capped at
 * 32 KiB); a single message larger than this is reported as -EMSGSIZE.
 * We never ask for VF info, so link messages stay far below it.
 */
#define NL_RECV_BUF 16384
/* Default bound on one request, from send to its ack / end of dump. */
#define NL_TIMEOUT_MS  2000
#define NL_EXT_MSG_MAX 160

struct nl_sock {
	int fd;
	uint32_t portid;
	uint32_t seq;		      /* last sequence number used */
	int timeout_ms;		      /* bound on each request; NL_TIMEOUT_MS after nl_open */
	char ext_msg[NL_EXT_MSG_MAX]; /* kernel's message for the last failed request, or "" */
	unsigned char rbuf[NL_RECV_BUF] __attribute__((aligned(8)));
};

/* Open a netlink socket of protocol (NETLINK_ROUTE) bound to the kernel-assigned
 * port id. Returns 0 or -errno; s->fd is -1 on failure. */
int nl_open(struct nl_sock *s, int protocol);
/* Join a multicast group (e.g. RTNLGRP_LINK). Returns 0 or -errno. */
int nl_join_group(struct nl_sock *s, unsigned int group);
void nl_close(struct nl_sock *s);

/* A message being built. buf must be 4-byte aligned. */
struct nl_msg {
	struct nlmsghdr *nlh;
	size_t cap;
	int err; /* sticky: -EMSGSIZE once something did not fit */
};

void nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type, uint16_t flags);
/* Reserve len zeroed bytes (the family header) after what is there. NULL on overflow. */
void *nl_msg_put_extra(struct nl_msg *m, size_t len);
int nl_attr_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
int nl_attr_put_u8(struct nl_msg *m, uint16_t type, uint8_t v);
int nl_attr_put_u16(struct nl_msg *m, uint16_t type, uint16_t v);
int nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
/* A NUL-terminated string attribute (NLA_NUL_STRING / NLA_STRING both accept it). */
int nl_attr_put_str(struct nl_msg *m, uint16_t type, const char *s);
/* Open a nested attribute; close it with nl_attr_nest_end. NULL on overflow. */
struct nlattr *nl_attr_nest_start(struct nl_msg *m, uint16_t type);
void nl_attr_nest_end(struct nl_msg *m, struct nlattr *nest);

/* Attribute access. Types are compared with the NLA_F_* flag bits removed. */
static inline const void *nl_attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}
static inline size_t nl_attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}
/* Fill tb[0..max] with the last attribute of each type in data/len; other
 * types are ignored. Returns 0, or -EBADMSG when an attribute overruns. */
int nl_attr_parse(const void *data, size_t len, const struct nlattr **tb, unsigned int max);
/* The same for the attributes after a message's family header of hdrlen bytes. */
int nl_attr_parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		      unsigned int max);
/* Typed getters: 0 or -EBADMSG when the payload has the wrong size. */
int nl_attr_get_u32(const struct nlattr *a, uint32_t *out);
int nl_attr_get_u8(const struct nlattr *a, uint8_t *out);
/* The string payload, or NULL when it is not NUL-terminated within the attribute. */
const char *nl_attr_get_str(const struct nlattr *a);

/* Decode an NLMSG_ERROR (or the error of an NLMSG_DONE): returns the error as
 * -errno (0 for an ack) and copies the extended ack message, if any, into msg
 * ("" when none). Malformed messages give -EBADMSG. */
int nl_decode_error(const struct nlmsghdr *nlh, char *msg, size_t msglen);

/* Called for each reply message that belongs to a request (not the ack).
 * Return 0 to go on, <0 to make the request fail with that value. */
typedef int (*nl_cb)(const struct nlmsghdr *nlh, void *ctx);

/*
 * Process one received datagram for the request (seq, portid): messages of
 * other requests and notifications are skipped. Returns 1 when the request
 * is complete (ack or end of dump), 0 when more is expected, <0 on the
 * kernel's error (ext_msg filled) or a callback's error or -EBADMSG.
 * Exposed for tests on canned buffers.
 */
int nl_process(const void *buf, size_t len, uint32_t seq, uint32_t portid, nl_cb cb, void *ctx,
	       char *ext_msg, size_t ext_len);

/* Call cb for every message in buf, whoever it is for (multicast listeners).
 * Returns 0, cb's first error, or -EBADMSG for a cut or corrupt datagram. */
int nl_for_each(const void *buf, size_t len, nl_cb cb, void *ctx);

/*
 * Send m with the next sequence number and wait (bounded by s->timeout_ms)
 * for its completion. A request that is not a dump gets NLM_F_ACK. Replies
 * go to cb (may be NULL). Returns 0, the kernel's -errno (s->ext_msg says
 * why when the kernel did), -ETIMEDOUT, -EMSGSIZE (message or reply too big).
 */
int nl_request(struct nl_sock *s, struct nl_msg *m, nl_cb cb, void *ctx);

/* Receive one datagram into s->rbuf waiting at most timeout_ms (0 = don't
 * wait). Returns its length, 0 on timeout, or -errno (-ENOBUFS: the kernel
 * dropped notifications, resynchronise). For multicast listeners. */
int nl_recv(struct nl_sock *s, int timeout_ms);

#endif
