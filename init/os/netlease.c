/*
 * netlease: a lease on an interface (see netlease.h). Routes go in the
 * order the server gave them (RFC 3442: a router may be reachable only
 * through an earlier route).
 */
#include "os/netlease.h"
#include "os/netconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

static struct net_ip v4(const uint8_t a[4])
{
	struct net_ip ip = {.family = AF_INET};
	memcpy(ip.a, a, 4);
	return ip;
}

static int has_route(const struct dhcp_lease *l, const struct dhcp_route *r)
{
	for (int i = 0; i < l->n_routes; i++)
		if (!memcmp(&l->routes[i], r, sizeof *r))
			return 1;
	return 0;
}

/* Add (RTM_NEWROUTE) or delete the routes of a that b lacks (b NULL: all). */
static int routes(struct nl_sock *nl, int cmd, int idx, const struct dhcp_lease *a,
		  const struct dhcp_lease *b, const char *ifname, char *err, size_t errlen)
{
	struct net_ip src = v4(a->addr);
	for (int i = 0; i < a->n_routes; i++) {
		const struct dhcp_route *r = &a->routes[i];
		if (b && has_route(b, r))
			continue;
		struct net_ip dst = v4(r->dst), gw = v4(r->gw);
		if (!(r->gw[0] | r->gw[1] | r->gw[2] | r->gw[3]))
			gw.family = 0; /* on the link */
		int e = net__route(nl, cmd, idx, &dst, r->len, &gw, &src, RTPROT_DHCP);
		if (e < 0 && cmd == RTM_NEWROUTE && err && !err[0]) {
			char d[16], g[16];
			net__err(err, errlen, e, nl->ext_msg, "%s: route %s/%u via %s", ifname,
				 dhcp_ip(r->dst, d), r->len, dhcp_ip(r->gw, g));
		}
	}
	return 0;
}

int net_lease_apply(const char *ifname, const struct dhcp_lease *l, const struct dhcp_lease *old,
		    unsigned int valid_s, int set_mtu, char *err, size_t errlen)
{
	net__clear_err(err, errlen);
	if (set_mtu && l->mtu && (!old || old->mtu != l->mtu)) {
		int r = net_set_mtu(ifname, l->mtu, err, errlen);
		if (r < 0)
			return r;
	}
	struct nl_sock nl;
	int r = nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return net__err(err, errlen, r, NULL, "netlink socket");
	int idx = net__ifindex_of(&nl, ifname, err, errlen);
	if (idx >= 0 && old) {
		routes(&nl, RTM_DELROUTE, idx, old, l, ifname, NULL, 0);
		struct net_ip was = v4(old->addr);
		if (memcmp(old->addr, l->addr, 4))
			(void)net__addr(&nl, RTM_DELADDR, idx, &was, old->prefix, 0);
	}
	struct net_ip ip = v4(l->addr);
	r = idx < 0 ? idx : net__addr(&nl, RTM_NEWADDR, idx, &ip, l->prefix, valid_s);
	if (r < 0 && idx >= 0) {
		char a[16];
		net__err(err, errlen, r, nl.ext_msg, "%s: add address %s/%u", ifname,
			 dhcp_ip(l->addr, a), l->prefix);
	} else if (r == 0) {
		routes(&nl, RTM_NEWROUTE, idx, l, NULL, ifname, err, errlen);
	}
	nl_close(&nl);
	return r;
}

void net_lease_remove(const char *ifname, const struct dhcp_lease *l)
{
	struct nl_sock nl;
	if (nl_open(&nl, NETLINK_ROUTE) < 0)
		return;
	int idx = net__ifindex_of(&nl, ifname, NULL, 0);
	if (idx >= 0) {
		struct net_ip ip = v4(l->addr);
		routes(&nl, RTM_DELROUTE, idx, l, NULL, ifname, NULL, 0);
		(void)net__addr(&nl, RTM_DELADDR, idx, &ip, l->prefix, 0);
	}
	nl_close(&nl);
}
