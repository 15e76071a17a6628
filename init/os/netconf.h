/*
 * netconf: network configuration operations over rtnetlink (netlink.h), in
 * the calling process's network namespace (each call opens its own socket,
 * so a caller that just did unshare(CLONE_NEWNET) gets the new one):
 * links up/down, MTU, addresses, default routes, the carrier wait, the
 * whole-plan netconf_apply() of ConfigureNetwork (F28), and read-back
 * listings for `pactctl net` and the tests.
 *
 * Errors: functions return 0 / a non-negative value or -errno, and when err
 * is not NULL write one line naming the interface, the operation and the
 * kernel's error with its extended ack message, e.g.
 * "eth0: set mtu 60: Invalid argument (kernel: mtu less than device minimum)".
 * They do not log errors themselves: the caller owns the error string.
 */
#ifndef PACT_NETCONF_H
#define PACT_NETCONF_H

#include "os/ipconf.h"
#include "lib/netlink.h"

#include <stddef.h>

#define NET_ERR_MAX 256

/* ifindex (> 0) of ifname, or -ENODEV. */
int net_ifindex(const char *ifname, char *err, size_t errlen);
int net_link_up(const char *ifname, char *err, size_t errlen);
int net_link_down(const char *ifname, char *err, size_t errlen);
int net_set_mtu(const char *ifname, unsigned int mtu, char *err, size_t errlen);
/* Add addr/prefix (IPv4 or IPv6, textual). Adding an address that is
 * already there succeeds (boot retries re-run the phase). */
int net_addr_add(const char *ifname, const char *addr, int prefix, char *err, size_t errlen);
/* Add or replace the default route of gw's family via gw on ifname. */
int net_route_add_default(const char *gw, const char *ifname, char *err, size_t errlen);
/* Bring lo up: all a fresh network namespace needs for 127.0.0.1 and ::1. */
int net_lo_up(char *err, size_t errlen);

/*
 * Wait until ifname has carrier (IFF_LOWER_UP, operstate UP or UNKNOWN),
 * at most timeout_ms. Subscribes to RTNLGRP_LINK first, then reads the
 * current state with RTM_GETLINK, then waits on notifications: no polling
 * by sleeps. Returns 0, -ETIMEDOUT, -ENODEV (gone), or another -errno.
 */
int net_wait_carrier(const char *ifname, int timeout_ms, char *err, size_t errlen);

/* The same in steps, for a caller with an event loop (fd = w->sub.fd). */
struct net_carrier_watch {
	struct nl_sock sub;
	int ifindex;
	char ifname[NET_IFNAME_MAX];
};
/* Returns 1 if the carrier is already there, 0 if not yet, or -errno.
 * On 0 or 1 the watch is open: close it with net_carrier_watch_stop. */
int net_carrier_watch_start(struct net_carrier_watch *w, const char *ifname, char *err,
			    size_t errlen);
/* Wait at most timeout_ms (0: only look) for a notification saying carrier.
 * Returns 1 carrier, 0 not yet, or -errno (-ENODEV: the device went away). */
int net_carrier_watch_poll(struct net_carrier_watch *w, int timeout_ms);
void net_carrier_watch_stop(struct net_carrier_watch *w);

/*
 * ConfigureNetwork: lo up; then for each interface of the plan (see
 * netplan_interfaces), in order: wait for the device to exist (a driver may
 * still be probing), MTU, link up, address; then the carrier wait for all
 * of them; then default routes. The device and carrier waits share one
 * deadline, plan->carrier_timeout_ms from the start (0: no waiting at all).
 * Idempotent, so a boot retry may run it again. Blocks for at most that
 * deadline plus a few netlink round trips (each bounded by NL_TIMEOUT_MS).
 * Returns 0, or -errno with err naming the interface and the kernel's error.
 */
int netconf_apply(const struct net_plan *plan, char *err, size_t errlen);

/* Read-back, bounded by the caller's arrays; each returns the count or -errno. */
struct net_link_info {
	int ifindex;
	char ifname[NET_IFNAME_MAX];
	unsigned int flags; /* IFF_* including IFF_LOWER_UP */
	unsigned int mtu;
	unsigned int type; /* ARPHRD_* */
	int operstate;	   /* IF_OPER_*, -1 unknown */
	unsigned char mac[6];
	int has_mac;
};
struct net_addr_info {
	int ifindex;
	struct net_ip addr;
	int prefix;
};
struct net_route_info {
	int oif;	   /* 0 none */
	struct net_ip dst; /* family set, address zero for the default route */
	int dst_len;
	struct net_ip gw; /* unset: directly connected */
	unsigned int table;
	int protocol;
};
int net_list_links(struct net_link_info *out, int max);
int net_list_addrs(struct net_addr_info *out, int max);
/* Unicast routes of the main table, IPv4 then IPv6. */
int net_list_routes(struct net_route_info *out, int max);

/* Links, addresses and main-table routes as one JSON object on one line
 * (`pactctl net --json`), or as a short human listing. Returns 0 or -errno. */
int net_dump_json(int fd);
int net_dump_text(int fd);

#endif
