/*
 * Network devices over rtnetlink, the base of the net* files of os/
 * (netconf.c, netcarrier.c, netlist.c): a device looked up by name or
 * index, and the one error line format they all use. The net__ functions
 * are theirs; callers outside use netconf.h.
 */
#ifndef PACT_NETDEV_H
#define PACT_NETDEV_H

#include "lib/netlink.h"
#include "lib/netaddr.h"

#include <stddef.h>

#define NET_ERR_MAX 256
#define NET_MSG_BUF 512 /* every request we build fits */

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

/*
 * Write "<what>: <strerror(-r)>" (and the kernel's extended ack ext, when
 * there is one) into err, what from fmt; return r. -ENODEV reads "no such
 * network device". err may be NULL.
 */
__attribute__((format(printf, 5, 6))) int net__err(char *err, size_t errlen, int r, const char *ext,
						   const char *fmt, ...);
/* err = "" (when there is one). */
void net__clear_err(char *err, size_t errlen);
/* An ifinfomsg header for a link request. */
void net__ifi_header(struct nl_msg *m, int ifindex, unsigned int flags, unsigned int change);
/* An RTM_NEWLINK message as a net_link_info; -EBADMSG if it is none. */
int net__parse_link(const struct nlmsghdr *nlh, struct net_link_info *li);
/* RTM_GETLINK by name (-ENODEV for an unknown one) or by index. */
int net__get_link(struct nl_sock *nl, const char *ifname, struct net_link_info *li);
int net__get_link_by_index(struct nl_sock *nl, int ifindex, struct net_link_info *li);
/* The ifindex of ifname, or -errno with err set. */
int net__ifindex_of(struct nl_sock *nl, const char *ifname, char *err, size_t errlen);
/* RTM_NEWADDR (create or replace: lifetimes are updated) or RTM_DELADDR of
 * ip/prefix on ifindex; valid_s is the lifetime, 0 forever. 0 or -errno
 * (the kernel's message in nl->ext_msg). */
int net__addr(struct nl_sock *nl, int cmd, int ifindex, const struct net_ip *ip, int prefix,
	      unsigned int valid_s);
/* RTM_NEWROUTE (create or replace) or RTM_DELROUTE, main table: dst/len
 * (dst NULL: the default route of gw's family) via gw (NULL: on the link)
 * out of ifindex, preferring source src (NULL: the kernel's choice),
 * protocol proto (RTPROT_*). 0 or -errno. */
int net__route(struct nl_sock *nl, int cmd, int ifindex, const struct net_ip *dst, int len,
	       const struct net_ip *gw, const struct net_ip *src, unsigned char proto);

#endif
