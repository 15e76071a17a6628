/*
 * `pactctl net` (see net.h): a snapshot of the kernel's links, addresses
 * and routes (bounded), and the DHCP leases pact-init holds (its lease
 * files, <run_dir>/dhcp/<ifname>.lease), rendered for a tool (through the
 * one JSON writer, lib/json_write.c) or for a human.
 */
#include "pactctl/net.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "os/dhcp.h"
#include "os/netlist.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <time.h>
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
#define DUMP_LEASES 16

struct snapshot {
	struct net_link_info links[DUMP_LINKS];
	struct net_addr_info addrs[DUMP_ADDRS];
	struct net_route_info routes[DUMP_ROUTES];
	int nl, na, nr;
};

struct lease_view {
	char ifname[NET_IFNAME_MAX];
	struct dhcp_saved s;
	struct dhcp_lease l;   /* when s.ack_len */
	long long t1, t2, end; /* seconds from now; the lease has no end: -1 */
};

static struct lease_view leases[DUMP_LEASES];

static long long left_s(uint64_t bound_ms, uint32_t s, uint64_t now)
{
	if (s == DHCP_INFINITE)
		return -1;
	uint64_t at = bound_ms + 1000ull * s;
	return at > now ? (long long)((at - now) / 1000) : 0;
}

/* The lease files, by name; bad ones are skipped. */
static int read_leases(const char *run_dir)
{
	char dir[PATH_MAX], path[PATH_MAX];
	static char text[DHCP_FILE_MAX + 1];
	struct timespec ts;
	int n = 0;
	if (!run_dir || path_fmt(dir, sizeof dir, "%s/dhcp", run_dir) < 0)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* the daemon's clock */
	uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (struct dirent *e; n < DUMP_LEASES && (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		struct lease_view *v = &leases[n];
		if (len <= 6 || len - 6 >= sizeof v->ifname ||
		    strcmp(e->d_name + len - 6, ".lease") ||
		    path_fmt(path, sizeof path, "%s/%s", dir, e->d_name) < 0 ||
		    read_file(path, text, sizeof text) <= 0 || dhcp_saved_parse(text, &v->s) < 0)
			continue;
		memcpy(v->ifname, e->d_name, len - 6);
		v->ifname[len - 6] = '\0';
		if (v->s.ack_len && dhcp_parse(v->s.ack, v->s.ack_len, NULL, &v->l) < 0)
			v->s.ack_len = 0;
		v->t1 = left_s(v->s.bound_ms, v->l.t1_s, now);
		v->t2 = left_s(v->s.bound_ms, v->l.t2_s, now);
		v->end = left_s(v->s.bound_ms, v->l.lease_s, now);
		n++;
	}
	closedir(d);
	/* in name order, whatever the directory's */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(leases[j - 1].ifname, leases[j].ifname) > 0; j--) {
			struct lease_view t = leases[j];
			leases[j] = leases[j - 1];
			leases[j - 1] = t;
		}
	return n;
}

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

static void json_ips(struct json_writer *w, const char *key, const uint8_t (*ips)[4], int n)
{
	char b[16];
	json_w_key(w, key);
	json_w_arr_begin(w);
	for (int i = 0; i < n; i++)
		json_w_string(w, dhcp_ip(ips[i], b));
	json_w_arr_end(w);
}

static void json_kv(struct json_writer *w, const char *key, const char *v)
{
	json_w_key(w, key);
	json_w_string(w, v);
}

static void json_kn(struct json_writer *w, const char *key, long long v)
{
	json_w_key(w, key);
	json_w_i64(w, v);
}

static void json_lease(struct json_writer *w, const struct lease_view *v)
{
	const struct dhcp_lease *l = &v->l;
	char b[16], r[24];
	json_kv(w, "address", dhcp_ip(l->addr, b));
	json_kn(w, "prefix", l->prefix);
	json_kv(w, "server", dhcp_ip(l->server, b));
	json_kv(w, "how", v->s.reboot ? "init-reboot" : "discover");
	json_kn(w, "lease_s", l->lease_s == DHCP_INFINITE ? -1 : (long long)l->lease_s);
	json_kn(w, "renew_in_s", v->t1);
	json_kn(w, "rebind_in_s", v->t2);
	json_kn(w, "expires_in_s", v->end);
	json_ips(w, "routers", l->routers, l->n_routers);
	json_w_key(w, "routes");
	json_w_arr_begin(w);
	for (int i = 0; i < l->n_routes; i++) {
		json_w_obj_begin(w);
		snprintf(r, sizeof r, "%s/%u", dhcp_ip(l->routes[i].dst, b), l->routes[i].len);
		json_kv(w, "dst", r);
		json_kv(w, "gateway", dhcp_ip(l->routes[i].gw, b));
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
	json_kn(w, "mtu", l->mtu);
	json_ips(w, "dns", l->dns, l->n_dns);
	json_kv(w, "domain", l->domain);
	json_kv(w, "search", l->search);
	json_ips(w, "ntp", l->ntp, l->n_ntp);
	json_kv(w, "hostname", l->hostname);
}

static void json_leases(struct json_writer *w, int n)
{
	static const char *const counters[] = {"retries", "naks", "acquired", "renewed", "lost"};
	json_w_key(w, "leases");
	json_w_arr_begin(w);
	for (int i = 0; i < n; i++) {
		json_w_obj_begin(w);
		json_kv(w, "ifname", leases[i].ifname);
		json_kv(w, "state", dhcp_state_name(leases[i].s.state));
		if (leases[i].s.ack_len)
			json_lease(w, &leases[i]);
		for (int k = 0; k < 5; k++)
			json_kn(w, counters[k], (long long)leases[i].s.counters[k]);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
}

int net_dump_json(int fd, const char *run_dir)
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
	json_leases(&w, read_leases(run_dir));
	json_w_obj_end(&w);
	int n = json_w_finish(&w);
	if (n < 0)
		return n;
	buf[n++] = '\n';
	return write_all(fd, buf, (size_t)n);
}

static void text_leases(struct out *o, int n)
{
	char a[16], b[16];
	for (int i = 0; i < n; i++) {
		const struct lease_view *v = &leases[i];
		const struct dhcp_lease *l = &v->l;
		outf(o, "dhcp %s: %s", v->ifname, dhcp_state_name(v->s.state));
		if (!v->s.ack_len) {
			outf(o, ", no lease (%lu retries)\n", v->s.counters[0]);
			continue;
		}
		outf(o, " %s/%u from %s (%s)", dhcp_ip(l->addr, a), l->prefix,
		     dhcp_ip(l->server, b), v->s.reboot ? "INIT-REBOOT" : "DISCOVER");
		if (v->end < 0)
			outf(o, ", a lease without end\n");
		else
			outf(o, ", renews in %lld s, rebinds in %lld s, ends in %lld s\n", v->t1,
			     v->t2, v->end);
		outf(o, "    dns");
		for (int k = 0; k < l->n_dns; k++)
			outf(o, " %s", dhcp_ip(l->dns[k], a));
		outf(o, "; search %s; ntp", l->search[0] ? l->search : l->domain);
		for (int k = 0; k < l->n_ntp; k++)
			outf(o, " %s", dhcp_ip(l->ntp[k], a));
		outf(o, "; mtu %u; host name %s\n", l->mtu, l->hostname);
		outf(o, "    %lu retries, %lu NAKs, %lu renewals, %lu leases lost\n",
		     v->s.counters[0], v->s.counters[1], v->s.counters[3], v->s.counters[4]);
	}
}

int net_dump_text(int fd, const char *run_dir)
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
	text_leases(&o, read_leases(run_dir));
	out_flush(&o);
	return o.err;
}
