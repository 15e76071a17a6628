/*
 * `pactctl net` (see net.h): a snapshot of the kernel's links, addresses
 * and routes (bounded), rendered for a tool (through the one JSON writer,
 * lib/json_write.c) or for a human.
 */
#include "pactctl/net.h"
#include "lib/fileio.h"
#include "lib/json.h"
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

static void json_links(struct json_writer *w, const struct snapshot *s)
{
	json_w_key(w, "links");
	json_w_arr_begin(w);
	for (int i = 0; i < s->nl; i++) {
		const struct net_link_info *l = &s->links[i];
		json_w_obj_begin(w);
		json_w_key(w, "ifindex");
		json_w_i64(w, l->ifindex);
		json_w_key(w, "ifname");
		json_w_string(w, l->ifname);
		json_w_key(w, "up");
		json_w_bool(w, l->flags & IFF_UP);
		json_w_key(w, "carrier");
		json_w_bool(w, l->flags & IFF_LOWER_UP);
		json_w_key(w, "mtu");
		json_w_u64(w, l->mtu);
		json_w_key(w, "operstate");
		json_w_string(w, oper_name(l->operstate));
		if (l->has_mac) {
			char mac[18];
			snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0],
				 l->mac[1], l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
			json_w_key(w, "mac");
			json_w_string(w, mac);
		}
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
}

static const char *family_name(int family)
{
	return family == AF_INET ? "inet" : "inet6";
}

static void json_addrs(struct json_writer *w, const struct snapshot *s)
{
	json_w_key(w, "addresses");
	json_w_arr_begin(w);
	for (int i = 0; i < s->na; i++) {
		const struct net_addr_info *a = &s->addrs[i];
		char txt[INET6_ADDRSTRLEN];
		(void)net_ip_format(&a->addr, txt, sizeof txt);
		json_w_obj_begin(w);
		json_w_key(w, "ifname");
		json_w_string(w, name_of(s->links, s->nl, a->ifindex));
		json_w_key(w, "family");
		json_w_string(w, family_name(a->addr.family));
		json_w_key(w, "address");
		json_w_string(w, txt);
		json_w_key(w, "prefix");
		json_w_i64(w, a->prefix);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
}

static void json_routes(struct json_writer *w, const struct snapshot *s)
{
	json_w_key(w, "routes");
	json_w_arr_begin(w);
	for (int i = 0; i < s->nr; i++) {
		const struct net_route_info *r = &s->routes[i];
		char dst[INET6_ADDRSTRLEN + 8], gw[INET6_ADDRSTRLEN];
		(void)net_ip_format(&r->dst, dst, sizeof dst);
		(void)net_ip_format(&r->gw, gw, sizeof gw);
		if (r->dst_len == 0)
			snprintf(dst, sizeof dst, "default");
		else
			snprintf(dst + strlen(dst), sizeof dst - strlen(dst), "/%d", r->dst_len);
		json_w_obj_begin(w);
		json_w_key(w, "family");
		json_w_string(w, family_name(r->dst.family));
		json_w_key(w, "dst");
		json_w_string(w, dst);
		if (r->gw.family) {
			json_w_key(w, "gateway");
			json_w_string(w, gw);
		}
		json_w_key(w, "dev");
		json_w_string(w, name_of(s->links, s->nl, r->oif));
		json_w_key(w, "protocol");
		json_w_i64(w, r->protocol);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
}

int net_dump_json(int fd)
{
	static struct snapshot s;   /* ~20 KiB: keep it off the stack */
	static char buf[96 * 1024]; /* the largest snapshot's JSON is under half of it */
	int r = take_snapshot(&s);
	if (r < 0)
		return r;
	struct json_writer w;
	json_w_init(&w, buf, sizeof buf - 1);
	json_w_obj_begin(&w);
	json_links(&w, &s);
	json_addrs(&w, &s);
	json_routes(&w, &s);
	json_w_obj_end(&w);
	int n = json_w_finish(&w);
	if (n < 0)
		return n;
	buf[n++] = '\n';
	return write_all(fd, buf, (size_t)n);
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
