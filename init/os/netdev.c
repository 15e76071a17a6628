/*
 * Network devices over rtnetlink (see netdev.h): the lookups and the error
 * line shared by netconf.c, netcarrier.c and netlist.c.
 */
#include "os/netdev.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>

int net__err(char *err, size_t errlen, int r, const char *ext, const char *fmt, ...)
{
	if (!err || !errlen)
		return r;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= errlen)
		return r;
	const char *what = r == -ENODEV ? "no such network device" : strerror(-r);
	if (ext && *ext)
		snprintf(err + n, errlen - (size_t)n, ": %s (kernel: %s)", what, ext);
	else
		snprintf(err + n, errlen - (size_t)n, ": %s", what);
	return r;
}

void net__ifi_header(struct nl_msg *m, int ifindex, unsigned int flags, unsigned int change)
{
	struct ifinfomsg *ifi = nl_msg_put_extra(m, sizeof *ifi);
	if (!ifi)
		return;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
}

int net__parse_link(const struct nlmsghdr *nlh, struct net_link_info *li)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nl_attr_parse_msg(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX) < 0)
		return -EBADMSG;
	const struct ifinfomsg *ifi = NLMSG_DATA(nlh);
	memset(li, 0, sizeof *li);
	li->ifindex = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	li->type = ifi->ifi_type;
	li->operstate = -1;
	const char *name = nl_attr_get_str(tb[IFLA_IFNAME]);
	if (name)
		snprintf(li->ifname, sizeof li->ifname, "%s", name);
	(void)nl_attr_get_u32(tb[IFLA_MTU], &li->mtu);
	uint8_t op;
	if (nl_attr_get_u8(tb[IFLA_OPERSTATE], &op) == 0)
		li->operstate = op;
	if (tb[IFLA_ADDRESS] && nl_attr_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(li->mac, nl_attr_data(tb[IFLA_ADDRESS]), 6);
		li->has_mac = 1;
	}
	return 0;
}

static int link_cb(const struct nlmsghdr *nlh, void *ctx)
{
	return net__parse_link(nlh, ctx);
}

/* RTM_GETLINK by name: the kernel answers -ENODEV for an unknown one. */
int net__get_link(struct nl_sock *nl, const char *ifname, struct net_link_info *li)
{
	unsigned char buf[NET_MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	if (net_ifname_check(ifname) < 0)
		return -ENODEV;
	nl_msg_init(&m, buf, sizeof buf, RTM_GETLINK, 0);
	net__ifi_header(&m, 0, 0, 0);
	nl_attr_put_str(&m, IFLA_IFNAME, ifname);
	nl_attr_put_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	li->ifindex = 0;
	int r = nl_request(nl, &m, link_cb, li);
	if (r == 0 && li->ifindex <= 0)
		r = -ENODEV;
	return r;
}

int net__get_link_by_index(struct nl_sock *nl, int ifindex, struct net_link_info *li)
{
	unsigned char buf[NET_MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, RTM_GETLINK, 0);
	net__ifi_header(&m, ifindex, 0, 0);
	nl_attr_put_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	li->ifindex = 0;
	int r = nl_request(nl, &m, link_cb, li);
	if (r == 0 && li->ifindex != ifindex)
		r = -ENODEV;
	return r;
}

int net__ifindex_of(struct nl_sock *nl, const char *ifname, char *err, size_t errlen)
{
	struct net_link_info li;
	int r = net__get_link(nl, ifname, &li);
	if (r < 0)
		return net__err(err, errlen, r, nl->ext_msg, "%s", ifname);
	return li.ifindex;
}

void net__clear_err(char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
}

int net__addr(struct nl_sock *nl, int cmd, int ifindex, const struct net_ip *ip, int prefix,
	      unsigned int valid_s)
{
	unsigned char buf[NET_MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	/* CREATE|REPLACE: an address that is already there is success */
	nl_msg_init(&m, buf, sizeof buf, (uint16_t)cmd,
		    cmd == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct ifaddrmsg *ifa = nl_msg_put_extra(&m, sizeof *ifa);
	size_t alen = ip->family == AF_INET ? 4 : 16;
	if (ifa) {
		ifa->ifa_family = (unsigned char)ip->family;
		/* out of range on purpose allowed: the kernel's own error is the answer */
		ifa->ifa_prefixlen = (unsigned char)(prefix < 0 || prefix > 255 ? 255 : prefix);
		ifa->ifa_flags = valid_s ? 0 : IFA_F_PERMANENT;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
		ifa->ifa_index = (unsigned int)ifindex;
	}
	nl_attr_put(&m, IFA_LOCAL, ip->a, alen);
	nl_attr_put(&m, IFA_ADDRESS, ip->a, alen);
	if (ip->family == AF_INET && prefix >= 0 && prefix <= 30) {
		uint32_t a, host = prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)) - 1;
		memcpy(&a, ip->a, 4);
		a |= htonl(host);
		nl_attr_put(&m, IFA_BROADCAST, &a, 4);
	}
	if (valid_s) { /* the kernel removes the address when it runs out */
		struct ifa_cacheinfo ci = {.ifa_prefered = valid_s, .ifa_valid = valid_s};
		nl_attr_put(&m, IFA_CACHEINFO, &ci, sizeof ci);
	}
	return nl_request(nl, &m, NULL, NULL);
}

int net__route(struct nl_sock *nl, int cmd, int ifindex, const struct net_ip *dst, int len,
	       const struct net_ip *gw, const struct net_ip *src, unsigned char proto)
{
	int family = dst ? dst->family : gw->family;
	size_t alen = family == AF_INET ? 4 : 16;
	unsigned char buf[NET_MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, (uint16_t)cmd,
		    cmd == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct rtmsg *rt = nl_msg_put_extra(&m, sizeof *rt);
	int onlink = !gw || !gw->family;
	if (rt) {
		rt->rtm_family = (unsigned char)family;
		rt->rtm_dst_len = (unsigned char)(dst ? len : 0);
		rt->rtm_table = RT_TABLE_MAIN;
		rt->rtm_protocol = proto;
		rt->rtm_scope = onlink ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
		rt->rtm_type = RTN_UNICAST;
	}
	if (dst && len)
		nl_attr_put(&m, RTA_DST, dst->a, alen);
	if (!onlink)
		nl_attr_put(&m, RTA_GATEWAY, gw->a, alen);
	if (src && src->family)
		nl_attr_put(&m, RTA_PREFSRC, src->a, alen);
	nl_attr_put_u32(&m, RTA_OIF, (uint32_t)ifindex);
	return nl_request(nl, &m, NULL, NULL);
}
