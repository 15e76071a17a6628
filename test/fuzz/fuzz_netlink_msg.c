/*
 * libFuzzer target for the netlink reply side: a datagram as the kernel
 * might send it goes through nl_process (as the answer to a request),
 * nl_for_each, nl_decode_error and nl_attr_parse. Nothing may read out of
 * bounds, and a reported completion or error must come from a well-formed
 * message.
 */
#include "lib/netlink.h"

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
	return 0;
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
	return 0;
}
