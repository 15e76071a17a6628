/*
 * Read-back listings (see netlist.h): one dump request each, over a socket
 * of their own; entries past the caller's array are counted, not kept.
 */
#include "os/netlist.h"

#include <errno.h>
#include <sys/socket.h>
#include <string.h>
#include <linux/rtnetlink.h>

struct list_ctx {
	void *out;
	int max, n;
	int family; /* routes */
};

static int links_cb(const struct nlmsghdr *nlh, void *p)
{
	struct list_ctx *c = p;
	struct net_link_info li;
	if (net__parse_link(nlh, &li) < 0)
		return 0;
	if (c->n < c->max)
		((struct net_link_info *)c->out)[c->n] = li;
	c->n++;
	return 0;
}

static int dump(struct nl_sock *nl, uint16_t type, int family, nl_cb cb, struct list_ctx *c)
{
	unsigned char buf[NET_MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, type, NLM_F_DUMP);
	if (type == RTM_GETLINK) {
		net__ifi_header(&m, 0, 0, 0);
		nl_attr_put_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	} else if (type == RTM_GETADDR) {
		struct ifaddrmsg *ifa = nl_msg_put_extra(&m, sizeof *ifa);
		if (ifa)
			ifa->ifa_family = (unsigned char)family;
	} else {
		struct rtmsg *rt = nl_msg_put_extra(&m, sizeof *rt);
		if (rt)
			rt->rtm_family = (unsigned char)family;
	}
	c->family = family;
	return nl_request(nl, &m, cb, c);
}

static int list_with(uint16_t type, nl_cb cb, void *out, int max)
{
	struct nl_sock nl;
	struct list_ctx c = {out, max, 0, 0};
	int r = nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return r;
	if (type == RTM_GETROUTE) {
		r = dump(&nl, type, AF_INET, cb, &c);
		if (r == 0)
			r = dump(&nl, type, AF_INET6, cb, &c);
	} else {
		r = dump(&nl, type, AF_UNSPEC, cb, &c);
	}
	nl_close(&nl);
	return r < 0 ? r : c.n;
}

int net_list_links(struct net_link_info *out, int max)
{
	return list_with(RTM_GETLINK, links_cb, out, max);
}

static int addrs_cb(const struct nlmsghdr *nlh, void *p)
{
	struct list_ctx *c = p;
	const struct nlattr *tb[IFA_MAX + 1];
	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nl_attr_parse_msg(nlh, sizeof(struct ifaddrmsg), tb, IFA_MAX) < 0)
		return 0;
	const struct ifaddrmsg *ifa = NLMSG_DATA(nlh);
	size_t alen = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on p2p links */
	const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!alen || !a || nl_attr_len(a) != alen)
		return 0;
	if (c->n < c->max) {
		struct net_addr_info *ai = &((struct net_addr_info *)c->out)[c->n];
		memset(ai, 0, sizeof *ai);
		ai->ifindex = (int)ifa->ifa_index;
		ai->addr.family = ifa->ifa_family;
		memcpy(ai->addr.a, nl_attr_data(a), alen);
		ai->prefix = ifa->ifa_prefixlen;
	}
	c->n++;
	return 0;
}

int net_list_addrs(struct net_addr_info *out, int max)
{
	return list_with(RTM_GETADDR, addrs_cb, out, max);
}

static int routes_cb(const struct nlmsghdr *nlh, void *p)
{
	struct list_ctx *c = p;
	const struct nlattr *tb[RTA_MAX + 1];
	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nl_attr_parse_msg(nlh, sizeof(struct rtmsg), tb, RTA_MAX) < 0)
		return 0;
	const struct rtmsg *rt = NLMSG_DATA(nlh);
	uint32_t table = rt->rtm_table;
	(void)nl_attr_get_u32(tb[RTA_TABLE], &table);
	size_t alen = rt->rtm_family == AF_INET ? 4 : rt->rtm_family == AF_INET6 ? 16 : 0;
	if (table != RT_TABLE_MAIN || rt->rtm_type != RTN_UNICAST || !alen)
		return 0;
	struct net_route_info ri;
	memset(&ri, 0, sizeof ri);
	ri.dst.family = rt->rtm_family;
	ri.dst_len = rt->rtm_dst_len;
	ri.table = table;
	ri.protocol = rt->rtm_protocol;
	if (tb[RTA_DST] && nl_attr_len(tb[RTA_DST]) == alen)
		memcpy(ri.dst.a, nl_attr_data(tb[RTA_DST]), alen);
	if (tb[RTA_GATEWAY] && nl_attr_len(tb[RTA_GATEWAY]) == alen) {
		ri.gw.family = rt->rtm_family;
		memcpy(ri.gw.a, nl_attr_data(tb[RTA_GATEWAY]), alen);
	}
	uint32_t oif;
	if (nl_attr_get_u32(tb[RTA_OIF], &oif) == 0)
		ri.oif = (int)oif;
	if (c->n < c->max)
		((struct net_route_info *)c->out)[c->n] = ri;
	c->n++;
	return 0;
}

int net_list_routes(struct net_route_info *out, int max)
{
	return list_with(RTM_GETROUTE, routes_cb, out, max);
}
