/*
 * libFuzzer target for what a DHCP client reads from outside: a server's
 * reply (hostile input from the network) through dhcp_parse, then into the
 * state machine in each state that listens, and a lease file line through
 * dhcp_saved_parse. Invariants: nothing reads out of bounds; an accepted
 * lease is within the documented bounds (T1 < T2 < lease, names valid,
 * lists and routes within their arrays); the client never wants a deadline
 * in the past of its clock, and its timers keep their order.
 */
#include "os/dhcp.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t MAC[6] = {0x52, 0x54, 0, 0x77, 0, 0x21};
static uint32_t rnd;

static void check_name(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n >= cap)
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.' ||
		      s[i] == ' '))
			__builtin_trap();
}

static void check_lease(const struct dhcp_lease *l)
{
	if (l->type != DHCPOFFER && l->type != DHCPACK && l->type != DHCPNAK)
		__builtin_trap();
	if (l->n_routers > DHCP_MAX_SERVERS || l->n_dns > DHCP_MAX_SERVERS ||
	    l->n_ntp > DHCP_MAX_SERVERS || l->n_routes > DHCP_MAX_ROUTES)
		__builtin_trap();
	for (int i = 0; i < l->n_routes; i++)
		if (l->routes[i].len > 32)
			__builtin_trap();
	check_name(l->hostname, sizeof l->hostname);
	check_name(l->domain, sizeof l->domain);
	check_name(l->search, sizeof l->search);
	if (strnlen(l->message, sizeof l->message) >= sizeof l->message)
		__builtin_trap();
	if (l->type == DHCPNAK)
		return;
	if (l->prefix < 1 || l->prefix > 32 || (l->mtu && l->mtu < 68))
		__builtin_trap();
	if (l->lease_s != DHCP_INFINITE &&
	    !(l->lease_s >= DHCP_MIN_LEASE_S && l->t1_s < l->t2_s && l->t2_s < l->lease_s &&
	      l->t1_s >= DHCP_MIN_LEASE_S / 2))
		__builtin_trap();
}

static int f_send(struct dhcp_client *c, const uint8_t *m, size_t len, const uint8_t *to)
{
	(void)c, (void)to;
	if (len < 300 || len > DHCP_REQ_MAX || m[0] != 1)
		__builtin_trap();
	return 0;
}

static int f_bind(struct dhcp_client *c, const struct dhcp_lease *l, const struct dhcp_lease *o)
{
	(void)c, (void)o;
	check_lease(l);
	return 0;
}

static void f_unbind(struct dhcp_client *c, const struct dhcp_lease *l, const char *why)
{
	(void)c, (void)l, (void)why;
}

static uint32_t f_random(struct dhcp_client *c)
{
	(void)c;
	return rnd = rnd * 1103515245u + 12345u;
}

static const struct dhcp_ops ops = {
    .send = f_send, .bind = f_bind, .unbind = f_unbind, .random = f_random};

/* A client in state s, whose xid the input is made to carry. */
static void feed(enum dhcp_state s, uint8_t *pkt, size_t len)
{
	static struct dhcp_client c;
	uint64_t now = 100000;
	dhcp_init(&c, &ops, NULL, MAC);
	static const uint8_t hint[4] = {192, 168, 77, 21};
	dhcp_start(&c, now, s == DHCP_REBOOTING ? hint : NULL);
	if (s == DHCP_REQUESTING || s >= DHCP_BOUND) {
		/* the offer's server: where the seeds carry option 54 */
		memcpy(c.offer_server, len >= 249 ? pkt + 245 : hint, 4);
		c.state = DHCP_REQUESTING;
	}
	if (len >= 8)
		for (int i = 0; i < 4; i++)
			pkt[4 + i] = (uint8_t)(c.xid >> (24 - 8 * i));
	if (len >= 34)
		memcpy(pkt + 28, MAC, 6);
	dhcp_input(&c, now, pkt, len);
	if (c.has_lease) {
		if ((c.t1_ms || c.t2_ms) && !(c.t1_ms < c.t2_ms && c.t2_ms < c.expiry_ms))
			__builtin_trap();
		/* walk it to its end: every deadline ahead of the clock */
		for (int k = 0; k < 64 && dhcp_deadline(&c); k++) {
			uint64_t d = dhcp_deadline(&c);
			if (d < now)
				__builtin_trap();
			now = d;
			dhcp_timeout(&c, now);
			if (c.state == DHCP_SELECTING)
				break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[DHCP_PKT_MAX];
	static struct dhcp_lease l;
	if (size > sizeof pkt)
		size = sizeof pkt;
	memcpy(pkt, data, size);
	if (dhcp_parse(pkt, size, NULL, &l) == 0)
		check_lease(&l);
	for (int s = DHCP_SELECTING; s <= DHCP_REBOOTING; s++) {
		memcpy(pkt, data, size);
		feed((enum dhcp_state)s, pkt, size);
	}
	/* the same bytes as a lease file line */
	static char text[DHCP_FILE_MAX + 1];
	static struct dhcp_saved saved;
	size_t n = size < DHCP_FILE_MAX ? size : DHCP_FILE_MAX;
	memcpy(text, data, n);
	text[n] = '\0';
	if (dhcp_saved_parse(text, &saved) == 0 && saved.ack_len > sizeof saved.ack)
		__builtin_trap();
	return 0;
}
