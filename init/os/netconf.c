/*
 * netconf: rtnetlink operations for ConfigureNetwork and the handoff's
 * "lo up in a new net namespace", the carrier wait on RTNLGRP_LINK
 * notifications, netconf_apply() over a whole plan, and the bounded
 * read-back listings behind `pactctl net`.
 */
#include "os/netconf.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
/* IF_OPER_* live in <linux/if.h>, which clashes with <net/if.h>. */
#define OPER_UNKNOWN 0
#define OPER_UP	     6

#define MSG_BUF 512 /* every request we build fits */

/* ---- errors ---- */

__attribute__((format(printf, 5, 6))) static int nerr(char *err, size_t errlen, int r,
						      const char *ext, const char *fmt, ...)
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

/* ---- links ---- */

static void ifi_header(struct nl_msg *m, int ifindex, unsigned int flags, unsigned int change)
{
	struct ifinfomsg *ifi = nl_msg_put_extra(m, sizeof *ifi);
	if (!ifi)
		return;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
}

static int parse_link(const struct nlmsghdr *nlh, struct net_link_info *li)
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
	return parse_link(nlh, ctx);
}

/* RTM_GETLINK by name: the kernel answers -ENODEV for an unknown one. */
static int get_link(struct nl_sock *nl, const char *ifname, struct net_link_info *li)
{
	unsigned char buf[MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	if (net_ifname_check(ifname) < 0)
		return -ENODEV;
	nl_msg_init(&m, buf, sizeof buf, RTM_GETLINK, 0);
	ifi_header(&m, 0, 0, 0);
	nl_attr_put_str(&m, IFLA_IFNAME, ifname);
	nl_attr_put_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	li->ifindex = 0;
	int r = nl_request(nl, &m, link_cb, li);
	if (r == 0 && li->ifindex <= 0)
		r = -ENODEV;
	return r;
}

static int get_link_by_index(struct nl_sock *nl, int ifindex, struct net_link_info *li)
{
	unsigned char buf[MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, RTM_GETLINK, 0);
	ifi_header(&m, ifindex, 0, 0);
	nl_attr_put_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	li->ifindex = 0;
	int r = nl_request(nl, &m, link_cb, li);
	if (r == 0 && li->ifindex != ifindex)
		r = -ENODEV;
	return r;
}

static int ifindex_of(struct nl_sock *nl, const char *ifname, char *err, size_t errlen)
{
	struct net_link_info li;
	int r = get_link(nl, ifname, &li);
	if (r < 0)
		return nerr(err, errlen, r, nl->ext_msg, "%s", ifname);
	return li.ifindex;
}

static int set_flags(struct nl_sock *nl, const char *ifname, int up, char *err, size_t errlen)
{
	int idx = ifindex_of(nl, ifname, err, errlen);
	if (idx < 0)
		return idx;
	unsigned char buf[MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, RTM_NEWLINK, 0);
	ifi_header(&m, idx, up ? IFF_UP : 0, IFF_UP);
	int r = nl_request(nl, &m, NULL, NULL);
	if (r < 0)
		return nerr(err, errlen, r, nl->ext_msg, "%s: set link %s", ifname,
			    up ? "up" : "down");
	return 0;
}

static int set_mtu(struct nl_sock *nl, const char *ifname, unsigned int mtu, char *err,
		   size_t errlen)
{
	int idx = ifindex_of(nl, ifname, err, errlen);
	if (idx < 0)
		return idx;
	unsigned char buf[MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, RTM_NEWLINK, 0);
	ifi_header(&m, idx, 0, 0);
	nl_attr_put_u32(&m, IFLA_MTU, mtu);
	int r = nl_request(nl, &m, NULL, NULL);
	if (r < 0)
		return nerr(err, errlen, r, nl->ext_msg, "%s: set mtu %u", ifname, mtu);
	return 0;
}

static int addr_add(struct nl_sock *nl, const char *ifname, const struct net_ip *ip, int prefix,
		    char *err, size_t errlen)
{
	char txt[INET6_ADDRSTRLEN];
	(void)net_ip_format(ip, txt, sizeof txt);
	int idx = ifindex_of(nl, ifname, err, errlen);
	if (idx < 0)
		return idx;
	unsigned char buf[MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	/* CREATE|REPLACE: an address that is already there is success */
	nl_msg_init(&m, buf, sizeof buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = nl_msg_put_extra(&m, sizeof *ifa);
	size_t alen = ip->family == AF_INET ? 4 : 16;
	if (ifa) {
		ifa->ifa_family = (unsigned char)ip->family;
		/* out of range on purpose allowed: the kernel's own error is the answer */
		ifa->ifa_prefixlen = (unsigned char)(prefix < 0	    ? 255
						     : prefix > 255 ? 255
								    : prefix);
		ifa->ifa_flags = IFA_F_PERMANENT;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
		ifa->ifa_index = (unsigned int)idx;
	}
	nl_attr_put(&m, IFA_LOCAL, ip->a, alen);
	nl_attr_put(&m, IFA_ADDRESS, ip->a, alen);
	if (ip->family == AF_INET && prefix >= 0 && prefix <= 30) {
		uint32_t a, host = prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)) - 1;
		memcpy(&a, ip->a, 4);
		a |= htonl(host);
		nl_attr_put(&m, IFA_BROADCAST, &a, 4);
	}
	int r = nl_request(nl, &m, NULL, NULL);
	if (r < 0)
		return nerr(err, errlen, r, nl->ext_msg, "%s: add address %s/%d", ifname, txt,
			    prefix);
	return 0;
}

static int route_default(struct nl_sock *nl, const struct net_ip *gw, const char *ifname, char *err,
			 size_t errlen)
{
	char txt[INET6_ADDRSTRLEN];
	(void)net_ip_format(gw, txt, sizeof txt);
	int idx = ifindex_of(nl, ifname, err, errlen);
	if (idx < 0)
		return idx;
	unsigned char buf[MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rt = nl_msg_put_extra(&m, sizeof *rt);
	if (rt) {
		rt->rtm_family = (unsigned char)gw->family;
		rt->rtm_table = RT_TABLE_MAIN;
		rt->rtm_protocol = RTPROT_STATIC;
		rt->rtm_scope = RT_SCOPE_UNIVERSE;
		rt->rtm_type = RTN_UNICAST;
	}
	nl_attr_put(&m, RTA_GATEWAY, gw->a, gw->family == AF_INET ? 4 : 16);
	nl_attr_put_u32(&m, RTA_OIF, (uint32_t)idx);
	int r = nl_request(nl, &m, NULL, NULL);
	if (r < 0)
		return nerr(err, errlen, r, nl->ext_msg, "%s: add default route via %s", ifname,
			    txt);
	return 0;
}

/* ---- public single operations: one socket each, in the caller's netns ---- */

typedef int (*nl_op)(struct nl_sock *nl, const void *arg, char *err, size_t errlen);

static void clear_err(char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
}

static int with_socket(nl_op op, const void *arg, char *err, size_t errlen)
{
	clear_err(err, errlen);
	struct nl_sock nl;
	int r = nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return nerr(err, errlen, r, NULL, "netlink socket");
	r = op(&nl, arg, err, errlen);
	nl_close(&nl);
	return r;
}

struct op_arg {
	const char *ifname;
	unsigned int num;
	int prefix;
	struct net_ip ip;
};

static int op_ifindex(struct nl_sock *nl, const void *a, char *err, size_t errlen)
{
	return ifindex_of(nl, ((const struct op_arg *)a)->ifname, err, errlen);
}

static int op_flags(struct nl_sock *nl, const void *a, char *err, size_t errlen)
{
	const struct op_arg *o = a;
	return set_flags(nl, o->ifname, (int)o->num, err, errlen);
}

static int op_mtu(struct nl_sock *nl, const void *a, char *err, size_t errlen)
{
	const struct op_arg *o = a;
	return set_mtu(nl, o->ifname, o->num, err, errlen);
}

static int op_addr(struct nl_sock *nl, const void *a, char *err, size_t errlen)
{
	const struct op_arg *o = a;
	return addr_add(nl, o->ifname, &o->ip, o->prefix, err, errlen);
}

static int op_route(struct nl_sock *nl, const void *a, char *err, size_t errlen)
{
	const struct op_arg *o = a;
	return route_default(nl, &o->ip, o->ifname, err, errlen);
}

int net_ifindex(const char *ifname, char *err, size_t errlen)
{
	struct op_arg a = {.ifname = ifname};
	return with_socket(op_ifindex, &a, err, errlen);
}

int net_link_up(const char *ifname, char *err, size_t errlen)
{
	struct op_arg a = {.ifname = ifname, .num = 1};
	return with_socket(op_flags, &a, err, errlen);
}

int net_link_down(const char *ifname, char *err, size_t errlen)
{
	struct op_arg a = {.ifname = ifname, .num = 0};
	return with_socket(op_flags, &a, err, errlen);
}

int net_lo_up(char *err, size_t errlen)
{
	return net_link_up("lo", err, errlen);
}

int net_set_mtu(const char *ifname, unsigned int mtu, char *err, size_t errlen)
{
	struct op_arg a = {.ifname = ifname, .num = mtu};
	return with_socket(op_mtu, &a, err, errlen);
}

int net_addr_add(const char *ifname, const char *addr, int prefix, char *err, size_t errlen)
{
	struct op_arg a = {.ifname = ifname, .prefix = prefix};
	if (net_ip_parse(addr, 0, &a.ip) < 0)
		return nerr(err, errlen, -EINVAL, NULL, "%s: bad address '%s'", ifname, addr);
	return with_socket(op_addr, &a, err, errlen);
}

int net_route_add_default(const char *gw, const char *ifname, char *err, size_t errlen)
{
	struct op_arg a = {.ifname = ifname};
	if (net_ip_parse(gw, 0, &a.ip) < 0)
		return nerr(err, errlen, -EINVAL, NULL, "%s: bad gateway '%s'", ifname, gw);
	return with_socket(op_route, &a, err, errlen);
}

/* ---- carrier ---- */

static int has_carrier(const struct net_link_info *li)
{
	return (li->flags & IFF_UP) && (li->flags & IFF_LOWER_UP) &&
	       (li->operstate == OPER_UP || li->operstate == OPER_UNKNOWN || li->operstate < 0);
}

int net_carrier_watch_start(struct net_carrier_watch *w, const char *ifname, char *err,
			    size_t errlen)
{
	clear_err(err, errlen);
	snprintf(w->ifname, sizeof w->ifname, "%s", ifname);
	w->ifindex = 0;
	int r = nl_open(&w->sub, NETLINK_ROUTE);
	if (r < 0)
		return nerr(err, errlen, r, NULL, "%s: netlink socket", ifname);
	/* Subscribe before reading the state, so no change falls in between. */
	r = nl_join_group(&w->sub, RTNLGRP_LINK);
	struct net_link_info li;
	if (r == 0)
		r = get_link(&w->sub, ifname, &li);
	if (r < 0) {
		nerr(err, errlen, r, w->sub.ext_msg, "%s: carrier watch", ifname);
		nl_close(&w->sub);
		return r;
	}
	w->ifindex = li.ifindex;
	return has_carrier(&li);
}

struct notif_state {
	int ifindex;
	int result; /* 1 carrier, -ENODEV gone, 0 nothing yet */
};

static int notif_cb(const struct nlmsghdr *nlh, void *ctx)
{
	struct notif_state *st = ctx;
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return 0;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return 0;
	const struct ifinfomsg *ifi = NLMSG_DATA(nlh);
	if (ifi->ifi_index != st->ifindex)
		return 0;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		st->result = -ENODEV;
		return 0;
	}
	struct net_link_info li;
	if (parse_link(nlh, &li) == 0)
		st->result = has_carrier(&li) ? 1 : 0; /* the latest message wins */
	return 0;
}

int net_carrier_watch_poll(struct net_carrier_watch *w, int timeout_ms)
{
	if (w->sub.fd < 0)
		return -EBADF;
	uint64_t deadline = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		uint64_t now = now_ms();
		int left = now >= deadline ? 0 : (int)(deadline - now);
		int n = nl_recv(&w->sub, left);
		if (n == -ENOBUFS) {
			/* notifications were lost: ask for the state again */
			struct net_link_info li;
			int r = get_link_by_index(&w->sub, w->ifindex, &li);
			if (r < 0)
				return r;
			if (has_carrier(&li))
				return 1;
			continue;
		}
		if (n < 0)
			return n;
		if (n == 0)
			return 0;
		struct notif_state st = {w->ifindex, 0};
		int r = nl_for_each(w->sub.rbuf, (size_t)n, notif_cb, &st);
		if (r < 0)
			return r;
		if (st.result != 0)
			return st.result;
	}
}

void net_carrier_watch_stop(struct net_carrier_watch *w)
{
	nl_close(&w->sub);
}

/* bound_ms is the configured bound, for the message; left_ms what remains of it. */
static int wait_carrier(struct net_carrier_watch *w, const char *ifname, int left_ms,
			unsigned int bound_ms, char *err, size_t errlen)
{
	int r = net_carrier_watch_start(w, ifname, err, errlen);
	if (r < 0)
		return r; /* closed, err set */
	if (r == 0)
		r = net_carrier_watch_poll(w, left_ms);
	net_carrier_watch_stop(w);
	if (r == 1)
		return 0;
	if (r == 0)
		return nerr(err, errlen, -ETIMEDOUT, NULL, "%s: no carrier after %u ms", ifname,
			    bound_ms);
	return nerr(err, errlen, r, NULL, "%s: waiting for carrier", ifname);
}

int net_wait_carrier(const char *ifname, int timeout_ms, char *err, size_t errlen)
{
	struct net_carrier_watch w;
	if (timeout_ms < 0)
		timeout_ms = 0;
	return wait_carrier(&w, ifname, timeout_ms, (unsigned int)timeout_ms, err, errlen);
}

/* ---- listings ---- */

struct list_ctx {
	void *out;
	int max, n;
	int family; /* routes */
};

static int links_cb(const struct nlmsghdr *nlh, void *p)
{
	struct list_ctx *c = p;
	struct net_link_info li;
	if (parse_link(nlh, &li) < 0)
		return 0;
	if (c->n < c->max)
		((struct net_link_info *)c->out)[c->n] = li;
	c->n++;
	return 0;
}

static int dump(struct nl_sock *nl, uint16_t type, int family, nl_cb cb, struct list_ctx *c)
{
	unsigned char buf[MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, type, NLM_F_DUMP);
	if (type == RTM_GETLINK) {
		ifi_header(&m, 0, 0, 0);
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

/* ---- netconf_apply ---- */

/* ip= with no device: the non-loopback Ethernet device with the lowest ifindex. */
static int pick_device(char *name, size_t cap, char *err, size_t errlen)
{
	struct net_link_info links[32];
	int n = net_list_links(links, 32);
	if (n < 0)
		return nerr(err, errlen, n, NULL, "ip=: listing network devices");
	const struct net_link_info *best = NULL;
	for (int i = 0; i < n && i < 32; i++) {
		const struct net_link_info *l = &links[i];
		if (l->type != ARPHRD_ETHER || (l->flags & IFF_LOOPBACK) || !l->ifname[0])
			continue;
		if (!best || l->ifindex < best->ifindex)
			best = l;
	}
	if (!best)
		return nerr(err, errlen, -ENODEV, NULL,
			    "ip=: no device named and no Ethernet device found");
	snprintf(name, cap, "%s", best->ifname);
	return 0;
}

struct name_state {
	const char *name;
	int found;
};

static int name_cb(const struct nlmsghdr *nlh, void *ctx)
{
	struct name_state *st = ctx;
	struct net_link_info li;
	if (nlh->nlmsg_type == RTM_NEWLINK && parse_link(nlh, &li) == 0 &&
	    !strcmp(li.ifname, st->name))
		st->found = 1;
	return 0;
}

/*
 * Wait at most left_ms for a device called ifname to exist: a driver may
 * still be probing (asynchronous probe, firmware load) when the phase runs,
 * and there is no udev to settle. Subscribe first, then look, then wait
 * on RTM_NEWLINK notifications (a rename counts too).
 */
static int wait_device(const char *ifname, int left_ms, unsigned int bound_ms, char *err,
		       size_t errlen)
{
	struct nl_sock sub;
	struct net_link_info li;
	int r = nl_open(&sub, NETLINK_ROUTE);
	if (r == 0)
		r = nl_join_group(&sub, RTNLGRP_LINK);
	if (r == 0)
		r = get_link(&sub, ifname, &li);
	uint64_t deadline = now_ms() + (uint64_t)left_ms;
	while (r == -ENODEV) {
		uint64_t now = now_ms();
		int n = nl_recv(&sub, now >= deadline ? 0 : (int)(deadline - now));
		if (n == 0)
			break;
		struct name_state st = {ifname, 0};
		if (n == -ENOBUFS)
			st.found = 1; /* lost notifications: look again */
		else if (n < 0)
			r = n;
		else if (nl_for_each(sub.rbuf, (size_t)n, name_cb, &st) < 0)
			st.found = 1;
		if (st.found)
			r = get_link(&sub, ifname, &li);
	}
	nl_close(&sub);
	if (r == -ENODEV && err && errlen)
		snprintf(err, errlen, "%s: no such network device (waited %u ms)", ifname,
			 bound_ms);
	else if (r < 0)
		nerr(err, errlen, r, NULL, "%s: waiting for the device", ifname);
	return r < 0 ? r : 0;
}

static int apply_iface(struct nl_sock *nl, const struct net_iface *ifc, char *err, size_t errlen)
{
	int idx = ifindex_of(nl, ifc->ifname, err, errlen);
	if (idx < 0)
		return idx;
	int r = 0;
	if (ifc->mtu)
		r = set_mtu(nl, ifc->ifname, ifc->mtu, err, errlen);
	if (r == 0)
		r = set_flags(nl, ifc->ifname, 1, err, errlen);
	if (r == 0 && ifc->addr.family)
		r = addr_add(nl, ifc->ifname, &ifc->addr, ifc->prefix, err, errlen);
	return r;
}

static void log_iface(const struct net_iface *ifc)
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], mtu[24] = "unchanged";
	(void)net_ip_format(&ifc->addr, a, sizeof a);
	(void)net_ip_format(&ifc->gw, g, sizeof g);
	if (ifc->mtu)
		snprintf(mtu, sizeof mtu, "%u", ifc->mtu);
	if (ifc->addr.family)
		log_info("net: %s: up, address %s/%d, gateway %s, mtu %s", ifc->ifname, a,
			 ifc->prefix, *g ? g : "none", mtu);
	else
		log_info("net: %s: up, no address, mtu %s", ifc->ifname, mtu);
}

static int left_of(uint64_t deadline)
{
	uint64_t now = now_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

int netconf_apply(const struct net_plan *plan, char *err, size_t errlen)
{
	struct net_plan p = *plan;
	clear_err(err, errlen);
	if (p.has_cmdline && !p.cmdline.ifname[0]) {
		int r = pick_device(p.cmdline.ifname, sizeof p.cmdline.ifname, err, errlen);
		if (r < 0)
			return r;
	}
	struct net_iface ifs[NET_MAX_IFACES + 1];
	int n = netplan_interfaces(&p, ifs, NET_MAX_IFACES + 1);
	if (n < 0)
		return nerr(err, errlen, n, NULL, "net: too many interfaces");

	struct nl_sock nl;
	int r = nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return nerr(err, errlen, r, NULL, "netlink socket");
	r = set_flags(&nl, "lo", 1, err, errlen);
	/* one deadline for devices to appear and carriers to come: in parallel */
	uint64_t deadline = now_ms() + p.carrier_timeout_ms;
	for (int i = 0; r == 0 && i < n; i++) {
		if (p.carrier_timeout_ms)
			r = wait_device(ifs[i].ifname, left_of(deadline), p.carrier_timeout_ms, err,
					errlen);
		if (r == 0)
			r = apply_iface(&nl, &ifs[i], err, errlen);
	}
	for (int i = 0; r == 0 && p.carrier_timeout_ms && i < n; i++) {
		struct net_carrier_watch w;
		uint64_t now = now_ms();
		int left = left_of(deadline);
		uint64_t t0 = now;
		r = wait_carrier(&w, ifs[i].ifname, left, p.carrier_timeout_ms, err, errlen);
		if (r == 0)
			log_info("net: %s: carrier after %llu ms", ifs[i].ifname,
				 (unsigned long long)(now_ms() - t0));
	}
	for (int i = 0; r == 0 && i < n; i++)
		if (ifs[i].gw.family)
			r = route_default(&nl, &ifs[i].gw, ifs[i].ifname, err, errlen);
	nl_close(&nl);
	if (r == 0)
		for (int i = 0; i < n; i++)
			log_iface(&ifs[i]);
	return r;
}

/* ---- dumps for pactctl ---- */

struct out {
	int fd;
	int err;
	size_t n;
	char buf[1024];
};

static void out_flush(struct out *o)
{
	if (o->n && !o->err)
		o->err = write_all(o->fd, o->buf, o->n);
	o->n = 0;
}

__attribute__((format(printf, 2, 3))) static void outf(struct out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
	if (o->n + len > sizeof o->buf)
		out_flush(o);
	memcpy(o->buf + o->n, tmp, len);
	o->n += len;
}

/* Interface names may hold quotes or backslashes: escape for JSON. */
static void json_str(struct out *o, const char *s)
{
	outf(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			outf(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			outf(o, "\\u%04x", c);
		else
			outf(o, "%c", c);
	}
	outf(o, "\"");
}

static const char *oper_name(int s)
{
	static const char *const names[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
					    "TESTING", "DORMANT",    "UP"};
	return s >= 0 && s <= 6 ? names[s] : "UNKNOWN";
}

static const char *name_of(const struct net_link_info *l, int nl, int ifindex)
{
	for (int i = 0; i < nl; i++)
		if (l[i].ifindex == ifindex)
			return l[i].ifname;
	return "";
}

#define DUMP_LINKS  64
#define DUMP_ADDRS  128
#define DUMP_ROUTES 128

struct snapshot {
	struct net_link_info links[DUMP_LINKS];
	struct net_addr_info addrs[DUMP_ADDRS];
	struct net_route_info routes[DUMP_ROUTES];
	int nl, na, nr;
};

static int take_snapshot(struct snapshot *s)
{
	s->nl = net_list_links(s->links, DUMP_LINKS);
	if (s->nl < 0)
		return s->nl;
	s->na = net_list_addrs(s->addrs, DUMP_ADDRS);
	if (s->na < 0)
		return s->na;
	s->nr = net_list_routes(s->routes, DUMP_ROUTES);
	if (s->nr < 0)
		return s->nr;
	s->nl = s->nl < DUMP_LINKS ? s->nl : DUMP_LINKS;
	s->na = s->na < DUMP_ADDRS ? s->na : DUMP_ADDRS;
	s->nr = s->nr < DUMP_ROUTES ? s->nr : DUMP_ROUTES;
	return 0;
}

static void json_links(struct out *o, const struct snapshot *s)
{
	outf(o, "\"links\":[");
	for (int i = 0; i < s->nl; i++) {
		const struct net_link_info *l = &s->links[i];
		outf(o, "%s{\"ifindex\":%d,\"ifname\":", i ? "," : "", l->ifindex);
		json_str(o, l->ifname);
		outf(o, ",\"up\":%s,\"carrier\":%s,\"mtu\":%u,\"operstate\":\"%s\"",
		     l->flags & IFF_UP ? "true" : "false",
		     l->flags & IFF_LOWER_UP ? "true" : "false", l->mtu, oper_name(l->operstate));
		if (l->has_mac)
			outf(o, ",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"", l->mac[0], l->mac[1],
			     l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
		outf(o, "}");
	}
	outf(o, "]");
}

static void json_addrs(struct out *o, const struct snapshot *s)
{
	outf(o, ",\"addresses\":[");
	for (int i = 0; i < s->na; i++) {
		const struct net_addr_info *a = &s->addrs[i];
		char txt[INET6_ADDRSTRLEN];
		(void)net_ip_format(&a->addr, txt, sizeof txt);
		outf(o, "%s{\"ifname\":", i ? "," : "");
		json_str(o, name_of(s->links, s->nl, a->ifindex));
		outf(o, ",\"family\":\"%s\",\"address\":\"%s\",\"prefix\":%d}",
		     a->addr.family == AF_INET ? "inet" : "inet6", txt, a->prefix);
	}
	outf(o, "]");
}

static void json_routes(struct out *o, const struct snapshot *s)
{
	outf(o, ",\"routes\":[");
	for (int i = 0; i < s->nr; i++) {
		const struct net_route_info *r = &s->routes[i];
		char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
		(void)net_ip_format(&r->dst, dst, sizeof dst);
		(void)net_ip_format(&r->gw, gw, sizeof gw);
		outf(o, "%s{\"family\":\"%s\",\"dst\":", i ? "," : "",
		     r->dst.family == AF_INET ? "inet" : "inet6");
		if (r->dst_len == 0)
			outf(o, "\"default\"");
		else
			outf(o, "\"%s/%d\"", dst, r->dst_len);
		if (r->gw.family)
			outf(o, ",\"gateway\":\"%s\"", gw);
		outf(o, ",\"dev\":");
		json_str(o, name_of(s->links, s->nl, r->oif));
		outf(o, ",\"protocol\":%d}", r->protocol);
	}
	outf(o, "]");
}

int net_dump_json(int fd)
{
	static struct snapshot s; /* ~20 KiB: keep it off the stack */
	int r = take_snapshot(&s);
	if (r < 0)
		return r;
	struct out o = {.fd = fd};
	outf(&o, "{");
	json_links(&o, &s);
	json_addrs(&o, &s);
	json_routes(&o, &s);
	outf(&o, "}\n");
	out_flush(&o);
	return o.err;
}

int net_dump_text(int fd)
{
	static struct snapshot s;
	int r = take_snapshot(&s);
	if (r < 0)
		return r;
	struct out o = {.fd = fd};
	for (int i = 0; i < s.nl; i++) {
		const struct net_link_info *l = &s.links[i];
		outf(&o, "%d: %s %s%s mtu %u state %s\n", l->ifindex, l->ifname,
		     l->flags & IFF_UP ? "UP" : "DOWN", l->flags & IFF_LOWER_UP ? ",LOWER_UP" : "",
		     l->mtu, oper_name(l->operstate));
		for (int j = 0; j < s.na; j++) {
			if (s.addrs[j].ifindex != l->ifindex)
				continue;
			char txt[INET6_ADDRSTRLEN];
			(void)net_ip_format(&s.addrs[j].addr, txt, sizeof txt);
			outf(&o, "    %s %s/%d\n",
			     s.addrs[j].addr.family == AF_INET ? "inet" : "inet6", txt,
			     s.addrs[j].prefix);
		}
	}
	for (int i = 0; i < s.nr; i++) {
		const struct net_route_info *rt = &s.routes[i];
		char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
		(void)net_ip_format(&rt->dst, dst, sizeof dst);
		(void)net_ip_format(&rt->gw, gw, sizeof gw);
		if (rt->dst_len == 0)
			outf(&o, "route default");
		else
			outf(&o, "route %s/%d", dst, rt->dst_len);
		if (rt->gw.family)
			outf(&o, " via %s", gw);
		outf(&o, " dev %s\n", name_of(s.links, s.nl, rt->oif));
	}
	out_flush(&o);
	return o.err;
}
