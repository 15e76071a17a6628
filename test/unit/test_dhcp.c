/*
 * The DHCP client without a network: the codec (os/dhcp_msg.c) on built
 * and hostile replies, and the state machine (os/dhcp.c) through its seam,
 * with a fake clock, a fake server and a recorder for what it sends, puts
 * in place and takes away.
 */
#include "os/dhcp.h"
#include "os/netfiles.h"
#include "lib/fileio.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint8_t MAC[6] = {0x52, 0x54, 0, 0x77, 0, 0x21};
static const uint8_t SERVER[4] = {192, 168, 77, 1}, ADDR[4] = {192, 168, 77, 21};

/* ---- a server's reply, built by hand ---- */

struct reply {
	uint8_t b[DHCP_PKT_MAX];
	size_t n; /* where the next option goes */
};

static void reply_init(struct reply *r, uint8_t type, uint32_t xid, const uint8_t yiaddr[4])
{
	memset(r, 0, sizeof *r);
	r->b[0] = 2, r->b[1] = 1, r->b[2] = 6;
	for (int i = 0; i < 4; i++)
		r->b[4 + i] = (uint8_t)(xid >> (24 - 8 * i));
	if (yiaddr)
		memcpy(r->b + 16, yiaddr, 4);
	memcpy(r->b + 28, MAC, 6);
	r->b[236] = 99, r->b[237] = 130, r->b[238] = 83, r->b[239] = 99;
	r->n = 240;
	r->b[r->n++] = 53, r->b[r->n++] = 1, r->b[r->n++] = type;
}

static void opt(struct reply *r, uint8_t code, const void *data, size_t len)
{
	r->b[r->n++] = code;
	r->b[r->n++] = (uint8_t)len;
	memcpy(r->b + r->n, data, len);
	r->n += len;
}

static void opt32(struct reply *r, uint8_t code, uint32_t v)
{
	uint8_t d[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	opt(r, code, d, 4);
}

static size_t end(struct reply *r)
{
	r->b[r->n++] = 255;
	return r->n;
}

/* The usual ACK or OFFER: server id, lease 120 s, mask /24, router. */
static size_t usual(struct reply *r, uint8_t type, uint32_t xid, const uint8_t addr[4],
		    uint32_t lease)
{
	static const uint8_t mask[4] = {255, 255, 255, 0};
	reply_init(r, type, xid, addr);
	opt(r, 54, SERVER, 4);
	if (type != DHCPNAK) {
		opt32(r, 51, lease);
		opt(r, 1, mask, 4);
		opt(r, 3, SERVER, 4);
	}
	return end(r);
}

static const char *ip(const uint8_t a[4])
{
	static char b[4][16];
	static int i;
	i = (i + 1) % 4;
	return dhcp_ip(a, b[i]);
}

/* ---- the codec ---- */

static void test_build(void)
{
	uint8_t b[DHCP_REQ_MAX];
	struct dhcp_req r = {
	    .type = DHCPREQUEST, .xid = 0x01020304, .broadcast = 1, .hostname = "node7"};
	memcpy(r.mac, MAC, 6);
	memcpy(r.requested, ADDR, 4);
	memcpy(r.server, SERVER, 4);
	size_t n = dhcp_build(b, &r);
	ok(n >= 300 && n <= DHCP_REQ_MAX, "a request is 300..548 bytes (%zu)", n);
	ok(b[0] == 1 && b[1] == 1 && b[2] == 6, "BOOTREQUEST, Ethernet");
	ok(!memcmp(b + 4, "\1\2\3\4", 4), "xid in network order");
	ok(b[10] == 0x80, "the BROADCAST flag when asked for");
	ok(!memcmp(b + 28, MAC, 6), "chaddr is the MAC");
	/* walk the options */
	int seen53 = 0, seen50 = 0, seen54 = 0, seen12 = 0, seen55 = 0, seen61 = 0, ask121 = 0,
	    ask26 = 0, ask42 = 0, ask119 = 0;
	for (size_t i = 240; i < n && b[i] != 255; i += 2u + b[i + 1]) {
		const uint8_t *d = b + i + 2;
		switch (b[i]) {
		case 53:
			seen53 = d[0] == DHCPREQUEST;
			break;
		case 50:
			seen50 = !memcmp(d, ADDR, 4);
			break;
		case 54:
			seen54 = !memcmp(d, SERVER, 4);
			break;
		case 12:
			seen12 = b[i + 1] == 5 && !memcmp(d, "node7", 5);
			break;
		case 61:
			seen61 = b[i + 1] == 7 && d[0] == 1 && !memcmp(d + 1, MAC, 6);
			break;
		case 55:
			seen55 = 1;
			for (int k = 0; k < b[i + 1]; k++) {
				ask121 |= d[k] == 121, ask26 |= d[k] == 26, ask42 |= d[k] == 42;
				ask119 |= d[k] == 119;
			}
			break;
		}
	}
	ok(seen53 && seen50 && seen54, "type REQUEST, requested address, server id");
	ok(seen12, "our host name as option 12");
	ok(seen61, "client id 01:MAC (as iPXE sends it)");
	ok(seen55 && ask121 && ask26 && ask42 && ask119,
	   "option 55 asks for 121, 26, 42, 119 (dnsmasq sends only those asked for)");

	struct dhcp_req d = {.type = DHCPDISCOVER, .xid = 9};
	memcpy(d.mac, MAC, 6);
	n = dhcp_build(b, &d);
	int has50 = 0, has54 = 0, has12 = 0;
	for (size_t i = 240; i < n && b[i] != 255; i += 2u + b[i + 1])
		has50 |= b[i] == 50, has54 |= b[i] == 54, has12 |= b[i] == 12;
	ok(!has50 && !has54 && !has12 && b[10] == 0,
	   "a DISCOVER: no 50, 54, 12, no broadcast flag");
}

static void test_parse_options(void)
{
	struct reply r;
	struct dhcp_lease l;
	usual(&r, DHCPACK, 7, ADDR, 3600);
	r.n--; /* reopen: more options before the end */
	static const uint8_t dns[] = {192, 168, 77, 1, 192, 168, 77, 2, 0, 0, 0, 0};
	opt(&r, 6, dns, sizeof dns);
	opt(&r, 42, dns, 4);
	opt(&r, 12, "client1", 7);
	opt(&r, 15, "cluster.test\0", 13); /* a trailing NUL is tolerated */
	/* 119: cluster.test, example.test (compressed: .test points back) */
	static const uint8_t search[] = {7,   'c', 'l', 'u', 's', 't', 'e',  'r',
					 4,   't', 'e', 's', 't', 0,   7,    'e',
					 'x', 'a', 'm', 'p', 'l', 'e', 0xc0, 8};
	opt(&r, 119, search, sizeof search);
	static const uint8_t mtu[] = {0x05, 0x78};
	opt(&r, 26, mtu, 2);
	/* 121: 10.77.0.0/16 via .254, default via .1 */
	static const uint8_t cls[] = {16, 10, 77, 192, 168, 77, 254, 0, 192, 168, 77, 1};
	opt(&r, 121, cls, sizeof cls);
	opt32(&r, 58, 10);
	opt32(&r, 59, 20);
	size_t n = end(&r);
	is_int(dhcp_parse(r.b, n, MAC, &l), 0, "an ACK with every option parses");
	ok(l.type == DHCPACK && l.xid == 7, "type and xid");
	is_str(ip(l.addr), "192.168.77.21", "yiaddr");
	is_str(ip(l.server), "192.168.77.1", "server id (54)");
	is_int(l.prefix, 24, "mask (1) as a prefix");
	ok(l.lease_s == 3600 && l.t1_s == 10 && l.t2_s == 20,
	   "lease 3600, T1 10, T2 20 (51 58 59)");
	is_int(l.n_dns, 2, "6: two DNS servers (0.0.0.0 skipped)");
	is_str(ip(l.dns[1]), "192.168.77.2", "6: the second");
	ok(l.n_ntp == 1 && !memcmp(l.ntp[0], SERVER, 4), "42: NTP server");
	is_str(l.hostname, "client1", "12: host name");
	is_str(l.domain, "cluster.test", "15: domain (trailing NUL dropped)");
	is_str(l.search, "cluster.test example.test", "119: search list, compression followed");
	is_int(l.mtu, 1400, "26: MTU");
	is_int(l.n_routes, 2, "121: two routes");
	ok(l.routes[0].len == 16 && !memcmp(l.routes[0].dst, "\x0a\x4d\0\0", 4) &&
	       !memcmp(l.routes[0].gw, "\xc0\xa8\x4d\xfe", 4),
	   "121: 10.77.0.0/16 via 192.168.77.254");
	ok(l.routes[1].len == 0 && l.routes[1].gw[3] == 1, "121: the default via .1");
	ok(l.note == NULL, "nothing dropped");

	usual(&r, DHCPACK, 7, ADDR, 3600);
	is_int(dhcp_parse(r.b, r.n, MAC, &l), 0, "without 121:");
	ok(l.n_routes == 1 && l.routes[0].len == 0 && !memcmp(l.routes[0].gw, SERVER, 4),
	   "the router (3) becomes the default route");
	ok(l.t1_s == 1800 && l.t2_s == 3150, "T1, T2 default to 1/2 and 7/8 of the lease");
}

static void test_parse_overload(void)
{
	struct reply r;
	struct dhcp_lease l;
	usual(&r, DHCPACK, 1, ADDR, 600);
	r.n--;
	uint8_t ov = 3;
	opt(&r, 52, &ov, 1);
	end(&r);
	/* the file field holds 12 and the first half of 15; sname the rest */
	uint8_t *file = r.b + 108, *sname = r.b + 44;
	memcpy(file,
	       "\x0c\x03"
	       "abc"
	       "\x0f\x04"
	       "clus"
	       "\xff",
	       12);
	memcpy(sname,
	       "\x0f\x08"
	       "ter.test"
	       "\xff",
	       11);
	is_int(dhcp_parse(r.b, r.n, MAC, &l), 0, "option overload (52) parses");
	is_str(l.hostname, "abc", "an option from the file field");
	is_str(l.domain, "cluster.test", "a split option concatenated (RFC 3396)");
}

static void test_parse_hostile(void)
{
	struct reply r;
	struct dhcp_lease l;
	usual(&r, DHCPACK, 1, ADDR, 600);
	is_int(dhcp_parse(r.b, 239, MAC, &l), -EBADMSG, "shorter than the fixed part: refused");
	r.b[237] = 0;
	is_int(dhcp_parse(r.b, r.n, MAC, &l), -EBADMSG, "no magic cookie: refused");
	usual(&r, DHCPACK, 1, ADDR, 600);
	r.b[r.n - 1] = 6, r.b[r.n++] = 200; /* an option longer than the packet */
	is_int(dhcp_parse(r.b, r.n, MAC, &l), -EBADMSG, "an option past the end: refused");
	ok(l.note != NULL, "... saying why (%s)", l.note ? l.note : "");
	usual(&r, DHCPACK, 1, ADDR, 600);
	r.b[28] ^= 1;
	is_int(dhcp_parse(r.b, r.n, MAC, &l), -ENOMSG, "another client's chaddr: not for us");
	usual(&r, DHCPACK, 1, ADDR, 600);
	r.b[0] = 1;
	is_int(dhcp_parse(r.b, r.n, MAC, &l), -ENOMSG, "a BOOTREQUEST: not a reply");
	static const uint8_t bcast[4] = {255, 255, 255, 255}, zero[4] = {0};
	usual(&r, DHCPACK, 1, bcast, 600);
	is_int(dhcp_parse(r.b, r.n, MAC, &l), -EBADMSG, "yiaddr 255.255.255.255: refused");
	usual(&r, DHCPOFFER, 1, zero, 600);
	is_int(dhcp_parse(r.b, r.n, MAC, &l), -EBADMSG, "yiaddr 0.0.0.0: refused");
	reply_init(&r, DHCPACK, 1, ADDR);
	opt32(&r, 51, 600);
	is_int(dhcp_parse(r.b, end(&r), MAC, &l), -EBADMSG, "no server identifier: refused");
	reply_init(&r, DHCPACK, 1, ADDR);
	opt(&r, 54, SERVER, 4);
	is_int(dhcp_parse(r.b, end(&r), MAC, &l), -EBADMSG, "an ACK without a lease time: refused");

	/* bad values drop their option only */
	usual(&r, DHCPACK, 1, ADDR, 3);
	r.n--;
	opt(&r, 12, "bad name!", 9);
	static const uint8_t tiny[2] = {0, 20};
	opt(&r, 26, tiny, 2);
	static const uint8_t loop[] = {3, 'a', 'b', 'c', 0xc0, 4}; /* points forward to itself */
	opt(&r, 119, loop, sizeof loop);
	static const uint8_t badroute[] = {33, 1, 2, 3, 4, 5, 6, 7, 8};
	opt(&r, 121, badroute, sizeof badroute);
	static const uint8_t badmask[4] = {255, 0, 255, 0};
	opt(&r, 1, badmask, 4);
	opt(&r, 6, "\1\2\3", 3);
	is_int(dhcp_parse(r.b, end(&r), MAC, &l), 0, "bad option values do not refuse the lease");
	ok(l.lease_s == DHCP_MIN_LEASE_S && l.t1_s == 5 && l.t2_s < l.lease_s,
	   "a 3 s lease is taken as %u s (T1 %u, T2 %u)", l.lease_s, l.t1_s, l.t2_s);
	is_str(l.hostname, "", "12 with a '!': dropped");
	is_int(l.mtu, 0, "26 below 68: dropped");
	is_str(l.search, "", "119 with a pointer loop: dropped");
	ok(l.n_routes == 1 && l.routes[0].len == 0, "121 with a /33: dropped, the router used");
	is_int(l.prefix, 24, "1 not contiguous: the class C default");
	is_int(l.n_dns, 0, "6 of 3 bytes: dropped");
	ok(l.note != NULL, "the first drop is noted (option %u: %s)", l.note_option,
	   l.note ? l.note : "");

	/* 119: a pointer chain that goes back and forth is refused, not followed forever */
	usual(&r, DHCPACK, 1, ADDR, 600);
	r.n--;
	static const uint8_t pingpong[] = {1, 'a', 0xc0, 4, 1, 'b', 0xc0, 0};
	opt(&r, 119, pingpong, sizeof pingpong);
	is_int(dhcp_parse(r.b, end(&r), MAC, &l), 0, "119 ping-pong pointers:");
	is_str(l.search, "", "... refused");
	/* T1/T2 that make no sense: the defaults */
	usual(&r, DHCPACK, 1, ADDR, 100);
	r.n--;
	opt32(&r, 58, 90);
	opt32(&r, 59, 80);
	is_int(dhcp_parse(r.b, end(&r), MAC, &l), 0, "T1 after T2:");
	ok(l.t1_s == 50 && l.t2_s == 88, "... the defaults instead (%u, %u)", l.t1_s, l.t2_s);
	usual(&r, DHCPACK, 1, ADDR, DHCP_INFINITE);
	is_int(dhcp_parse(r.b, r.n, MAC, &l), 0, "an infinite lease");
	ok(l.t1_s == DHCP_INFINITE && l.t2_s == DHCP_INFINITE, "... has no T1, T2");
}

/* ---- the state machine, through its seam ---- */

struct sent {
	uint8_t type, broadcast, to_server;
	uint8_t ciaddr[4], requested[4];
	uint32_t xid;
};

static struct fake {
	struct sent sent[64];
	int n_sent;
	int binds, unbinds, bind_fails;
	struct dhcp_lease bound;
	char why[160];
	uint32_t rnd;
} F;

static int f_send(struct dhcp_client *c, const uint8_t *m, size_t len, const uint8_t *to)
{
	(void)c;
	struct sent *s = &F.sent[F.n_sent < 63 ? F.n_sent++ : 63];
	memset(s, 0, sizeof *s);
	s->xid = (uint32_t)m[4] << 24 | (uint32_t)m[5] << 16 | (uint32_t)m[6] << 8 | m[7];
	s->broadcast = m[10] == 0x80;
	s->to_server = to && !memcmp(to, SERVER, 4);
	memcpy(s->ciaddr, m + 12, 4);
	for (size_t i = 240; i < len && m[i] != 255; i += 2u + m[i + 1]) {
		if (m[i] == 53)
			s->type = m[i + 2];
		if (m[i] == 50)
			memcpy(s->requested, m + i + 2, 4);
	}
	return 0;
}

static int f_bind(struct dhcp_client *c, const struct dhcp_lease *l, const struct dhcp_lease *old)
{
	(void)c, (void)old;
	if (F.bind_fails)
		return F.bind_fails--, -EEXIST;
	F.binds++;
	F.bound = *l;
	return 0;
}

static void f_unbind(struct dhcp_client *c, const struct dhcp_lease *l, const char *why)
{
	(void)c, (void)l;
	F.unbinds++;
	snprintf(F.why, sizeof F.why, "%s", why);
}

static uint32_t f_random(struct dhcp_client *c)
{
	(void)c;
	return F.rnd += 0x9e3779b9u;
}

static const struct dhcp_ops fops = {
    .send = f_send, .bind = f_bind, .unbind = f_unbind, .random = f_random};

static const struct sent *last(void)
{
	return &F.sent[F.n_sent - 1];
}

/* The server answers the last message with type (OFFER/ACK/NAK). */
static void answer(struct dhcp_client *c, uint64_t now, uint8_t type, uint32_t lease)
{
	struct reply r;
	size_t n = usual(&r, type, last()->xid, ADDR, lease);
	if (type != DHCPNAK) {
		r.n--;
		opt32(&r, 58, 10);
		opt32(&r, 59, 20);
		n = end(&r);
	}
	dhcp_input(c, now, r.b, n);
}

static void fresh(struct dhcp_client *c)
{
	memset(&F, 0, sizeof F);
	dhcp_init(c, &fops, NULL, MAC);
}

static void test_discover_to_bound(void)
{
	static struct dhcp_client c;
	fresh(&c);
	uint64_t t = 1000;
	dhcp_start(&c, t, NULL);
	ok(c.state == DHCP_SELECTING && F.n_sent == 1 && last()->type == DHCPDISCOVER,
	   "start: a DISCOVER at once");
	ok(last()->broadcast && !last()->to_server, "... broadcast, asking for broadcast replies");
	ok(dhcp_listening(&c), "... and listening");
	/* retransmissions: 1, 2, 4 ... 64 s, each within [d/2, 3d/2) */
	int in_range = 1;
	for (unsigned k = 0; k < 9; k++) {
		uint64_t d = dhcp_deadline(&c) - t, base = 1000ull << (k < 6 ? k : 6);
		in_range &= d >= base / 2 && d < base + base / 2;
		t += d;
		dhcp_timeout(&c, t);
	}
	ok(in_range, "DISCOVERs back off 1, 2, 4 ... 64 s with jitter, capped at 64 s");
	ok(F.n_sent == 10 && c.retries == 9, "each retry sent and counted (%d sent, %lu retries)",
	   F.n_sent, c.retries);
	uint32_t xid = last()->xid;
	/* a reply for another exchange is ignored */
	struct reply r;
	size_t n = usual(&r, DHCPOFFER, xid + 1, ADDR, 120);
	dhcp_input(&c, t, r.b, n);
	ok(c.state == DHCP_SELECTING, "an offer with another xid: ignored");
	answer(&c, t, DHCPOFFER, 120);
	ok(c.state == DHCP_REQUESTING && last()->type == DHCPREQUEST && last()->xid == xid,
	   "an offer: REQUEST it, same xid");
	ok(!memcmp(last()->requested, ADDR, 4) && last()->broadcast,
	   "... for its address, broadcast");
	/* an ACK from another server is not ours to take */
	n = usual(&r, DHCPACK, xid, ADDR, 120);
	memcpy(r.b + 240 + 3 + 2, "\xc0\xa8\x4d\x09", 4); /* server id .9 */
	dhcp_input(&c, t, r.b, n);
	ok(c.state == DHCP_REQUESTING && F.binds == 0, "an ACK from another server: ignored");
	t += 300;
	answer(&c, t, DHCPACK, 120);
	ok(c.state == DHCP_BOUND && F.binds == 1 && c.has_lease, "the ACK: bound, lease in place");
	ok(!dhcp_listening(&c), "bound: not listening (the socket may close)");
	is_int(dhcp_deadline(&c), c.sent_ms + 10000, "bound: the only deadline is T1");
	is_int(c.expiry_ms - c.sent_ms, 120000, "the lease counts from the REQUEST");
	is_int(c.acquired, 1, "one lease acquired");
}

static void bound_client(struct dhcp_client *c, uint64_t *t)
{
	fresh(c);
	dhcp_start(c, *t, NULL);
	answer(c, *t, DHCPOFFER, 120);
	answer(c, *t, DHCPACK, 120);
	F.n_sent = 0;
}

static void test_renew_rebind_expire(void)
{
	static struct dhcp_client c;
	uint64_t t = 5000;
	bound_client(&c, &t);
	uint64_t t0 = c.bound_ms;
	t = dhcp_deadline(&c);
	dhcp_timeout(&c, t);
	ok(c.state == DHCP_RENEWING && F.n_sent == 1, "T1: RENEWING, one REQUEST");
	ok(last()->to_server && !last()->broadcast && !memcmp(last()->ciaddr, ADDR, 4),
	   "... unicast to the server, ciaddr set, no broadcast flag");
	ok(dhcp_listening(&c), "... listening again");
	is_int(dhcp_deadline(&c), t0 + 20000, "renewing: retry at most until T2 (min 10 s)");
	answer(&c, t + 50, DHCPACK, 120);
	ok(c.state == DHCP_BOUND && c.renewed == 1 && F.binds == 2, "renewed: bound again");
	is_int(c.expiry_ms, t + 120000, "the renewal's lease counts from its REQUEST");

	/* the server goes away: T1, T2, expiry */
	t = dhcp_deadline(&c);
	dhcp_timeout(&c, t); /* T1 */
	t = dhcp_deadline(&c);
	dhcp_timeout(&c, t); /* T2 */
	ok(c.state == DHCP_REBINDING && last()->broadcast == 0 && !last()->to_server &&
	       !memcmp(last()->ciaddr, ADDR, 4),
	   "T2 with no answer: REBINDING, broadcast to any server, ciaddr set");
	ok(c.has_lease && F.unbinds == 0, "the address stays while the lease lasts");
	int sends = F.n_sent;
	while (c.state == DHCP_REBINDING) {
		t = dhcp_deadline(&c);
		dhcp_timeout(&c, t);
	}
	ok(F.n_sent - sends >= 3 && F.n_sent - sends <= 12, "rebinding retried %d times, bounded",
	   F.n_sent - sends);
	is_int(t, c.expiry_ms ? c.expiry_ms : t, "the end of the lease");
	ok(F.unbinds == 1 && !c.has_lease && c.lost == 1,
	   "expired: the lease is taken away, counted");
	ok(strstr(F.why, "expired") != NULL, "... saying why (%s)", F.why);
	ok(c.state == DHCP_SELECTING && last()->type == DHCPDISCOVER, "... and a new DISCOVER");
}

static void test_rebind_answered(void)
{
	static struct dhcp_client c;
	uint64_t t = 1000;
	bound_client(&c, &t);
	dhcp_timeout(&c, t = dhcp_deadline(&c));
	dhcp_timeout(&c, t = dhcp_deadline(&c));
	ok(c.state == DHCP_REBINDING, "rebinding");
	dhcp_timeout(&c, t = dhcp_deadline(&c)); /* a retry, 50 s later */
	answer(&c, t + 5, DHCPACK, 120);
	ok(c.state == DHCP_BOUND && c.renewed == 1 && F.unbinds == 0,
	   "a server answers the rebinding retry: bound, never unbound");
	ok(c.t1_ms == t + 10000 && dhcp_deadline(&c) == c.t1_ms,
	   "the new lease counts from that retry: T1 ahead, not passed already");
}

static void test_nak(void)
{
	static struct dhcp_client c;
	uint64_t t = 1000;
	bound_client(&c, &t);
	dhcp_timeout(&c, t = dhcp_deadline(&c));
	answer(&c, t, DHCPNAK, 0);
	ok(F.unbinds == 1 && !c.has_lease && c.naks == 1, "a NAK while renewing: the lease goes");
	ok(strstr(F.why, "DHCPNAK") != NULL, "... saying so (%s)", F.why);
	ok(c.state == DHCP_SELECTING && last()->type == DHCPDISCOVER, "... DISCOVER at once");
	answer(&c, t, DHCPOFFER, 120);
	answer(&c, t, DHCPNAK, 0);
	ok(c.state == DHCP_SELECTING && dhcp_deadline(&c) > t, "a second NAK in a row: backs off");
	int n = F.n_sent;
	dhcp_timeout(&c, dhcp_deadline(&c));
	ok(F.n_sent == n + 1 && last()->type == DHCPDISCOVER, "... then DISCOVER");
}

static void test_init_reboot(void)
{
	static struct dhcp_client c;
	fresh(&c);
	uint64_t t = 1000;
	dhcp_start(&c, t, ADDR);
	ok(c.state == DHCP_REBOOTING && last()->type == DHCPREQUEST &&
	       !memcmp(last()->requested, ADDR, 4) && last()->broadcast,
	   "a hint: INIT-REBOOT, a broadcast REQUEST for it");
	answer(&c, t + 10, DHCPACK, 120);
	ok(c.state == DHCP_BOUND && c.reboot && F.n_sent == 1, "ACKed: bound with one message");

	fresh(&c);
	dhcp_start(&c, t, ADDR);
	answer(&c, t, DHCPNAK, 0);
	ok(c.state == DHCP_SELECTING && last()->type == DHCPDISCOVER && F.unbinds == 0,
	   "INIT-REBOOT refused: DISCOVER");

	fresh(&c);
	dhcp_start(&c, t, ADDR);
	for (int i = 0; i < DHCP_REBOOT_TRIES; i++)
		dhcp_timeout(&c, t = dhcp_deadline(&c));
	ok(c.state == DHCP_SELECTING && last()->type == DHCPDISCOVER,
	   "INIT-REBOOT unanswered %d times: DISCOVER", DHCP_REBOOT_TRIES);
}

static void test_requesting_gives_up(void)
{
	static struct dhcp_client c;
	fresh(&c);
	uint64_t t = 1000;
	dhcp_start(&c, t, NULL);
	answer(&c, t, DHCPOFFER, 120);
	for (int i = 0; i < DHCP_REQUEST_TRIES; i++)
		dhcp_timeout(&c, t = dhcp_deadline(&c));
	ok(c.state == DHCP_SELECTING && last()->type == DHCPDISCOVER,
	   "an offer never confirmed: back to DISCOVER after %d REQUESTs", DHCP_REQUEST_TRIES);
	/* a lease that cannot be put in place is not taken */
	F.bind_fails = 1;
	answer(&c, t, DHCPOFFER, 120);
	answer(&c, t, DHCPACK, 120);
	ok(c.state == DHCP_SELECTING && !c.has_lease && dhcp_deadline(&c) > t,
	   "bind fails: no lease, DISCOVER again after a backoff");
}

static void test_infinite_and_save(void)
{
	static struct dhcp_client c, d;
	static char text[DHCP_FILE_MAX];
	static struct dhcp_saved s;
	uint64_t t = 1000;
	fresh(&c);
	dhcp_start(&c, t, NULL);
	answer(&c, t, DHCPOFFER, DHCP_INFINITE);
	answer(&c, t, DHCPACK, DHCP_INFINITE);
	ok(c.state == DHCP_BOUND && dhcp_deadline(&c) == 0, "an infinite lease: no timer at all");

	bound_client(&c, &t);
	dhcp_timeout(&c, t = dhcp_deadline(&c)); /* renewing */
	c.retries = 3, c.naks = 1;
	size_t n = dhcp_save(&c, text);
	ok(n > 500 && n < DHCP_FILE_MAX && text[n - 1] == '\n', "saved: one line (%zu bytes)", n);
	text[n] = '\0';
	is_int(dhcp_saved_parse(text, &s), 0, "the line parses");
	ok(s.state == DHCP_RENEWING && s.bound_ms == c.bound_ms && s.counters[0] == 3 &&
	       s.counters[1] == 1 && s.ack_len == c.ack_len,
	   "state, time, counters and the ACK come back");
	dhcp_init(&d, &fops, NULL, MAC);
	is_int(dhcp_restore(&d, t + 1, &s), 0, "restored");
	ok(d.state == DHCP_RENEWING && d.has_lease && !memcmp(d.lease.addr, ADDR, 4) &&
	       d.expiry_ms == c.expiry_ms && dhcp_deadline(&d) == t + 1,
	   "... renewing the same lease, asking again at once");
	text[20] = 'x';
	ok(dhcp_saved_parse("pact-dhcp1 bound x", &s) < 0 && dhcp_saved_parse("junk", &s) < 0,
	   "a damaged line is refused");
	dhcp_init(&d, &fops, NULL, MAC);
	ok(dhcp_saved_parse("pact-dhcp1 selecting 0 0 5 0 0 0 0 -\n", &s) == 0 &&
	       dhcp_restore(&d, t, &s) == 0 && d.state == DHCP_SELECTING && d.retries == 5,
	   "a client that had no lease looks for one again");
}

/* ---- what the node's programs read (os/netfiles.c) ---- */

static void test_netfiles(void)
{
	static const uint8_t dns[4][4] = {
	    {10, 0, 0, 1}, {10, 0, 0, 2}, {10, 0, 0, 3}, {10, 0, 0, 4}};
	char text[512], dir[] = "/tmp/pact-unit-netfiles.XXXXXX", run[256], etc[256], buf[512];
	net_resolv_text(text, sizeof text, "DHCP on eth0", "a.test b.test", dns, 4);
	is_str(text,
	       "# written by pact-init from DHCP on eth0\nsearch a.test b.test\n"
	       "nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n",
	       "resolv.conf: search, then at most 3 name servers (glibc reads no more)");
	net_resolv_text(text, sizeof text, "ip=", "", dns, 1);
	is_str(text, "# written by pact-init from ip=\nnameserver 10.0.0.1\n",
	       "no search line when none");
	ok(mkdtemp(dir) != NULL, "a temporary directory");
	snprintf(run, sizeof run, "%s/run-resolv.conf", dir);
	snprintf(etc, sizeof etc, "%s/resolv.conf", dir);
	write_file_atomic(etc, "nameserver 192.0.2.1\n", 21, 0644);
	is_int(net_resolv_install(run, etc, text, buf, sizeof buf), 0, "install over a plain file");
	ssize_t n = readlink(etc, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, run, "the plain file became a link to the run directory's");
	read_file(etc, buf, sizeof buf);
	is_str(buf, text, "which holds the text");
	is_int(net_resolv_install(run, etc, "# two\n", buf, sizeof buf), 0, "install again");
	read_file(etc, buf, sizeof buf);
	is_str(buf, "# two\n", "the link stays, the text is new");
	char bad[300];
	snprintf(bad, sizeof bad, "%s/nodir/resolv.conf", dir);
	ok(net_resolv_install(run, bad, text, buf, sizeof buf) < 0 && strstr(buf, bad),
	   "a link that cannot be made: an error naming the path (%s)", buf);
	is_int(net_chrony_sources(dir, "eth0", dns, 2, buf, sizeof buf), 0, "chrony's source file");
	snprintf(etc, sizeof etc, "%s/eth0.sources", dir);
	read_file(etc, buf, sizeof buf);
	is_str(buf, "server 10.0.0.1 iburst\nserver 10.0.0.2 iburst\n",
	       "one server line each, iburst");
	is_int(net_chrony_sources(dir, "eth0", dns, 0, buf, sizeof buf), 0, "no servers:");
	ok(access(etc, F_OK) < 0, "... the file is removed");
	unlink(run);
	unlink(bad);
	snprintf(etc, sizeof etc, "%s/resolv.conf", dir);
	unlink(etc);
	ok(rmdir(dir) == 0, "nothing else was left behind");
}

int main(void)
{
	test_build();
	test_parse_options();
	test_parse_overload();
	test_parse_hostile();
	test_discover_to_bound();
	test_renew_rebind_expire();
	test_rebind_answered();
	test_nak();
	test_init_reboot();
	test_requesting_gives_up();
	test_infinite_and_save();
	test_netfiles();
	return done_testing();
}
