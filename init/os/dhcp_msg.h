/*
 * dhcp_msg: DHCPv4 messages (RFC 2131, options RFC 2132) as the client
 * sends and reads them: a request built into a caller's buffer, and a
 * server's reply parsed into a lease. Pure: no sockets, no clock.
 *
 * A reply is hostile input from the network. The parser reads only within
 * the datagram, follows option overload (52) and concatenates split
 * options (RFC 3396), and checks every option it keeps: a malformed
 * options area refuses the message; a bad value of one option drops that
 * option alone (lease->note says why, note_option which).
 */
#ifndef PACT_DHCP_MSG_H
#define PACT_DHCP_MSG_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_PKT_MAX	 1472 /* an Ethernet frame's UDP payload: what we accept */
#define DHCP_REQ_MAX	 548  /* what we send (the minimum every server takes) */

enum dhcp_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPACK = 5,
	DHCPNAK = 6,
};

#define DHCP_INFINITE	 0xffffffffu
#define DHCP_MIN_LEASE_S 10u /* shorter leases are taken as this (no renewal storm) */
#define DHCP_MAX_SERVERS 4   /* kept per list: routers, DNS, NTP */
#define DHCP_MAX_ROUTES	 16
#define DHCP_NAME_MAX	 63  /* a host name (option 12): one DNS label or a dotted name */
#define DHCP_DOMAIN_MAX	 253 /* option 15 */
#define DHCP_SEARCH_MAX	 255 /* option 119 as resolv.conf's "search" words */

struct dhcp_route {
	uint8_t dst[4], gw[4]; /* gw 0.0.0.0: the destination is on the link */
	uint8_t len;
};

struct dhcp_lease {
	uint8_t type; /* enum dhcp_type */
	uint32_t xid;
	uint8_t addr[4];   /* yiaddr */
	uint8_t server[4]; /* option 54 */
	uint8_t prefix;	   /* option 1, else the address's class */
	/* 51, 58, 59; T1 < T2 < lease (the RFC's 1/2 and 7/8 when not sent
	 * or not consistent); DHCP_INFINITE for all three: no end */
	uint32_t lease_s, t1_s, t2_s;
	uint16_t mtu; /* 26; 0: not sent */
	uint8_t n_routers, n_dns, n_ntp, n_routes;
	uint8_t routers[DHCP_MAX_SERVERS][4]; /* 3 */
	uint8_t dns[DHCP_MAX_SERVERS][4];     /* 6 */
	uint8_t ntp[DHCP_MAX_SERVERS][4];     /* 42 */
	/* what to route: option 121 when sent (RFC 3442: then option 3 is
	 * ignored), else a default route via the first router */
	struct dhcp_route routes[DHCP_MAX_ROUTES];
	char hostname[DHCP_NAME_MAX + 1]; /* 12 */
	char domain[DHCP_DOMAIN_MAX + 1]; /* 15 */
	char search[DHCP_SEARCH_MAX + 1]; /* 119, names separated by spaces */
	char message[64];		  /* 56: a NAK's reason, printable */
	const char *note;		  /* the first option dropped and why, or NULL */
	uint8_t note_option;		  /* (0: the message itself is malformed) */
};

/* The fields of a message the client sends. Zero addresses are left out. */
struct dhcp_req {
	uint8_t type; /* DHCPDISCOVER or DHCPREQUEST */
	uint32_t xid;
	uint16_t secs;
	int broadcast; /* ask for broadcast replies: we have no address yet */
	uint8_t mac[6];
	uint8_t ciaddr[4];    /* our address (renewing, rebinding) */
	uint8_t requested[4]; /* option 50 */
	uint8_t server[4];    /* option 54 */
	const char *hostname; /* option 12, or NULL */
};

/* Build a request into buf (at least DHCP_REQ_MAX bytes); returns its length. */
size_t dhcp_build(uint8_t *buf, const struct dhcp_req *r);

/*
 * Parse a server's reply to the client with hardware address mac (NULL:
 * any client, for a lease read back from a file): an
 * OFFER, ACK or NAK, BOOTREPLY, Ethernet, our chaddr, the magic cookie,
 * a sane options area, a server identifier, and for OFFER and ACK a
 * unicast yiaddr and a lease time. Returns 0, or -EBADMSG (malformed:
 * note says why) or -ENOMSG (well formed but not for us or not a reply).
 */
int dhcp_parse(const uint8_t *pkt, size_t len, const uint8_t mac[6], struct dhcp_lease *l);

/* "a.b.c.d" into buf (16 bytes). */
const char *dhcp_ip(const uint8_t a[4], char buf[16]);

#endif
