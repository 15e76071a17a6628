/*
 * `pactctl net` (see net.h): a snapshot of the kernel's links, addresses
 * and routes (bounded), rendered for a tool or for a human.
 */
#include "pactctl/net.h"
#include "lib/fileio.h"
#include "os/netlist.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

struct out {
	int fd;
	int err;
	size_t n;
	char buf[1024];
};

#define DUMP_LINKS  64
#define DUMP_ADDRS  128
#define DUMP_ROUTES 128

struct snapshot {
	struct net_link_info links[DUMP_LINKS];
	struct net_addr_info addrs[DUMP_ADDRS];
	struct net_route_info routes[DUMP_ROUTES];
	int nl, na, nr;
};

static void out_flush(struct out *o)
{
	if (o->n && !o->err)
		o->err = write_all(o->fd, o->buf, o->n);
	o->n = 0;
}

__attribute__((format(printf, 2, 3))) static void outf(struct out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
	if (o->n + len > sizeof o->buf)
		out_flush(o);
	memcpy(o->buf + o->n, tmp, len);
	o->n += len;
}

/* Interface names may hold quotes or backslashes: escape for JSON. */
static void json_str(struct out *o, const char *s)
{
	outf(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			outf(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			outf(o, "\\u%04x", c);
		else
			outf(o, "%c", c);
	}
	outf(o, "\"");
}

static const char *oper_name(int s)
{
	static const char *const names[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
					    "TESTING", "DORMANT",    "UP"};
	return s >= 0 && s <= 6 ? names[s] : "UNKNOWN";
}

static const char *name_of(const struct net_link_info *l, int nl, int ifindex)
{
	for (int i = 0; i < nl; i++)
		if (l[i].ifindex == ifindex)
			return l[i].ifname;
	return "";
}

static int take_snapshot(struct snapshot *s)
{
	s->nl = net_list_links(s->links, DUMP_LINKS);
	if (s->nl < 0)
		return s->nl;
	s->na = net_list_addrs(s->addrs, DUMP_ADDRS);
	if (s->na < 0)
		return s->na;
	s->nr = net_list_routes(s->routes, DUMP_ROUTES);
	if (s->nr < 0)
		return s->nr;
	s->nl = s->nl < DUMP_LINKS ? s->nl : DUMP_LINKS;
	s->na = s->na < DUMP_ADDRS ? s->na : DUMP_ADDRS;
	s->nr = s->nr < DUMP_ROUTES ? s->nr : DUMP_ROUTES;
	return 0;
}

static void json_links(struct out *o, const struct snapshot *s)
{
	outf(o, "\"links\":[");
	for (int i = 0; i < s->nl; i++) {
		const struct net_link_info *l = &s->links[i];
		outf(o, "%s{\"ifindex\":%d,\"ifname\":", i ? "," : "", l->ifindex);
		json_str(o, l->ifname);
		outf(o, ",\"up\":%s,\"carrier\":%s,\"mtu\":%u,\"operstate\":\"%s\"",
		     l->flags & IFF_UP ? "true" : "false",
		     l->flags & IFF_LOWER_UP ? "true" : "false", l->mtu, oper_name(l->operstate));
		if (l->has_mac)
			outf(o, ",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"", l->mac[0], l->mac[1],
			     l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
		outf(o, "}");
	}
	outf(o, "]");
}

static void json_addrs(struct out *o, const struct snapshot *s)
{
	outf(o, ",\"addresses\":[");
	for (int i = 0; i < s->na; i++) {
		const struct net_addr_info *a = &s->addrs[i];
		char txt[INET6_ADDRSTRLEN];
		(void)net_ip_format(&a->addr, txt, sizeof txt);
		outf(o, "%s{\"ifname\":", i ? "," : "");
		json_str(o, name_of(s->links, s->nl, a->ifindex));
		outf(o, ",\"family\":\"%s\",\"address\":\"%s\",\"prefix\":%d}",
		     a->addr.family == AF_INET ? "inet" : "inet6", txt, a->prefix);
	}
	outf(o, "]");
}

static void json_routes(struct out *o, const struct snapshot *s)
{
	outf(o, ",\"routes\":[");
	for (int i = 0; i < s->nr; i++) {
		const struct net_route_info *r = &s->routes[i];
		char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
		(void)net_ip_format(&r->dst, dst, sizeof dst);
		(void)net_ip_format(&r->gw, gw, sizeof gw);
		outf(o, "%s{\"family\":\"%s\",\"dst\":", i ? "," : "",
		     r->dst.family == AF_INET ? "inet" : "inet6");
		if (r->dst_len == 0)
			outf(o, "\"default\"");
		else
			outf(o, "\"%s/%d\"", dst, r->dst_len);
		if (r->gw.family)
			outf(o, ",\"gateway\":\"%s\"", gw);
		outf(o, ",\"dev\":");
		json_str(o, name_of(s->links, s->nl, r->oif));
		outf(o, ",\"protocol\":%d}", r->protocol);
	}
	outf(o, "]");
}

int net_dump_json(int fd)
{
	static struct snapshot s; /* ~20 KiB: keep it off the stack */
	int r = take_snapshot(&s);
	if (r < 0)
		return r;
	struct out o = {.fd = fd};
	outf(&o, "{");
	json_links(&o, &s);
	json_addrs(&o, &s);
	json_routes(&o, &s);
	outf(&o, "}\n");
	out_flush(&o);
	return o.err;
}

int net_dump_text(int fd)
{
	static struct snapshot s;
	int r = take_snapshot(&s);
	if (r < 0)
		return r;
	struct out o = {.fd = fd};
	for (int i = 0; i < s.nl; i++) {
		const struct net_link_info *l = &s.links[i];
		outf(&o, "%d: %s %s%s mtu %u state %s\n", l->ifindex, l->ifname,
		     l->flags & IFF_UP ? "UP" : "DOWN", l->flags & IFF_LOWER_UP ? ",LOWER_UP" : "",
		     l->mtu, oper_name(l->operstate));
		for (int j = 0; j < s.na; j++) {
			if (s.addrs[j].ifindex != l->ifindex)
				continue;
			char txt[INET6_ADDRSTRLEN];
			(void)net_ip_format(&s.addrs[j].addr, txt, sizeof txt);
			outf(&o, "    %s %s/%d\n",
			     s.addrs[j].addr.family == AF_INET ? "inet" : "inet6", txt,
			     s.addrs[j].prefix);
		}
	}
	for (int i = 0; i < s.nr; i++) {
		const struct net_route_info *rt = &s.routes[i];
		char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
		(void)net_ip_format(&rt->dst, dst, sizeof dst);
		(void)net_ip_format(&rt->gw, gw, sizeof gw);
		if (rt->dst_len == 0)
			outf(&o, "route default");
		else
			outf(&o, "route %s/%d", dst, rt->dst_len);
		if (rt->gw.family)
			outf(&o, " via %s", gw);
		outf(&o, " dev %s\n", name_of(s.links, s.nl, rt->oif));
	}
	out_flush(&o);
	return o.err;
}
