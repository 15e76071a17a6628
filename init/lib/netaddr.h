/*
 * Network addresses and interface names as the configuration spells them:
 * IPv4 and IPv6 addresses in network byte order, parsed and formatted, and
 * the kernel's rule for a device name. Pure; no sockets.
 */
#ifndef PACT_NETADDR_H
#define PACT_NETADDR_H

#include <stddef.h>

#define NET_IFNAME_MAX 16 /* IFNAMSIZ, with the NUL */

/* An IPv4 or IPv6 address in network byte order. family 0 = unset. */
struct net_ip {
	int family; /* 0, AF_INET or AF_INET6 */
	unsigned char a[16];
};

/* Parse a whole IPv4 (family AF_INET), IPv6 (AF_INET6) or either (0) address. */
int net_ip_parse(const char *s, int family, struct net_ip *out);
/* Format an address; "" for an unset one. Returns 0 or -ENOSPC. */
int net_ip_format(const struct net_ip *ip, char *buf, size_t cap);
/* 0 if name is a usable interface name (1..15 bytes, no '/', ':', space), else -EINVAL. */
int net_ifname_check(const char *name);

#endif
