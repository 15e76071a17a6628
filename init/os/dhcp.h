/*
 * dhcp: the DHCPv4 client's state machine for one interface (RFC 2131
 * section 4.4), with its outside world behind a seam: sending, putting a
 * lease in place or taking it away, and randomness are callbacks; time is
 * an argument (CLOCK_MONOTONIC ms) and the one deadline the client wants
 * next is dhcp_deadline(). No sockets, no timers, no netlink here: the
 * daemon's glue (node/network_dhcp.c) supplies them, the unit tests a
 * fake. Decisions and timings: docs/network.md, "DHCP".
 *
 *   SELECTING  DISCOVER, retried at 1, 2, 4 ... 64 s (each +-50%)
 *   REQUESTING REQUEST for the first offer; 4 tries, then SELECTING
 *   REBOOTING  INIT-REBOOT: REQUEST for a known address; 2 tries, then SELECTING
 *   BOUND      quiet until T1
 *   RENEWING   REQUEST to the server (unicast) until T2
 *   REBINDING  REQUEST to anyone (broadcast) until the lease ends
 * A NAK, or the end of the lease, drops the lease and starts SELECTING.
 */
#ifndef PACT_DHCP_H
#define PACT_DHCP_H

#include "os/dhcp_msg.h"

#include <stdint.h>

enum dhcp_state {
	DHCP_STOPPED = 0,
	DHCP_SELECTING,
	DHCP_REQUESTING,
	DHCP_REBOOTING,
	DHCP_BOUND,
	DHCP_RENEWING,
	DHCP_REBINDING,
};

#define DHCP_REQUEST_TRIES 4	  /* REQUESTING before starting over */
#define DHCP_REBOOT_TRIES  2	  /* INIT-REBOOT before DISCOVER */
#define DHCP_BACKOFF_MS	   1000u  /* the first retransmission, doubled each time */
#define DHCP_BACKOFF_MAX   64000u /* RFC 2131's cap */
#define DHCP_RENEW_MIN_MS  10000u /* the least wait between renewing requests */

struct dhcp_client;

struct dhcp_ops {
	/* Send a message to the server `to` (unicast) or, to NULL, broadcast.
	 * 0 or -errno (a failed send is retried like a lost one). */
	int (*send)(struct dhcp_client *c, const uint8_t *msg, size_t len, const uint8_t *to);
	/* Put lease l in place (old: the lease it replaces, NULL for the
	 * first). 0, or -errno: the lease is not taken. */
	int (*bind)(struct dhcp_client *c, const struct dhcp_lease *l,
		    const struct dhcp_lease *old);
	/* Take lease l away: it expired, or a server refused it (why says). */
	void (*unbind)(struct dhcp_client *c, const struct dhcp_lease *l, const char *why);
	/* The state changed (for logs and status). */
	void (*changed)(struct dhcp_client *c, enum dhcp_state from);
	uint32_t (*random)(struct dhcp_client *c);
};

struct dhcp_client {
	const struct dhcp_ops *ops;
	void *ctx; /* the caller's */
	uint8_t mac[6];
	const char *hostname; /* sent as option 12; NULL: none */
	enum dhcp_state state;
	uint32_t xid;
	unsigned tries;	      /* messages sent in this exchange */
	unsigned naks_in_row; /* NAKs since the last lease: they back off too */
	uint64_t exchange_ms; /* when this exchange began (the secs field) */
	uint64_t sent_ms;     /* the last REQUEST: a lease counts from it */
	uint64_t deadline_ms; /* the next timeout; 0 none */
	uint8_t offer_server[4], offer_addr[4];
	int reboot; /* the lease came by INIT-REBOOT */
	/* the lease, while has_lease (BOUND, RENEWING, REBINDING) */
	int has_lease;
	struct dhcp_lease lease;
	uint64_t bound_ms, t1_ms, t2_ms, expiry_ms; /* 0: never (an infinite lease) */
	uint8_t ack[DHCP_PKT_MAX];		    /* the ACK it came in, for a re-exec */
	size_t ack_len;
	/* counters, for the metrics */
	unsigned long retries; /* retransmissions of any kind */
	unsigned long naks, acquired, renewed, lost;
};

void dhcp_init(struct dhcp_client *c, const struct dhcp_ops *ops, void *ctx, const uint8_t mac[6]);
/* Begin: INIT-REBOOT for hint when it is a usable address, else DISCOVER. */
void dhcp_start(struct dhcp_client *c, uint64_t now, const uint8_t hint[4]);
/* Stop exchanging (a lease in place stays, and so do the counters). */
void dhcp_stop(struct dhcp_client *c);
/* A datagram from port 67; anything that is not a reply for the current
 * exchange is ignored. */
void dhcp_input(struct dhcp_client *c, uint64_t now, const uint8_t *pkt, size_t len);
/* The deadline passed (called at or after dhcp_deadline()). */
void dhcp_timeout(struct dhcp_client *c, uint64_t now);
static inline uint64_t dhcp_deadline(const struct dhcp_client *c)
{
	return c->deadline_ms;
}
/* Whether a reply can be useful now: in an exchange, not BOUND or STOPPED
 * (so that the caller may close its socket meanwhile). */
int dhcp_listening(const struct dhcp_client *c);
const char *dhcp_state_name(enum dhcp_state s);

/*
 * The lease file (<run_dir>/dhcp/<ifname>.lease, written at every change
 * of state): one line that carries a client across a re-exec or a boot
 * retry and shows it to `pactctl net`. The lease is the ACK it came in,
 * parsed again when read; times are CLOCK_MONOTONIC ms.
 *   pact-dhcp1 STATE BOUND_MS REBOOT RETRIES NAKS ACQUIRED RENEWED LOST ACK-HEX|-
 */
#define DHCP_FILE_MAX (160 + 2 * DHCP_PKT_MAX)
struct dhcp_saved {
	enum dhcp_state state;
	uint64_t bound_ms;
	int reboot;
	unsigned long counters[5]; /* retries, naks, acquired, renewed, lost */
	size_t ack_len;		   /* 0: no lease */
	uint8_t ack[DHCP_PKT_MAX];
};
/* The line into buf (DHCP_FILE_MAX bytes); returns its length. */
size_t dhcp_save(const struct dhcp_client *c, char *buf);
/* Parse a line: 0, or -EINVAL. */
int dhcp_saved_parse(const char *text, struct dhcp_saved *s);
/* Take a client back from what it saved: its lease (deadlines already
 * past fire at the next dhcp_timeout) or its search for one. Returns 0,
 * or -EINVAL when the lease does not parse (the client is then stopped). */
int dhcp_restore(struct dhcp_client *c, uint64_t now, const struct dhcp_saved *s);

#endif
