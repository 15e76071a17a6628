/*
 * libFuzzer target for the netlink code, both ways:
 * - replies: a datagram as the kernel might send it goes through
 *   nl_process (as the answer to a request), nl_for_each, nl_decode_error,
 *   nl_attr_parse and the link parser (net__parse_link) of a dump. Nothing
 *   may read out of bounds, and a reported completion or error must come
 *   from a well-formed message;
 * - requests: the input is also read as a program of attribute puts
 *   (u8, u16, u32, strings, raw bytes, nests) into a bounded message; what
 *   was built must parse back, every top-level attribute as the last one
 *   put of its type, and nothing may be written past the buffer.
 */
#include "lib/netlink.h"
#include "os/netdev.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/rtnetlink.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int each_cb(const struct nlmsghdr *nlh, void *ctx)
{
	(void)ctx;
	char msg[NL_EXT_MSG_MAX];
	if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
		int r = nl_decode_error(nlh, msg, sizeof msg);
		if (r > 0 || strnlen(msg, sizeof msg) >= sizeof msg)
			__builtin_trap();
	}
	const struct nlattr *tb[IFLA_MAX + 1];
	if (nl_attr_parse_msg(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX) == 0) {
		const char *s = nl_attr_get_str(tb[IFLA_IFNAME]);
		if (s && strlen(s) >= nl_attr_len(tb[IFLA_IFNAME]))
			__builtin_trap();
		uint32_t v;
		(void)nl_attr_get_u32(tb[IFLA_MTU], &v);
	}
	struct net_link_info li;
	if (net__parse_link(nlh, &li) == 0 &&
	    strnlen(li.ifname, sizeof li.ifname) >= sizeof li.ifname)
		__builtin_trap();
	return 0;
}

/* The input as a program of puts; 4 bytes an op: op, type (2), length. */
static void build(const uint8_t *p, size_t n)
{
	static uint32_t buf[NET_MSG_BUF / 4];
	uint32_t last_u32[8];
	int put_u32[8] = {0};
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, RTM_NEWLINK, 0);
	(void)nl_msg_put_extra(&m, sizeof(struct ifinfomsg));
	struct nlattr *nests[4];
	int depth = 0;
	for (size_t i = 0; i + 4 <= n; i += 4) {
		uint16_t type = (uint16_t)(p[i + 1] | p[i + 2] << 8) % 8;
		size_t len = p[i + 3];
		const uint8_t *bytes = p + i + 4;
		size_t avail = n - i - 4 < len ? n - i - 4 : len;
		switch (p[i] % 7) {
		case 0:
			if (nl_attr_put_u32(&m, type, len) == 0 && !depth) {
				last_u32[type] = (uint32_t)len;
				put_u32[type] = 1;
			}
			break;
		case 1:
			(void)nl_attr_put_u8(&m, type, (uint8_t)len);
			if (!depth)
				put_u32[type] = 0;
			break;
		case 2:
			(void)nl_attr_put_u16(&m, type, (uint16_t)len);
			if (!depth)
				put_u32[type] = 0;
			break;
		case 3: {
			char s[256];
			memcpy(s, bytes, avail);
			s[avail] = '\0';
			(void)nl_attr_put_str(&m, type, s);
			if (!depth)
				put_u32[type] = 0;
			break;
		}
		case 4:
			(void)nl_attr_put(&m, type, bytes, avail);
			if (!depth)
				put_u32[type] = 0;
			break;
		case 5:
			if (depth < 4 && (nests[depth] = nl_attr_nest_start(&m, type))) {
				if (!depth)
					put_u32[type] = 0;
				depth++;
			}
			break;
		case 6:
			if (depth)
				nl_attr_nest_end(&m, nests[--depth]);
			break;
		}
	}
	while (depth)
		nl_attr_nest_end(&m, nests[--depth]);
	if (m.err)
		return; /* it did not fit: refused, not overrun (ASan sees that) */
	if (m.nlh->nlmsg_len > sizeof buf)
		__builtin_trap();
	const struct nlattr *tb[8];
	if (nl_attr_parse_msg(m.nlh, sizeof(struct ifinfomsg), tb, 7) < 0)
		__builtin_trap(); /* what we built must parse */
	for (int t = 0; t < 8; t++) {
		uint32_t v;
		if (put_u32[t] && (nl_attr_get_u32(tb[t], &v) < 0 || v != last_u32[t]))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t buf[NL_RECV_BUF / 4];
	if (size > sizeof buf)
		size = sizeof buf;
	memcpy(buf, data, size);
	char ext[NL_EXT_MSG_MAX];
	int count = 0;
	int r = nl_process(buf, size, 1, 0, NULL, &count, ext, sizeof ext);
	if (r > 1)
		__builtin_trap();
	(void)nl_for_each(buf, size, each_cb, NULL);
	build(data, size);
	return 0;
}
