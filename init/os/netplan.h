/*
 * netplan: the network plan (what ConfigureNetwork must do) and the two
 * parsers that fill it: the kernel's `ip=` command-line syntax and the
 * `net.*` keys of /etc/pact/init.conf. Pure parsing, no syscalls; applying
 * a plan is net_apply() (netconf.h). Syntax and decisions: docs/network.md.
 */
#ifndef PACT_NETPLAN_H
#define PACT_NETPLAN_H

#include "lib/netaddr.h"

#include <stddef.h>

#define NET_MAX_IFACES		       8
#define NET_HOSTNAME_MAX	       64
#define NET_DEFAULT_CARRIER_TIMEOUT_MS 10000u
#define NET_MAX_CARRIER_TIMEOUT_MS     600000u
#define NET_MAX_MTU		       65536u /* lo's default; devices enforce their own limits */
#define NET_DEFAULT_DHCP_TIMEOUT_MS    60000u
#define NET_MAX_DHCP_TIMEOUT_MS	       3600000u

struct net_iface {
	/* "" (only from ip= with an empty device): the non-loopback Ethernet
	 * device with the lowest ifindex, chosen when the plan is applied. */
	char ifname[NET_IFNAME_MAX];
	struct net_ip addr; /* unset: link up only (with dhcp: the address to ask for first) */
	int prefix;
	struct net_ip gw; /* unset: no default route */
	unsigned int mtu; /* 0: leave as is */
	int dhcp;	  /* the address comes from DHCP (net_apply only brings the link up) */
};

struct net_plan {
	int n_ifaces; /* from init.conf, in first-seen order */
	struct net_iface ifaces[NET_MAX_IFACES];
	/* The last ip= value: it overrides init.conf for its device, whatever
	 * the order in which the two were read. */
	int has_cmdline;
	struct net_iface cmdline;
	/* Also from ip=: kept for the caller, not applied by net_apply. */
	char hostname[NET_HOSTNAME_MAX + 1];
	struct net_ip server, dns[2], ntp;
	unsigned int carrier_timeout_ms; /* 0: do not wait for carrier */
	unsigned int dhcp_timeout_ms;	 /* ConfigureNetwork waits this long for leases */
	/* BOOTIF= (pxelinux's, or iPXE's ${net0/mac}): an ip= without a device
	 * means the device with this MAC */
	int has_bootif;
	unsigned char bootif[6];
};

void netplan_init(struct net_plan *p);

/*
 * Apply one `ip=` value (without the "ip=" prefix). Each call replaces what
 * an earlier ip= gave (the last one wins, as in the kernel); "off"/"none"
 * clears it. "dhcp" (and "on", "any", "bootp", "both"), alone or as the
 * autoconf field, asks for DHCP; a client address then is the one to ask
 * for first (INIT-REBOOT). Returns 0; -ENOTSUP for RARP; -EINVAL for a
 * malformed value. On error err says why and the plan is unchanged.
 */
int netplan_parse_ip(struct net_plan *p, const char *value, char *err, size_t errlen);

/* BOOTIF=01-aa-bb-cc-dd-ee-ff (or the bare MAC, '-' or ':'): 0 or -EINVAL. */
int netplan_parse_bootif(struct net_plan *p, const char *value, char *err, size_t errlen);

/*
 * Apply one init.conf pair. Keys: net.carrier_timeout_ms, net.dhcp_timeout_ms,
 * net.<ifname>.address (addr/prefix, IPv4 or IPv6, or "dhcp"), net.<ifname>.gateway,
 * net.<ifname>.mtu. Returns 0; -ENOENT when key is not a net.* key (so a
 * caller can dispatch); -EINVAL (err says why) for a bad key or value;
 * -ENOSPC past NET_MAX_IFACES interfaces. On error the plan is unchanged.
 */
int netplan_set(struct net_plan *p, const char *key, const char *value, char *err, size_t errlen);

/* Merge the ip= entry into the init.conf list: the interfaces to configure,
 * in order. Returns their number (<= NET_MAX_IFACES) or -ENOSPC. */
int netplan_interfaces(const struct net_plan *p, struct net_iface *out, int max);

#endif
