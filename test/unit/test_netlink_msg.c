/*
 * The netlink builder checked byte by byte against layouts written out by
 * hand from the netlink ABI, attribute parsing, and the decoding of acks,
 * errors with extended ack messages and whole reply datagrams on canned
 * buffers. No sockets.
 */
#include "lib/netlink.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <linux/rtnetlink.h>

static uint32_t buf32[256];

/* RTM_NEWLINK, REQUEST|CREATE|EXCL, ifinfomsg zero, IFLA_IFNAME "eth0",
 * IFLA_MTU 1500, IFLA_LINKINFO (nested) { IFLA_INFO_KIND "veth" } */
static const unsigned char expect_newlink[68] = {
    0x44, 0x00, 0x00, 0x00, 0x10, 0x00, 0x01, 0x06, /* len 68, type 16, flags 0x601 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq, pid */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ifinfomsg */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x09, 0x00, 0x03, 0x00, 'e',  't',	'h',  '0',  /* IFLA_IFNAME, len 9 */
    0x00, 0x00, 0x00, 0x00,			    /* NUL + padding */
    0x08, 0x00, 0x04, 0x00, 0xdc, 0x05, 0x00, 0x00, /* IFLA_MTU 1500 */
    0x10, 0x00, 0x12, 0x80,			    /* IFLA_LINKINFO|NESTED, len 16 */
    0x09, 0x00, 0x01, 0x00, 'v',  'e',	't',  'h',  /* IFLA_INFO_KIND */
    0x00, 0x00, 0x00, 0x00,
};

static int build_newlink(struct nl_msg *m, void *buf, size_t cap)
{
	nl_msg_init(m, buf, cap, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	nl_msg_put_extra(m, sizeof(struct ifinfomsg));
	nl_attr_put_str(m, IFLA_IFNAME, "eth0");
	nl_attr_put_u32(m, IFLA_MTU, 1500);
	struct nlattr *li = nl_attr_nest_start(m, IFLA_LINKINFO);
	nl_attr_put_str(m, IFLA_INFO_KIND, "veth");
	nl_attr_nest_end(m, li);
	return m->err;
}

static void test_builder(void)
{
	struct nl_msg m;
	memset(buf32, 0xaa, sizeof buf32);
	is_int(build_newlink(&m, buf32, sizeof buf32), 0, "builder: no error");
	is_int(m.nlh->nlmsg_len, sizeof expect_newlink, "builder: length 68");
	ok(memcmp(buf32, expect_newlink, sizeof expect_newlink) == 0,
	   "builder: bytes match the hand-written layout (padding zeroed)");

	/* 32 bytes fit header + ifinfomsg; the name (12) does not: sticky error */
	memset(buf32, 0, sizeof buf32);
	nl_msg_init(&m, buf32, 40, RTM_NEWLINK, 0);
	nl_msg_put_extra(&m, sizeof(struct ifinfomsg));
	is_int(nl_attr_put_str(&m, IFLA_IFNAME, "eth0"), -EMSGSIZE, "builder: overflow reported");
	is_int(nl_attr_put_u32(&m, IFLA_MTU, 1), -EMSGSIZE,
	       "builder: overflow is sticky (an 8-byte attribute that would fit is refused)");
	is_int(m.nlh->nlmsg_len, 32, "builder: length unchanged by refused attributes");
	ok(nl_attr_nest_start(&m, IFLA_LINKINFO) == NULL, "builder: nest refused after overflow");

	unsigned char odd[64];
	nl_msg_init(&m, odd + 1, 60, RTM_GETLINK, 0);
	is_int(m.err, -EMSGSIZE, "builder: misaligned buffer refused");
	nl_msg_init(&m, buf32, 8, RTM_GETLINK, 0);
	is_int(m.err, -EMSGSIZE, "builder: buffer smaller than a header refused");

	/* u8/u16 attributes: 5 and 6 bytes, padded to 8 */
	nl_msg_init(&m, buf32, sizeof buf32, RTM_NEWLINK, 0);
	nl_attr_put_u8(&m, IFLA_OPERSTATE, 6);
	nl_attr_put_u16(&m, 0x7, 0x1234);
	const unsigned char *b = (const unsigned char *)buf32;
	static const unsigned char e2[] = {0x05, 0x00, 0x10, 0x00, 0x06, 0x00, 0x00, 0x00,
					   0x06, 0x00, 0x07, 0x00, 0x34, 0x12, 0x00, 0x00};
	is_int(m.nlh->nlmsg_len, 16 + 16, "builder: u8 + u16 length");
	ok(memcmp(b + 16, e2, sizeof e2) == 0, "builder: u8 and u16 bytes and padding");
}

static void test_parse(void)
{
	struct nl_msg m;
	build_newlink(&m, buf32, sizeof buf32);
	const struct nlattr *tb[IFLA_MAX + 1];
	is_int(nl_attr_parse_msg(m.nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX), 0, "parse: ok");
	is_str(nl_attr_get_str(tb[IFLA_IFNAME]), "eth0", "parse: IFLA_IFNAME");
	uint32_t mtu = 0;
	ok(nl_attr_get_u32(tb[IFLA_MTU], &mtu) == 0 && mtu == 1500, "parse: IFLA_MTU 1500");
	ok(tb[IFLA_LINKINFO] != NULL, "parse: IFLA_LINKINFO found despite NLA_F_NESTED");
	const struct nlattr *li[IFLA_INFO_MAX + 1];
	is_int(nl_attr_parse(nl_attr_data(tb[IFLA_LINKINFO]), nl_attr_len(tb[IFLA_LINKINFO]), li,
			     IFLA_INFO_MAX),
	       0, "parse: nested");
	is_str(nl_attr_get_str(li[IFLA_INFO_KIND]), "veth", "parse: nested IFLA_INFO_KIND");
	ok(tb[IFLA_ADDRESS] == NULL, "parse: absent attribute is NULL");
	uint8_t u8;
	is_int(nl_attr_get_u8(tb[IFLA_MTU], &u8), -EBADMSG, "parse: wrong-size getter refused");

	/* an attribute claiming more than there is */
	unsigned char bad[8] = {0x0c, 0x00, 0x01, 0x00, 1, 2, 3, 4};
	const struct nlattr *t2[4];
	is_int(nl_attr_parse(bad, sizeof bad, t2, 3), -EBADMSG, "parse: overrunning attribute");
	unsigned char bad2[8] = {0x02, 0x00, 0x01, 0x00, 0, 0, 0, 0};
	is_int(nl_attr_parse(bad2, sizeof bad2, t2, 3), -EBADMSG,
	       "parse: attribute shorter than header");
	unsigned char nonul[8] = {0x08, 0x00, 0x01, 0x00, 'a', 'b', 'c', 'd'};
	is_int(nl_attr_parse(nonul, sizeof nonul, t2, 3), 0, "parse: string attr parses");
	ok(nl_attr_get_str(t2[1]) == NULL, "parse: unterminated string refused");
	/* the last of repeated attributes wins; types above max are ignored */
	unsigned char rep[24] = {0x08, 0x00, 0x01, 0x00, 1, 0, 0, 0,
				 0x08, 0x00, 0x01, 0x00, 2, 0, 0, 0,
				 0x08, 0x00, 0x09, 0x00, 3, 0, 0, 0};
	uint32_t v = 0;
	is_int(nl_attr_parse(rep, sizeof rep, t2, 3), 0, "parse: repeated");
	ok(nl_attr_get_u32(t2[1], &v) == 0 && v == 2, "parse: the last repeated attribute wins");
}

/* Append a string TLV at p, return bytes used (aligned). */
static size_t put_tlv_str(unsigned char *p, uint16_t type, const char *s)
{
	uint16_t len = (uint16_t)(4 + strlen(s) + 1);
	memcpy(p, &len, 2);
	memcpy(p + 2, &type, 2);
	memcpy(p + 4, s, strlen(s) + 1);
	return (size_t)((len + 3) & ~3);
}

static size_t put_tlv_u32(unsigned char *p, uint16_t type, uint32_t v)
{
	uint16_t len = 8;
	memcpy(p, &len, 2);
	memcpy(p + 2, &type, 2);
	memcpy(p + 4, &v, 4);
	return 8;
}

/* An NLMSG_ERROR for seq/pid; orig is the request (echoed whole unless capped). */
static size_t make_error(unsigned char *out, int error, uint32_t seq, uint32_t pid,
			 const struct nlmsghdr *orig, int capped, const char *ext)
{
	memset(out, 0, 512);
	struct nlmsghdr *h = (struct nlmsghdr *)out;
	struct nlmsgerr *e = NLMSG_DATA(h);
	e->error = error;
	size_t payload = sizeof *e;
	memcpy(&e->msg, orig, sizeof *orig);
	if (!capped) {
		memcpy(&e->msg, orig, orig->nlmsg_len);
		payload += orig->nlmsg_len - NLMSG_HDRLEN;
	}
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	h->nlmsg_flags = capped ? NLM_F_CAPPED : 0;
	if (ext) {
		off += put_tlv_str(out + off, NLMSGERR_ATTR_MSG, ext);
		off += put_tlv_u32(out + off, NLMSGERR_ATTR_OFFS, 20);
		h->nlmsg_flags |= NLM_F_ACK_TLVS;
	}
	h->nlmsg_len = (uint32_t)off;
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = pid;
	return off;
}

static void test_errors(void)
{
	struct nl_msg m;
	static uint32_t req32[64];
	build_newlink(&m, req32, sizeof req32);
	unsigned char e[512] __attribute__((aligned(4)));
	char msg[NL_EXT_MSG_MAX];

	make_error(e, 0, 1, 1, m.nlh, 1, NULL);
	strcpy(msg, "stale");
	is_int(nl_decode_error((struct nlmsghdr *)e, msg, sizeof msg), 0, "error: ack is 0");
	is_str(msg, "", "error: ack has no message (stale text cleared)");

	make_error(e, -EINVAL, 1, 1, m.nlh, 1, "ipv4: Invalid prefix length");
	is_int(nl_decode_error((struct nlmsghdr *)e, msg, sizeof msg), -EINVAL,
	       "error: capped -EINVAL");
	is_str(msg, "ipv4: Invalid prefix length", "error: capped extended ack message");

	size_t n = make_error(e, -ERANGE, 1, 1, m.nlh, 0, "mtu less than device minimum");
	ok(n > 16 + 20 + 52, "error: uncapped error carries the request (%zu bytes)", n);
	is_int(nl_decode_error((struct nlmsghdr *)e, msg, sizeof msg), -ERANGE,
	       "error: uncapped -ERANGE");
	is_str(msg, "mtu less than device minimum",
	       "error: message found after the echoed request");

	char small[8];
	make_error(e, -EINVAL, 1, 1, m.nlh, 1, "a long message that will not fit");
	nl_decode_error((struct nlmsghdr *)e, small, sizeof small);
	is_str(small, "a long ", "error: message truncated to the caller's buffer");

	make_error(e, -EPERM, 1, 1, m.nlh, 1, NULL);
	is_int(nl_decode_error((struct nlmsghdr *)e, msg, sizeof msg), -EPERM,
	       "error: without TLVs");
	is_str(msg, "", "error: no message without TLVs");

	struct nlmsghdr *h = (struct nlmsghdr *)e;
	h->nlmsg_len = NLMSG_HDRLEN + 2;
	is_int(nl_decode_error(h, msg, sizeof msg), -EBADMSG, "error: truncated NLMSG_ERROR");
	make_error(e, 5, 1, 1, m.nlh, 1, NULL);
	is_int(nl_decode_error(h, msg, sizeof msg), -EBADMSG, "error: positive error is malformed");

	/* an NLMSG_DONE carrying an error (an interrupted or failed dump) */
	memset(e, 0, sizeof e);
	h->nlmsg_len = NLMSG_HDRLEN + 4;
	h->nlmsg_type = NLMSG_DONE;
	int derr = -EINTR;
	memcpy(NLMSG_DATA(h), &derr, 4);
	is_int(nl_decode_error(h, msg, sizeof msg), -EINTR, "error: NLMSG_DONE with error");
}

static int count_cb(const struct nlmsghdr *nlh, void *ctx)
{
	int *n = ctx;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -EPROTO;
	(*n)++;
	return 0;
}

static int refuse_cb(const struct nlmsghdr *nlh, void *ctx)
{
	(void)nlh;
	(void)ctx;
	return -E2BIG;
}

/* Append a minimal message of type with seq/pid at off; return the new offset. */
static size_t put_msg(unsigned char *b, size_t off, uint16_t type, uint32_t seq, uint32_t pid,
		      size_t payload)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(b + off);
	memset(h, 0, NLMSG_SPACE(payload));
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(payload);
	h->nlmsg_type = type;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = pid;
	h->nlmsg_flags = NLM_F_MULTI;
	return off + NLMSG_SPACE(payload);
}

static void test_process(void)
{
	static unsigned char b[1024] __attribute__((aligned(4)));
	char ext[NL_EXT_MSG_MAX];
	int n = 0;
	size_t off = 0;
	off = put_msg(b, off, RTM_NEWLINK, 5, 99, 16);
	off = put_msg(b, off, RTM_NEWLINK, 4, 99, 16); /* an older request's */
	off = put_msg(b, off, RTM_NEWLINK, 0, 0, 16);  /* a notification */
	off = put_msg(b, off, RTM_NEWLINK, 5, 99, 21); /* odd length: padded */
	size_t mid = off;
	off = put_msg(b, off, NLMSG_DONE, 5, 99, 4);
	is_int(nl_process(b, off, 5, 99, count_cb, &n, ext, sizeof ext), 1,
	       "process: dump ends at NLMSG_DONE");
	is_int(n, 2, "process: only this request's two replies reach the callback");

	n = 0;
	is_int(nl_process(b, mid, 5, 99, count_cb, &n, ext, sizeof ext), 0,
	       "process: no end yet: more expected");
	is_int(nl_process(b, off, 5, 99, refuse_cb, NULL, ext, sizeof ext), -E2BIG,
	       "process: a callback's error is returned");
	is_int(nl_process(b, mid + 8, 5, 99, count_cb, &n, ext, sizeof ext), -EBADMSG,
	       "process: a cut message is refused");
	struct nlmsghdr *h = (struct nlmsghdr *)b;
	h->nlmsg_len = 4000;
	is_int(nl_process(b, off, 5, 99, count_cb, &n, ext, sizeof ext), -EBADMSG,
	       "process: a length beyond the datagram is refused");

	/* an error for another request is skipped; ours is returned with its text */
	static uint32_t req32[64];
	struct nl_msg m;
	build_newlink(&m, req32, sizeof req32);
	off = make_error(b, -EEXIST, 3, 99, m.nlh, 1, "other");
	off += make_error(b + off, -EOPNOTSUPP, 6, 99, m.nlh, 1, "Unknown device type");
	is_int(nl_process(b, off, 6, 99, NULL, NULL, ext, sizeof ext), -EOPNOTSUPP,
	       "process: our error, the other request's skipped");
	is_str(ext, "Unknown device type", "process: our extended ack message");
	is_int(nl_process(b, off, 6, 98, NULL, NULL, ext, sizeof ext), 0,
	       "process: another port id's answers are not ours");
	off = make_error(b, 0, 7, 99, m.nlh, 1, NULL);
	is_int(nl_process(b, off, 7, 99, NULL, NULL, ext, sizeof ext), 1, "process: ack completes");

	n = 0;
	off = put_msg(b, 0, RTM_NEWLINK, 0, 0, 16);
	off = put_msg(b, off, RTM_DELLINK, 1, 2, 16);
	is_int(nl_for_each(b, off, count_cb, &n), -EPROTO, "for_each: sees every message");
	is_int(n, 1, "for_each: stops at the callback's error");
	n = 0;
	off = put_msg(b, 0, RTM_NEWLINK, 0, 0, 16);
	off = put_msg(b, off, RTM_NEWLINK, 1, 2, 16);
	is_int(nl_for_each(b, off, count_cb, &n), 0, "for_each: whole datagram");
	is_int(n, 2, "for_each: two messages");
	is_int(nl_for_each(b, off - 3, count_cb, &n), -EBADMSG, "for_each: cut datagram");
}

int main(void)
{
	test_builder();
	test_parse();
	test_errors();
	test_process();
	return done_testing();
}
