/*
 * Read-back of the network configuration from the kernel: links,
 * addresses, main-table routes, bounded by the caller's arrays. For
 * net_apply (the device of an ip= without one), `pactctl net` and the
 * tests.
 */
#ifndef PACT_NETLIST_H
#define PACT_NETLIST_H

#include "lib/netaddr.h"
#include "os/netdev.h"

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

#endif
