/*
 * dhcp: the client's state machine (see dhcp.h). Every path through it
 * ends with at most one message sent and one deadline set, so its caller
 * wakes only for a reply or that deadline: nothing between T1 timers.
 */
#include "os/dhcp.h"
#include "lib/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = {
    "stopped", "selecting", "requesting", "rebooting", "bound", "renewing", "rebinding",
};

const char *dhcp_state_name(enum dhcp_state s)
{
	return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

void dhcp_init(struct dhcp_client *c, const struct dhcp_ops *ops, void *ctx, const uint8_t mac[6])
{
	memset(c, 0, sizeof *c);
	c->ops = ops;
	c->ctx = ctx;
	memcpy(c->mac, mac, 6);
}

int dhcp_listening(const struct dhcp_client *c)
{
	return c->state != DHCP_STOPPED && c->state != DHCP_BOUND;
}

static void set_state(struct dhcp_client *c, enum dhcp_state s)
{
	enum dhcp_state from = c->state;
	c->state = s;
	if (from != s && c->ops->changed)
		c->ops->changed(c, from);
}

/* 1, 2, 4 ... 64 s for the n-th retransmission, each somewhere in
 * [d/2, 3d/2): a rack that boots at once spreads out after one miss. */
static uint64_t backoff(struct dhcp_client *c, unsigned n)
{
	uint64_t d = (uint64_t)DHCP_BACKOFF_MS << (n < 6 ? n : 6);
	return d / 2 + c->ops->random(c) % d;
}

/* Half the time left until end, at least DHCP_RENEW_MIN_MS, at most end. */
static uint64_t towards(uint64_t now, uint64_t end)
{
	uint64_t d = end > now ? (end - now) / 2 : 0;
	if (d < DHCP_RENEW_MIN_MS)
		d = DHCP_RENEW_MIN_MS;
	return now + d < end ? now + d : end;
}

static void schedule(struct dhcp_client *c, uint64_t now)
{
	switch (c->state) {
	case DHCP_SELECTING:
	case DHCP_REQUESTING:
	case DHCP_REBOOTING:
		c->deadline_ms = now + backoff(c, c->tries ? c->tries - 1 : 0);
		break;
	case DHCP_RENEWING:
		c->deadline_ms = towards(now, c->t2_ms);
		break;
	case DHCP_REBINDING:
		c->deadline_ms = towards(now, c->expiry_ms);
		break;
	case DHCP_BOUND:
		c->deadline_ms = c->t1_ms;
		break;
	case DHCP_STOPPED:
		c->deadline_ms = 0;
		break;
	}
}

static void transmit(struct dhcp_client *c, uint64_t now)
{
	struct dhcp_req r = {.type = DHCPREQUEST, .xid = c->xid, .hostname = c->hostname};
	const uint8_t *to = NULL;
	uint64_t secs = (now - c->exchange_ms) / 1000;
	r.secs = secs > 0xffff ? 0xffff : (uint16_t)secs;
	memcpy(r.mac, c->mac, 6);
	switch (c->state) {
	case DHCP_SELECTING:
		r.type = DHCPDISCOVER;
		r.broadcast = 1;
		break;
	case DHCP_REQUESTING:
	case DHCP_REBOOTING:
		if (c->state == DHCP_REQUESTING)
			memcpy(r.server, c->offer_server, 4);
		memcpy(r.requested, c->offer_addr, 4);
		r.broadcast = 1; /* no address yet: the reply must be broadcast */
		break;
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		if (c->state == DHCP_RENEWING)
			to = c->lease.server;
		memcpy(r.ciaddr, c->lease.addr, 4);
		break;
	case DHCP_BOUND:
	case DHCP_STOPPED:
		return;
	}
	if (c->tries++)
		c->retries++;
	/* the lease counts from the request last sent: the one the server
	 * most likely answers (an earlier one could make T1 and T2 already
	 * past when a rebinding retry, 50 s later, is the one answered) */
	if (r.type == DHCPREQUEST)
		c->sent_ms = now;
	uint8_t buf[DHCP_REQ_MAX];
	size_t n = dhcp_build(buf, &r);
	(void)c->ops->send(c, buf, n, to); /* a lost message is retried at the deadline */
}

/* A new exchange in state s: a fresh xid; send now, or at the deadline. */
static void begin(struct dhcp_client *c, uint64_t now, enum dhcp_state s, uint64_t delay)
{
	c->xid = c->ops->random(c);
	c->tries = 0;
	c->exchange_ms = now;
	set_state(c, s);
	if (delay) {
		c->deadline_ms = now + delay;
		return;
	}
	transmit(c, now);
	schedule(c, now);
}

void dhcp_start(struct dhcp_client *c, uint64_t now, const uint8_t hint[4])
{
	int reboot = hint && hint[0] && hint[0] != 127 && hint[0] < 224;
	if (reboot)
		memcpy(c->offer_addr, hint, 4);
	begin(c, now, reboot ? DHCP_REBOOTING : DHCP_SELECTING, 0);
}

void dhcp_stop(struct dhcp_client *c)
{
	set_state(c, DHCP_STOPPED);
	c->deadline_ms = 0;
}

static void drop_lease(struct dhcp_client *c, const char *why)
{
	if (!c->has_lease)
		return;
	c->has_lease = 0;
	c->ops->unbind(c, &c->lease, why);
}

static void set_times(struct dhcp_client *c)
{
	const struct dhcp_lease *l = &c->lease;
	if (l->lease_s == DHCP_INFINITE) {
		c->t1_ms = c->t2_ms = c->expiry_ms = 0;
		return;
	}
	c->t1_ms = c->bound_ms + 1000ull * l->t1_s;
	c->t2_ms = c->bound_ms + 1000ull * l->t2_s;
	c->expiry_ms = c->bound_ms + 1000ull * l->lease_s;
}

static void bind(struct dhcp_client *c, uint64_t now, const struct dhcp_lease *l,
		 const uint8_t *pkt, size_t len)
{
	const struct dhcp_lease *old = c->has_lease ? &c->lease : NULL;
	int renewal = old && memcmp(old->addr, l->addr, 4) == 0;
	if (c->ops->bind(c, l, old) < 0) {
		drop_lease(c, "it could not be put in place");
		begin(c, now, DHCP_SELECTING, backoff(c, c->naks_in_row++));
		return;
	}
	if (!renewal)
		c->reboot = c->state == DHCP_REBOOTING;
	c->lease = *l;
	c->has_lease = 1;
	memcpy(c->ack, pkt, len);
	c->ack_len = len;
	c->bound_ms = c->sent_ms;
	set_times(c);
	if (renewal)
		c->renewed++;
	else
		c->acquired++;
	c->naks_in_row = 0;
	set_state(c, DHCP_BOUND);
	schedule(c, now);
}

static void nak(struct dhcp_client *c, uint64_t now, const struct dhcp_lease *l)
{
	char why[128], ip[16];
	snprintf(why, sizeof why, "%s refused it (DHCPNAK%s%s)", dhcp_ip(l->server, ip),
		 l->message[0] ? ": " : "", l->message);
	c->naks++;
	drop_lease(c, why);
	/* the first NAK starts over at once; more in a row back off */
	unsigned n = c->naks_in_row++;
	begin(c, now, DHCP_SELECTING, n ? backoff(c, n - 1) : 0);
}

void dhcp_input(struct dhcp_client *c, uint64_t now, const uint8_t *pkt, size_t len)
{
	struct dhcp_lease l;
	if (!dhcp_listening(c) || len > sizeof c->ack || dhcp_parse(pkt, len, c->mac, &l) < 0 ||
	    l.xid != c->xid)
		return;
	if (c->state == DHCP_SELECTING) {
		if (l.type != DHCPOFFER)
			return;
		/* the first offer: REQUEST it, same xid (RFC 2131 4.4.1) */
		memcpy(c->offer_server, l.server, 4);
		memcpy(c->offer_addr, l.addr, 4);
		c->tries = 0;
		set_state(c, DHCP_REQUESTING);
		transmit(c, now);
		schedule(c, now);
		return;
	}
	if (c->state == DHCP_REQUESTING &&
	    (memcmp(l.server, c->offer_server, 4) != 0 ||
	     (l.type == DHCPACK && memcmp(l.addr, c->offer_addr, 4) != 0)))
		return; /* another server's answer, or not what we asked for */
	if (l.type == DHCPNAK)
		nak(c, now, &l);
	else if (l.type == DHCPACK)
		bind(c, now, &l, pkt, len);
}

void dhcp_timeout(struct dhcp_client *c, uint64_t now)
{
	switch (c->state) {
	case DHCP_STOPPED:
		return;
	case DHCP_SELECTING:
		break;
	case DHCP_REQUESTING:
	case DHCP_REBOOTING:
		if (c->tries >=
		    (c->state == DHCP_REQUESTING ? DHCP_REQUEST_TRIES : DHCP_REBOOT_TRIES)) {
			begin(c, now, DHCP_SELECTING, 0);
			return;
		}
		break;
	case DHCP_BOUND:
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		if (c->expiry_ms && now >= c->expiry_ms) {
			c->lost++;
			drop_lease(c, "it expired with no answer from any server");
			begin(c, now, DHCP_SELECTING, 0);
			return;
		}
		if (c->t2_ms && now >= c->t2_ms && c->state != DHCP_REBINDING) {
			begin(c, now, DHCP_REBINDING, 0);
			return;
		}
		if (c->t1_ms && now >= c->t1_ms && c->state == DHCP_BOUND) {
			begin(c, now, DHCP_RENEWING, 0);
			return;
		}
		if (c->state == DHCP_BOUND) {
			schedule(c, now); /* woken early: wait on */
			return;
		}
		break;
	}
	transmit(c, now);
	schedule(c, now);
}

size_t dhcp_save(const struct dhcp_client *c, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	int n = snprintf(buf, DHCP_FILE_MAX, "pact-dhcp1 %s %llu %d %lu %lu %lu %lu %lu ",
			 dhcp_state_name(c->state), (unsigned long long)c->bound_ms, c->reboot,
			 c->retries, c->naks, c->acquired, c->renewed, c->lost);
	size_t len = n > 0 ? (size_t)n : 0;
	for (size_t i = 0; c->has_lease && i < c->ack_len; i++) {
		buf[len++] = hex[c->ack[i] >> 4];
		buf[len++] = hex[c->ack[i] & 15];
	}
	if (!c->has_lease)
		buf[len++] = '-';
	buf[len++] = '\n';
	return len;
}

int dhcp_saved_parse(const char *t, struct dhcp_saved *s)
{
	unsigned long long v[7];
	memset(s, 0, sizeof *s);
	if (strncmp(t, "pact-dhcp1 ", 11) != 0)
		return -EINVAL;
	t += 11;
	for (int i = 0; i <= DHCP_REBINDING; i++) {
		size_t n = strlen(state_names[i]);
		if (!strncmp(t, state_names[i], n) && t[n] == ' ') {
			s->state = (enum dhcp_state)i;
			t += n;
		}
	}
	for (int i = 0; i < 7; i++) {
		char *end;
		if (*t++ != ' ' || *t < '0' || *t > '9')
			return -EINVAL;
		v[i] = strtoull(t, &end, 10);
		t = end;
	}
	if (*t++ != ' ')
		return -EINVAL;
	s->bound_ms = v[0];
	s->reboot = v[1] != 0;
	for (int i = 0; i < 5; i++)
		s->counters[i] = (unsigned long)v[2 + i];
	for (; *t != '-' && *t > ' '; t += 2) {
		int hi = hex_digit(t[0]), lo = hi < 0 ? -1 : hex_digit(t[1]);
		if (lo < 0 || s->ack_len == sizeof s->ack)
			return -EINVAL;
		s->ack[s->ack_len++] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int dhcp_restore(struct dhcp_client *c, uint64_t now, const struct dhcp_saved *s)
{
	struct dhcp_lease l;
	unsigned long *k[] = {&c->retries, &c->naks, &c->acquired, &c->renewed, &c->lost};
	for (int i = 0; i < 5; i++)
		*k[i] = s->counters[i];
	c->reboot = s->reboot;
	if (!s->ack_len) {
		if (s->state != DHCP_STOPPED)
			dhcp_start(c, now, NULL); /* it was looking for one */
		return 0;
	}
	if (dhcp_parse(s->ack, s->ack_len, c->mac, &l) < 0 || l.type != DHCPACK)
		return -EINVAL;
	c->lease = l;
	c->has_lease = 1;
	memcpy(c->ack, s->ack, s->ack_len);
	c->ack_len = s->ack_len;
	c->bound_ms = s->bound_ms;
	set_times(c);
	c->xid = c->ops->random(c);
	c->tries = 0;
	c->exchange_ms = now;
	c->state = s->state == DHCP_RENEWING || s->state == DHCP_REBINDING ? s->state : DHCP_BOUND;
	/* bound: wait for T1 (at once if it passed); else ask again now */
	c->deadline_ms = c->state == DHCP_BOUND ? c->t1_ms : now;
	return 0;
}
