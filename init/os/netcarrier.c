/*
 * The carrier wait (see netcarrier.h). A device has carrier when it is up
 * with IFF_LOWER_UP and its operstate is UP or UNKNOWN (virtual devices
 * report UNKNOWN). A lost notification (ENOBUFS) means: ask again.
 */
#include "os/netcarrier.h"
#include "lib/loop.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
/* IF_OPER_* live in <linux/if.h>, which clashes with <net/if.h>. */
#define OPER_UNKNOWN 0
#define OPER_UP	     6

struct notif_state {
	int ifindex;
	int result; /* 1 carrier, -ENODEV gone, 0 nothing yet */
};

static int has_carrier(const struct net_link_info *li)
{
	return (li->flags & IFF_UP) && (li->flags & IFF_LOWER_UP) &&
	       (li->operstate == OPER_UP || li->operstate == OPER_UNKNOWN || li->operstate < 0);
}

int net_carrier_watch_start(struct net_carrier_watch *w, const char *ifname, char *err,
			    size_t errlen)
{
	net__clear_err(err, errlen);
	snprintf(w->ifname, sizeof w->ifname, "%s", ifname);
	w->ifindex = 0;
	int r = nl_open(&w->sub, NETLINK_ROUTE);
	if (r < 0)
		return net__err(err, errlen, r, NULL, "%s: netlink socket", ifname);
	/* Subscribe before reading the state, so no change falls in between. */
	r = nl_join_group(&w->sub, RTNLGRP_LINK);
	struct net_link_info li;
	if (r == 0)
		r = net__get_link(&w->sub, ifname, &li);
	if (r < 0) {
		net__err(err, errlen, r, w->sub.ext_msg, "%s: carrier watch", ifname);
		nl_close(&w->sub);
		return r;
	}
	w->ifindex = li.ifindex;
	return has_carrier(&li);
}

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
	if (net__parse_link(nlh, &li) == 0)
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
			int r = net__get_link_by_index(&w->sub, w->ifindex, &li);
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
int net__wait_carrier(struct net_carrier_watch *w, const char *ifname, int left_ms,
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
		return net__err(err, errlen, -ETIMEDOUT, NULL, "%s: no carrier after %u ms", ifname,
				bound_ms);
	return net__err(err, errlen, r, NULL, "%s: waiting for carrier", ifname);
}

int net_carrier_wait(const char *ifname, int timeout_ms, char *err, size_t errlen)
{
	struct net_carrier_watch w;
	if (timeout_ms < 0)
		timeout_ms = 0;
	return net__wait_carrier(&w, ifname, timeout_ms, (unsigned int)timeout_ms, err, errlen);
}
