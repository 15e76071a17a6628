/*
 * netconf: network configuration operations over rtnetlink (netlink.h), in
 * the calling process's network namespace (each call opens its own socket,
 * so a caller that just did unshare(CLONE_NEWNET) gets the new one):
 * links up/down, MTU, addresses, default routes, and the whole-plan
 * net_apply() of ConfigureNetwork (F28). The carrier wait is
 * netcarrier.h and the read-back listings netlist.h, included here for
 * the callers; `pactctl net` renders the listings (pactctl/net.c).
 *
 * Errors: functions return 0 / a non-negative value or -errno, and when err
 * is not NULL write one line naming the interface, the operation and the
 * kernel's error with its extended ack message, e.g.
 * "eth0: set mtu 60: Invalid argument (kernel: mtu less than device minimum)".
 * They do not log errors themselves: the caller owns the error string.
 */
#ifndef PACT_NETCONF_H
#define PACT_NETCONF_H

#include "os/netplan.h"
#include "os/netcarrier.h"
#include "os/netdev.h"
#include "os/netlist.h"

#include <stddef.h>

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

/* The device an ip= without one means: BOOTIF='s, else the non-loopback
 * Ethernet device with the lowest ifindex, into name; waiting at most
 * wait_ms for one to appear (a driver still probing). 0 or -errno. */
int net_pick_device(const struct net_plan *p, char name[NET_IFNAME_MAX], int wait_ms, char *err,
		    size_t errlen);
/* A device's link state (its MAC for DHCP). 0 or -errno. */
int net_link_get(const char *ifname, struct net_link_info *li, char *err, size_t errlen);

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
int net_apply(const struct net_plan *plan, char *err, size_t errlen);

#endif
