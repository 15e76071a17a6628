/*
 * netconf: rtnetlink operations for ConfigureNetwork and the handoff's
 * "lo up in a new net namespace", and net_apply() over a whole plan:
 * devices waited for, configured, their carrier waited for (netcarrier.c)
 * under one deadline, default routes.
 */
#include "os/netconf.h"
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

/* ---- links ---- */

static int set_flags(struct nl_sock *nl, const char *ifname, int up, char *err, size_t errlen)
{
	int idx = net__ifindex_of(nl, ifname, err, errlen);
	if (idx < 0)
		return idx;
	unsigned char buf[NET_MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, RTM_NEWLINK, 0);
	net__ifi_header(&m, idx, up ? IFF_UP : 0, IFF_UP);
	int r = nl_request(nl, &m, NULL, NULL);
	if (r < 0)
		return net__err(err, errlen, r, nl->ext_msg, "%s: set link %s", ifname,
				up ? "up" : "down");
	return 0;
}

static int set_mtu(struct nl_sock *nl, const char *ifname, unsigned int mtu, char *err,
		   size_t errlen)
{
	int idx = net__ifindex_of(nl, ifname, err, errlen);
	if (idx < 0)
		return idx;
	unsigned char buf[NET_MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, RTM_NEWLINK, 0);
	net__ifi_header(&m, idx, 0, 0);
	nl_attr_put_u32(&m, IFLA_MTU, mtu);
	int r = nl_request(nl, &m, NULL, NULL);
	if (r < 0)
		return net__err(err, errlen, r, nl->ext_msg, "%s: set mtu %u", ifname, mtu);
	return 0;
}

static int addr_add(struct nl_sock *nl, const char *ifname, const struct net_ip *ip, int prefix,
		    char *err, size_t errlen)
{
	char txt[INET6_ADDRSTRLEN];
	(void)net_ip_format(ip, txt, sizeof txt);
	int idx = net__ifindex_of(nl, ifname, err, errlen);
	if (idx < 0)
		return idx;
	int r = net__addr(nl, RTM_NEWADDR, idx, ip, prefix, 0);
	if (r < 0)
		return net__err(err, errlen, r, nl->ext_msg, "%s: add address %s/%d", ifname, txt,
				prefix);
	return 0;
}

static int route_default(struct nl_sock *nl, const struct net_ip *gw, const char *ifname, char *err,
			 size_t errlen)
{
	char txt[INET6_ADDRSTRLEN];
	(void)net_ip_format(gw, txt, sizeof txt);
	int idx = net__ifindex_of(nl, ifname, err, errlen);
	if (idx < 0)
		return idx;
	int r = net__route(nl, RTM_NEWROUTE, idx, NULL, 0, gw, NULL, RTPROT_STATIC);
	if (r < 0)
		return net__err(err, errlen, r, nl->ext_msg, "%s: add default route via %s", ifname,
				txt);
	return 0;
}

/* ---- public single operations: one socket each, in the caller's netns ---- */

typedef int (*nl_op)(struct nl_sock *nl, const void *arg, char *err, size_t errlen);

static int with_socket(nl_op op, const void *arg, char *err, size_t errlen)
{
	net__clear_err(err, errlen);
	struct nl_sock nl;
	int r = nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return net__err(err, errlen, r, NULL, "netlink socket");
	r = op(&nl, arg, err, errlen);
	nl_close(&nl);
	return r;
}

struct op_arg {
	const char *ifname;
	unsigned int num;
	int prefix;
	struct net_ip ip;
	struct net_link_info *li;
};

static int op_link(struct nl_sock *nl, const void *a, char *err, size_t errlen)
{
	const struct op_arg *o = a;
	int r = net__get_link(nl, o->ifname, o->li);
	return r < 0 ? net__err(err, errlen, r, nl->ext_msg, "%s", o->ifname) : 0;
}

static int op_ifindex(struct nl_sock *nl, const void *a, char *err, size_t errlen)
{
	return net__ifindex_of(nl, ((const struct op_arg *)a)->ifname, err, errlen);
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

int net_link_get(const char *ifname, struct net_link_info *li, char *err, size_t errlen)
{
	struct op_arg a = {.ifname = ifname, .li = li};
	return with_socket(op_link, &a, err, errlen);
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

/* One request: RTM_NEWLINK finds the device by IFLA_IFNAME when the index
 * is 0, so no lookup first (a boot with nothing but lo, every handoff
 * network namespace). */
static int op_lo_up(struct nl_sock *nl, const void *a, char *err, size_t errlen)
{
	(void)a;
	unsigned char buf[NET_MSG_BUF] __attribute__((aligned(4)));
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof buf, RTM_NEWLINK, 0);
	net__ifi_header(&m, 0, IFF_UP, IFF_UP);
	nl_attr_put_str(&m, IFLA_IFNAME, "lo");
	int r = nl_request(nl, &m, NULL, NULL);
	if (r < 0)
		return net__err(err, errlen, r, nl->ext_msg, "lo: set link up");
	return 0;
}

int net_lo_up(char *err, size_t errlen)
{
	return with_socket(op_lo_up, NULL, err, errlen);
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
		return net__err(err, errlen, -EINVAL, NULL, "%s: bad address '%s'", ifname, addr);
	return with_socket(op_addr, &a, err, errlen);
}

int net_route_add_default(const char *gw, const char *ifname, char *err, size_t errlen)
{
	struct op_arg a = {.ifname = ifname};
	if (net_ip_parse(gw, 0, &a.ip) < 0)
		return net__err(err, errlen, -EINVAL, NULL, "%s: bad gateway '%s'", ifname, gw);
	return with_socket(op_route, &a, err, errlen);
}

/* ---- net_apply ---- */

typedef int (*look_fn)(struct nl_sock *nl, const void *arg, void *out);

/*
 * Wait at most left_ms until look finds its device (-ENODEV: not yet): a
 * driver may still be probing (asynchronous probe, firmware load) when the
 * phase runs, and there is no udev to settle. Subscribe first, then look,
 * then look again on each RTM_NEWLINK notification (a rename counts too)
 * or when notifications were lost.
 */
static int wait_link(look_fn look, const void *arg, void *out, int left_ms)
{
	struct nl_sock sub;
	int r = nl_open(&sub, NETLINK_ROUTE);
	if (r == 0)
		r = nl_join_group(&sub, RTNLGRP_LINK);
	if (r == 0)
		r = look(&sub, arg, out);
	uint64_t deadline = now_ms() + (uint64_t)left_ms;
	while (r == -ENODEV) {
		uint64_t now = now_ms();
		int n = nl_recv(&sub, now >= deadline ? 0 : (int)(deadline - now));
		if (n == 0)
			break;
		r = n < 0 && n != -ENOBUFS ? n : look(&sub, arg, out);
	}
	nl_close(&sub);
	return r;
}

static int look_name(struct nl_sock *nl, const void *ifname, void *li)
{
	return net__get_link(nl, ifname, li);
}

/* ip= with no device: the one BOOTIF= names, else the non-loopback
 * Ethernet device with the lowest ifindex. */
static int look_pick(struct nl_sock *nl, const void *plan, void *name)
{
	const struct net_plan *p = plan;
	struct net_link_info links[32];
	(void)nl;
	int n = net_list_links(links, 32);
	if (n < 0)
		return n;
	const struct net_link_info *best = NULL;
	for (int i = 0; i < n && i < 32; i++) {
		const struct net_link_info *l = &links[i];
		if (l->type != ARPHRD_ETHER || (l->flags & IFF_LOOPBACK) || !l->ifname[0])
			continue;
		if (p->has_bootif ? !memcmp(l->mac, p->bootif, 6)
				  : !best || l->ifindex < best->ifindex)
			best = l;
	}
	if (!best)
		return -ENODEV;
	memcpy(name, best->ifname, sizeof best->ifname);
	return 0;
}

int net_pick_device(const struct net_plan *p, char name[NET_IFNAME_MAX], int wait_ms, char *err,
		    size_t errlen)
{
	int r = wait_link(look_pick, p, name, wait_ms);
	if (r == -ENODEV && err && errlen)
		snprintf(err, errlen, "ip=: %s (waited %d ms)",
			 p->has_bootif ? "no device has the MAC of BOOTIF=" : "no Ethernet device",
			 wait_ms);
	else if (r < 0)
		net__err(err, errlen, r, NULL, "ip=: listing network devices");
	return r;
}

/* Wait at most left_ms (of bound_ms, for the message) for ifname to exist. */
static int wait_device(const char *ifname, int left_ms, unsigned int bound_ms, char *err,
		       size_t errlen)
{
	struct net_link_info li;
	int r = wait_link(look_name, ifname, &li, left_ms);
	if (r == -ENODEV && err && errlen)
		snprintf(err, errlen, "%s: no such network device (waited %u ms)", ifname,
			 bound_ms);
	else if (r < 0)
		net__err(err, errlen, r, NULL, "%s: waiting for the device", ifname);
	return r < 0 ? r : 0;
}

static int apply_iface(struct nl_sock *nl, const struct net_iface *ifc, char *err, size_t errlen)
{
	int idx = net__ifindex_of(nl, ifc->ifname, err, errlen);
	if (idx < 0)
		return idx;
	int r = 0;
	if (ifc->mtu)
		r = set_mtu(nl, ifc->ifname, ifc->mtu, err, errlen);
	if (r == 0)
		r = set_flags(nl, ifc->ifname, 1, err, errlen);
	if (r == 0 && ifc->addr.family && !ifc->dhcp)
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
	if (ifc->dhcp)
		log_info("net: %s: up, mtu %s, address by DHCP", ifc->ifname, mtu);
	else if (ifc->addr.family)
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

int net_apply(const struct net_plan *plan, char *err, size_t errlen)
{
	struct net_plan p = *plan;
	net__clear_err(err, errlen);
	if (p.has_cmdline && !p.cmdline.ifname[0]) {
		int r =
		    net_pick_device(&p, p.cmdline.ifname, (int)p.carrier_timeout_ms, err, errlen);
		if (r < 0)
			return r;
	}
	struct net_iface ifs[NET_MAX_IFACES + 1];
	int n = netplan_interfaces(&p, ifs, NET_MAX_IFACES + 1);
	if (n < 0)
		return net__err(err, errlen, n, NULL, "net: too many interfaces");

	struct nl_sock nl;
	int r = nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return net__err(err, errlen, r, NULL, "netlink socket");
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
		r = net__wait_carrier(&w, ifs[i].ifname, left, p.carrier_timeout_ms, err, errlen);
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
