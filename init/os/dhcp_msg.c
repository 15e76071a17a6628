/*
 * dhcp_msg: build a client's DHCP request, parse a server's reply into a
 * lease (see dhcp_msg.h). Every read is bounded by the datagram; the
 * options are found by walking the areas again for each code (a few
 * hundred bytes each time), which keeps the walk the only place that
 * trusts a length byte.
 */
#include "os/dhcp_msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define OFF_SNAME   44
#define OFF_FILE    108
#define OFF_COOKIE  236
#define OFF_OPTIONS 240

static const uint8_t cookie[4] = {99, 130, 83, 99};

/* What the client asks for (option 55): dnsmasq sends only what is asked. */
static const uint8_t wanted[] = {1, 3, 6, 12, 15, 26, 42, 51, 54, 58, 59, 119, 121};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *put_opt(uint8_t *o, uint8_t code, const void *data, size_t len)
{
	o[0] = code;
	o[1] = (uint8_t)len;
	memcpy(o + 2, data, len);
	return o + 2 + len;
}

static int is_zero(const uint8_t a[4])
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

size_t dhcp_build(uint8_t *b, const struct dhcp_req *r)
{
	memset(b, 0, DHCP_REQ_MAX);
	b[0] = 1; /* BOOTREQUEST */
	b[1] = 1; /* Ethernet */
	b[2] = 6;
	for (int i = 0; i < 4; i++)
		b[4 + i] = (uint8_t)(r->xid >> (24 - 8 * i));
	b[8] = (uint8_t)(r->secs >> 8);
	b[9] = (uint8_t)r->secs;
	b[10] = r->broadcast ? 0x80 : 0;
	memcpy(b + 12, r->ciaddr, 4);
	memcpy(b + 28, r->mac, 6);
	memcpy(b + OFF_COOKIE, cookie, 4);
	uint8_t *o = b + OFF_OPTIONS;
	o = put_opt(o, 53, &r->type, 1);
	/* client id 01:MAC, as iPXE sends it: the server sees one client */
	uint8_t id[7] = {1};
	memcpy(id + 1, r->mac, 6);
	o = put_opt(o, 61, id, sizeof id);
	if (!is_zero(r->requested))
		o = put_opt(o, 50, r->requested, 4);
	if (!is_zero(r->server))
		o = put_opt(o, 54, r->server, 4);
	static const uint8_t maxsize[2] = {1500 >> 8, 1500 & 0xff}; /* IP datagram */
	o = put_opt(o, 57, maxsize, 2);
	o = put_opt(o, 60, "pact-init", 9); /* sites can match on it */
	size_t hl = r->hostname ? strlen(r->hostname) : 0;
	if (hl && hl <= DHCP_NAME_MAX)
		o = put_opt(o, 12, r->hostname, hl);
	o = put_opt(o, 55, wanted, sizeof wanted);
	*o++ = 255;
	size_t len = (size_t)(o - b);
	return len < 300 ? 300 : len; /* BOOTP's minimum: some relays drop less */
}

const char *dhcp_ip(const uint8_t a[4], char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	return buf;
}

/* ---- parsing ---- */

struct msg {
	const uint8_t *p;
	size_t n;
	uint8_t overload; /* option 52: 1 file, 2 sname hold options too */
};

struct optbuf {
	size_t len;
	uint8_t d[DHCP_PKT_MAX]; /* every instance of one code, concatenated */
};

/* Append every instance of code in one area to o; -EBADMSG if an option
 * runs past the area. Pad and a missing end are tolerated. */
static int walk(const uint8_t *p, size_t n, uint8_t code, struct optbuf *o, int *found)
{
	size_t i = 0;
	while (i < n && p[i] != 255) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if (i + 2 > n || i + 2 + p[i + 1] > n)
			return -EBADMSG;
		if (p[i] == code) {
			memcpy(o->d + o->len, p + i + 2, p[i + 1]); /* fits: o->d holds a packet */
			o->len += p[i + 1];
			*found = 1;
		}
		i += 2u + p[i + 1];
	}
	return 0;
}

/* Option code (RFC 3396: concatenated over options, file, sname): 1 found,
 * 0 absent, -EBADMSG. Code 0 finds nothing and so checks every area. */
static int opt(const struct msg *m, uint8_t code, struct optbuf *o)
{
	int found = 0;
	o->len = 0;
	int r = walk(m->p + OFF_OPTIONS, m->n - OFF_OPTIONS, code, o, &found);
	if (r == 0 && (m->overload & 1))
		r = walk(m->p + OFF_FILE, 128, code, o, &found);
	if (r == 0 && (m->overload & 2))
		r = walk(m->p + OFF_SNAME, 64, code, o, &found);
	return r < 0 ? r : found;
}

/* An option of exactly len bytes into out: 1, 0 absent or the wrong size. */
static int opt_fixed(const struct msg *m, uint8_t code, void *out, size_t len)
{
	struct optbuf o;
	if (opt(m, code, &o) != 1 || o.len != len)
		return 0;
	memcpy(out, o.d, len);
	return 1;
}

/* The first option dropped, and why (the rest of the lease stands). */
static void note(struct dhcp_lease *l, uint8_t option, const char *why)
{
	if (!l->note) {
		l->note = why;
		l->note_option = option;
	}
}

/* A unicast host address: not 0/8, loopback, multicast, class E, broadcast. */
static int unicast(const uint8_t a[4])
{
	return a[0] != 0 && a[0] != 127 && a[0] < 224;
}

/* Letters, digits, '-', '_', dot-separated labels of 1..63. */
static int name_ok(const char *s, size_t n)
{
	size_t label = 0;
	if (n == 0 || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

/* A name option (12, 15): one trailing NUL or dot is tolerated. */
static void name_opt(const struct msg *m, struct dhcp_lease *l, uint8_t code, char *out, size_t cap)
{
	struct optbuf o;
	if (opt(m, code, &o) != 1)
		return;
	size_t n = o.len;
	if (n && o.d[n - 1] == 0)
		n--;
	if (n && o.d[n - 1] == '.')
		n--;
	if (n >= cap || !name_ok((const char *)o.d, n)) {
		note(l, code, "not a valid name");
		return;
	}
	memcpy(out, o.d, n);
	out[n] = '\0';
}

/* Addresses (3, 6, 42): a multiple of 4 bytes; unusable ones are skipped. */
static uint8_t addr_list(const struct msg *m, struct dhcp_lease *l, uint8_t code, uint8_t out[][4])
{
	struct optbuf o;
	if (opt(m, code, &o) != 1)
		return 0;
	if (o.len == 0 || o.len % 4) {
		note(l, code, "not a list of addresses");
		return 0;
	}
	uint8_t k = 0;
	for (size_t i = 0; i < o.len && k < DHCP_MAX_SERVERS; i += 4)
		if (unicast(o.d + i))
			memcpy(out[k++], o.d + i, 4);
	return k;
}

/* RFC 1035 names with compression (RFC 3397: pointers into the option's
 * own data). Each pointer must go before the previous one's target, so
 * no loop is possible. Returns 0 or -1 (malformed). */
static int search_list(const uint8_t *d, size_t n, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t pos = 0; pos < n;) {
		char name[256];
		size_t nl = 0, i = pos, next = 0, limit = n;
		for (;;) {
			if (i >= n)
				return -1;
			uint8_t c = d[i];
			if (c == 0) {
				if (!next)
					next = i + 1;
				break;
			}
			if ((c & 0xc0) == 0xc0) {
				if (i + 1 >= n)
					return -1;
				size_t to = (size_t)(c & 0x3f) << 8 | d[i + 1];
				if (!next)
					next = i + 2;
				if (to >= limit || to >= i)
					return -1;
				limit = i = to;
				continue;
			}
			if (c > 63 || i + 1 + c > n || nl + c + 1 >= sizeof name)
				return -1;
			if (nl)
				name[nl++] = '.';
			memcpy(name + nl, d + i + 1, c);
			nl += c;
			i += 1u + c;
		}
		pos = next;
		if (!nl)
			continue; /* the root: nothing to search */
		if (!name_ok(name, nl))
			return -1;
		if (used + nl + 1 >= cap)
			break; /* resolv.conf's limit: keep the first ones */
		if (used)
			out[used++] = ' ';
		memcpy(out + used, name, nl);
		used += nl;
		out[used] = '\0';
	}
	return 0;
}

/* RFC 3442: width, the significant octets of the destination, router. */
static int classless(const uint8_t *d, size_t n, struct dhcp_lease *l)
{
	uint8_t k = 0;
	for (size_t i = 0; i < n;) {
		uint8_t w = d[i];
		size_t sig = (w + 7u) / 8;
		if (w > 32 || i + 1 + sig + 4 > n)
			return -1;
		struct dhcp_route r = {.len = w};
		memcpy(r.dst, d + i + 1, sig);
		if (w % 8)
			r.dst[sig - 1] &= (uint8_t)(0xff << (8 - w % 8));
		memcpy(r.gw, d + i + 1 + sig, 4);
		i += 1 + sig + 4;
		if ((!is_zero(r.gw) && !unicast(r.gw)) || k == DHCP_MAX_ROUTES) {
			note(l, 121, "a route dropped: a bad router, or too many");
			continue;
		}
		l->routes[k++] = r;
	}
	l->n_routes = k;
	return 0;
}

static int classful(const uint8_t a[4])
{
	return a[0] < 128 ? 8 : a[0] < 192 ? 16 : 24;
}

static void prefix_opt(const struct msg *m, struct dhcp_lease *l)
{
	uint8_t mask[4];
	l->prefix = (uint8_t)classful(l->addr);
	if (!opt_fixed(m, 1, mask, 4))
		return;
	uint32_t v = get32(mask), inv = ~v;
	if (v == 0 || (inv & (inv + 1))) {
		note(l, 1, "not a netmask");
		return;
	}
	l->prefix = (uint8_t)(32 - __builtin_popcount(inv));
}

static void times(const struct msg *m, struct dhcp_lease *l)
{
	uint8_t v[4];
	if (l->lease_s == DHCP_INFINITE) {
		l->t1_s = l->t2_s = DHCP_INFINITE;
		return;
	}
	if (l->lease_s < DHCP_MIN_LEASE_S) {
		note(l, 51, "a lease shorter than 10 s, taken as 10 s");
		l->lease_s = DHCP_MIN_LEASE_S;
	}
	l->t1_s = opt_fixed(m, 58, v, 4) ? get32(v) : 0;
	l->t2_s = opt_fixed(m, 59, v, 4) ? get32(v) : 0;
	/* T1 at least 5 s: a server cannot make us renew in a loop */
	if (!(l->t1_s >= DHCP_MIN_LEASE_S / 2 && l->t1_s < l->t2_s && l->t2_s < l->lease_s)) {
		l->t1_s = l->lease_s / 2;
		l->t2_s = l->lease_s - l->lease_s / 8;
	}
}

static void routing(const struct msg *m, struct dhcp_lease *l)
{
	struct optbuf o;
	l->n_routers = addr_list(m, l, 3, l->routers);
	if (opt(m, 121, &o) == 1) {
		if (classless(o.d, o.len, l) == 0)
			return;
		l->n_routes = 0;
		note(l, 121, "malformed; the router option is used");
	}
	if (l->n_routers) {
		memcpy(l->routes[0].gw, l->routers[0], 4);
		l->n_routes = 1; /* 0.0.0.0/0 */
	}
}

static void options(const struct msg *m, struct dhcp_lease *l)
{
	struct optbuf o;
	uint8_t v[4];
	prefix_opt(m, l);
	times(m, l);
	routing(m, l);
	l->n_dns = addr_list(m, l, 6, l->dns);
	l->n_ntp = addr_list(m, l, 42, l->ntp);
	if (opt_fixed(m, 26, v, 2)) {
		l->mtu = (uint16_t)(v[0] << 8 | v[1]);
		if (l->mtu < 68) {
			note(l, 26, "an MTU below 68");
			l->mtu = 0;
		}
	}
	name_opt(m, l, 12, l->hostname, sizeof l->hostname);
	name_opt(m, l, 15, l->domain, sizeof l->domain);
	if (opt(m, 119, &o) == 1 && search_list(o.d, o.len, l->search, sizeof l->search) < 0) {
		l->search[0] = '\0';
		note(l, 119, "malformed");
	}
}

static int bad(struct dhcp_lease *l, const char *why)
{
	l->note = why;
	return -EBADMSG;
}

int dhcp_parse(const uint8_t *p, size_t n, const uint8_t mac[6], struct dhcp_lease *l)
{
	memset(l, 0, sizeof *l);
	if (n < OFF_OPTIONS || memcmp(p + OFF_COOKIE, cookie, 4) != 0)
		return bad(l, "too short or no magic cookie");
	if (p[0] != 2 || p[1] != 1 || p[2] != 6 || (mac && memcmp(p + 28, mac, 6) != 0))
		return -ENOMSG; /* not a reply, or for another client */
	struct msg m = {p, n, 0};
	struct optbuf o;
	if (opt_fixed(&m, 52, &m.overload, 1))
		m.overload &= 3;
	if (opt(&m, 0, &o) < 0)
		return bad(l, "an option runs past its area");
	l->xid = get32(p + 4);
	memcpy(l->addr, p + 16, 4);
	if (!opt_fixed(&m, 53, &l->type, 1) ||
	    (l->type != DHCPOFFER && l->type != DHCPACK && l->type != DHCPNAK))
		return -ENOMSG;
	if (!opt_fixed(&m, 54, l->server, 4) || !unicast(l->server))
		return bad(l, "no usable server identifier");
	if (opt(&m, 56, &o) == 1) {
		size_t k = o.len < sizeof l->message ? o.len : sizeof l->message - 1;
		for (size_t i = 0; i < k; i++)
			l->message[i] = o.d[i] >= ' ' && o.d[i] < 127 ? (char)o.d[i] : '?';
	}
	if (l->type == DHCPNAK)
		return 0;
	uint8_t v[4];
	if (!unicast(l->addr))
		return bad(l, "yiaddr is not a unicast address");
	if (!opt_fixed(&m, 51, v, 4))
		return bad(l, "no lease time");
	l->lease_s = get32(v);
	options(&m, l);
	return 0;
}
