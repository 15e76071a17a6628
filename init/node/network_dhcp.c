/*
 * The DHCP clients of ConfigureNetwork (see network_dhcp.h). Why in PID 1
 * and not in a helper process: a lease must be renewed for as long as the
 * node runs, whatever became of the boot phase's child, and PID 1 is the
 * one process that is always there; the state machine (os/dhcp.c) needs
 * only a socket and a timer, both already what the loop multiplexes, and
 * a helper would cost a process, a supervision entry and a protocol to
 * tell PID 1 (status, metrics, the node's name) what it learned. Applying
 * a lease is a few netlink round trips to the local kernel, each bounded.
 *
 * Quiet at idle: while BOUND the socket is closed (other nodes' broadcast
 * replies wake nobody) and the only timer is T1.
 *
 * Each client writes its state to <run_dir>/dhcp/<ifname>.lease at every
 * change (os/dhcp.h): `pactctl net` reads it, and a client that is not in
 * memory (after a live re-exec, or a boot retry) takes its lease back
 * from it instead of asking again.
 */
#include "node/network_dhcp.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "os/dhcp_sock.h"
#include "os/netconf.h"
#include "os/netfiles.h"
#include "os/netlease.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#define MAX_CLIENTS (NET_MAX_IFACES + 1)

struct client {
	char ifname[NET_IFNAME_MAX];
	int fd; /* -1 while no exchange is on */
	struct timer timer;
	struct dhcp_client dhcp;
	int mtu_fixed;	/* init.conf sets the MTU: option 26 is not applied */
	int in_acquire; /* the boot waits for its lease */
	unsigned sent;	/* messages sent since the boot started it */
	uint64_t start_ms;
	char error[NET_ERR_MAX]; /* why the last lease could not be put in place */
};

static struct client clients[MAX_CLIENTS] PAGE_ALIGNED;
static int n_clients;
static network_dhcp_done_fn acquire_done;
static struct timer acquire_timer;
static unsigned acquire_ms;
/* from ip= */
static char static_if[NET_IFNAME_MAX], send_hostname[NET_HOSTNAME_MAX + 1];
static uint8_t static_dns[2][4], static_ntp[1][4];
static int n_static_dns, n_static_ntp;
static char last_resolv[1024];

static void sync_client(struct client *c);

/* ---- the client's outside world (struct dhcp_ops) ---- */

static void on_readable(void *ctx, int fd, uint32_t events)
{
	(void)events;
	struct client *c = ctx;
	uint8_t buf[DHCP_PKT_MAX];
	/* a few per wakeup: a flood cannot hold the loop (epoll calls again) */
	for (int i = 0; i < 8 && c->fd == fd; i++) {
		ssize_t n = dhcp_sock_recv(fd, buf, sizeof buf);
		if (n < 0)
			break;
		if (n > 0)
			dhcp_input(&c->dhcp, now_ms(), buf, (size_t)n);
	}
	sync_client(c);
}

static void on_timer(void *ctx)
{
	struct client *c = ctx;
	dhcp_timeout(&c->dhcp, now_ms());
	sync_client(c);
}

static int do_send(struct dhcp_client *d, const uint8_t *msg, size_t len, const uint8_t *to)
{
	struct client *c = d->ctx;
	if (c->fd < 0) {
		int fd = dhcp_sock_open(c->ifname);
		if (fd >= 0 && loop_add_fd(fd, EPOLLIN, on_readable, c) < 0) {
			close_fd(fd);
			fd = -EMFILE;
		}
		if (fd < 0) {
			log_warn("dhcp: %s: socket: %s", c->ifname, strerror(-fd));
			return fd;
		}
		c->fd = fd;
	}
	c->sent++;
	int r = dhcp_sock_send(c->fd, msg, len, to);
	if (r < 0)
		log_debug("dhcp: %s: send: %s", c->ifname, strerror(-r));
	return r;
}

static uint32_t do_random(struct dhcp_client *d)
{
	uint32_t v;
	if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v)
		return v;
	/* no entropy yet this early in boot: the MAC and the clock still
	 * differ from node to node */
	static uint32_t x = 2463534242u;
	x ^= (uint32_t)now_ms() ^ (uint32_t)d->mac[5] << 8 ^ (uint32_t)d->mac[4] << 16;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static int do_bind(struct dhcp_client *d, const struct dhcp_lease *l, const struct dhcp_lease *old)
{
	struct client *c = d->ctx;
	char err[NET_ERR_MAX], a[16], s[16];
	uint64_t now = now_ms(), end = d->sent_ms + 1000ull * l->lease_s;
	unsigned valid = l->lease_s == DHCP_INFINITE ? 0
			 : end > now + 1000	     ? (unsigned)((end - now) / 1000)
						     : 1;
	int r = net_lease_apply(c->ifname, l, old, valid, !c->mtu_fixed, err, sizeof err);
	if (r < 0) {
		snprintf(c->error, sizeof c->error, "%s", err);
		log_err("dhcp: %s", err);
		return r;
	}
	c->error[0] = '\0';
	if (err[0])
		log_warn("dhcp: %s (the lease stands)", err);
	if (l->note)
		log_warn("dhcp: %s: option %u from %s dropped: %s", c->ifname, l->note_option,
			 dhcp_ip(l->server, s), l->note);
	dhcp_ip(l->addr, a);
	if (old && !memcmp(old->addr, l->addr, 4))
		log_info("dhcp: %s: %s renewed by %s for %u s", c->ifname, a, dhcp_ip(l->server, s),
			 l->lease_s);
	else
		log_notice("dhcp: %s: %s/%u from %s, lease %u s, renewal in %u s%s (%llu ms)",
			   c->ifname, a, l->prefix, dhcp_ip(l->server, s), l->lease_s, l->t1_s,
			   d->state == DHCP_REBOOTING ? ", by INIT-REBOOT" : "",
			   (unsigned long long)(now - c->start_ms));
	return 0;
}

static void do_unbind(struct dhcp_client *d, const struct dhcp_lease *l, const char *why)
{
	struct client *c = d->ctx;
	char a[16];
	log_err("dhcp: %s: LEASE LOST: %s is gone, %s; its address and routes are removed, "
		"looking for a new lease",
		c->ifname, dhcp_ip(l->addr, a), why);
	net_lease_remove(c->ifname, l);
}

/* <run_dir>/dhcp/<ifname>.lease */
static int lease_path(char *buf, size_t cap, const char *ifname)
{
	return path_fmt(buf, cap, "%s/dhcp/%s.lease", cfg.run_dir, ifname);
}

static void write_lease_file(const struct client *c)
{
	char path[PATH_MAX];
	static char buf[DHCP_FILE_MAX];
	size_t len = dhcp_save(&c->dhcp, buf);
	if (run_path(path, sizeof path, "dhcp") < 0 || mkdir_p(path, 0755) < 0 ||
	    lease_path(path, sizeof path, c->ifname) < 0 ||
	    write_file_atomic(path, buf, len, 0644) < 0)
		log_warn("dhcp: %s: cannot write its lease file", c->ifname);
}

static void do_changed(struct dhcp_client *d, enum dhcp_state from)
{
	struct client *c = d->ctx;
	char a[16], s[16];
	dhcp_ip(d->lease.addr, a);
	dhcp_ip(d->lease.server, s);
	if (d->state == DHCP_RENEWING)
		log_info("dhcp: %s: renewing %s with %s (T1)", c->ifname, a, s);
	else if (d->state == DHCP_REBINDING)
		log_warn(
		    "dhcp: %s: %s does not answer; rebinding %s with any server (T2), the lease "
		    "ends in %llu s",
		    c->ifname, s, a, (unsigned long long)(d->expiry_ms - now_ms()) / 1000);
	else if (d->state == DHCP_REBOOTING)
		log_info("dhcp: %s: asking for %s again (INIT-REBOOT)", c->ifname,
			 dhcp_ip(d->offer_addr, a));
	else if (from == DHCP_REBOOTING && d->state == DHCP_SELECTING)
		log_info("dhcp: %s: %s %s; looking for a lease", c->ifname,
			 dhcp_ip(d->offer_addr, a),
			 d->naks ? "refused (DHCPNAK)" : "not confirmed");
	write_lease_file(c);
	if (d->state == DHCP_BOUND || from >= DHCP_BOUND)
		network_dhcp_publish();
}

static const struct dhcp_ops ops = {
    .send = do_send,
    .bind = do_bind,
    .unbind = do_unbind,
    .changed = do_changed,
    .random = do_random,
};

/* ---- the clients ---- */

static struct client *find(const char *ifname)
{
	for (int i = 0; i < n_clients; i++)
		if (!strcmp(clients[i].ifname, ifname))
			return &clients[i];
	return NULL;
}

/* A new client for ifname (its MAC read now), or NULL with why in err. */
static struct client *add(const char *ifname, char *err, size_t errlen)
{
	struct net_link_info li;
	if (n_clients == MAX_CLIENTS) {
		snprintf(err, errlen, "%s: more than %d DHCP interfaces", ifname, MAX_CLIENTS);
		return NULL;
	}
	if (net_link_get(ifname, &li, err, errlen) < 0)
		return NULL;
	struct client *c = &clients[n_clients++];
	memset(c, 0, sizeof *c);
	snprintf(c->ifname, sizeof c->ifname, "%s", ifname);
	c->fd = -1;
	c->start_ms = now_ms();
	dhcp_init(&c->dhcp, &ops, c, li.mac);
	c->dhcp.hostname = send_hostname[0] ? send_hostname : NULL;
	/* a client of this boot that is not in memory any more: take it back */
	static struct dhcp_saved saved;
	static char text[DHCP_FILE_MAX + 1];
	char path[PATH_MAX];
	if (lease_path(path, sizeof path, ifname) >= 0 && read_file(path, text, sizeof text) > 0 &&
	    dhcp_saved_parse(text, &saved) == 0) {
		if (dhcp_restore(&c->dhcp, c->start_ms, &saved) < 0)
			log_warn("dhcp: %s: %s does not hold a lease", ifname, path);
		else if (c->dhcp.has_lease)
			log_info("dhcp: %s: lease taken back from %s", ifname, path);
	}
	return c;
}

static struct client *get(const struct net_iface *ifc, char *err, size_t errlen)
{
	struct client *c = find(ifc->ifname);
	if (!c)
		c = add(ifc->ifname, err, errlen);
	if (c)
		c->mtu_fixed = ifc->mtu != 0;
	return c;
}

static void finish_acquire(int r, const char *why)
{
	network_dhcp_done_fn done = acquire_done;
	timer_cancel(&acquire_timer);
	acquire_done = NULL;
	for (int i = 0; i < n_clients; i++)
		clients[i].in_acquire = 0;
	if (done)
		done(r, why);
}

static void check_acquired(void)
{
	if (!acquire_done)
		return;
	for (int i = 0; i < n_clients; i++)
		if (clients[i].in_acquire && !clients[i].dhcp.has_lease)
			return;
	finish_acquire(0, "");
}

/* After every event of a client: its socket open only while it listens,
 * its timer at its deadline, and the boot told once all are bound. */
static void sync_client(struct client *c)
{
	if (!dhcp_listening(&c->dhcp) && c->fd >= 0) {
		loop_del_fd(c->fd);
		close_fd(c->fd);
		c->fd = -1;
	}
	uint64_t at = dhcp_deadline(&c->dhcp), now = now_ms();
	if (at)
		timer_arm(&c->timer, at > now ? at - now : 0, on_timer, c);
	else
		timer_cancel(&c->timer);
	check_acquired();
}

static void acquire_timeout(void *ctx)
{
	(void)ctx;
	char why[512] = "", s[16];
	size_t used = 0;
	for (int i = 0; i < n_clients; i++) {
		struct client *c = &clients[i];
		if (!c->in_acquire || c->dhcp.has_lease)
			continue;
		char lack[NET_ERR_MAX + 64];
		if (c->error[0])
			snprintf(lack, sizeof lack, "%s", c->error);
		else if (c->dhcp.state == DHCP_REQUESTING)
			snprintf(lack, sizeof lack, "the offer of %s was never confirmed",
				 dhcp_ip(c->dhcp.offer_server, s));
		else
			snprintf(lack, sizeof lack, "no DHCP server answered %u requests", c->sent);
		int k =
		    snprintf(why + used, sizeof why - used, "%s%s: no DHCP lease after %u s: %s",
			     used ? "; " : "", c->ifname, acquire_ms / 1000, lack);
		if (k > 0 && (size_t)k < sizeof why - used)
			used += (size_t)k;
		dhcp_stop(&c->dhcp);
		sync_client(c);
	}
	finish_acquire(-ETIMEDOUT, why);
}

void network_dhcp_acquire(const struct net_iface *ifs, int n, unsigned timeout_ms,
			  network_dhcp_done_fn done)
{
	char err[NET_ERR_MAX];
	struct client *cs[NET_MAX_IFACES + 1] = {0};
	acquire_done = done;
	acquire_ms = timeout_ms;
	/* every client first, so that none is taken for the last one */
	for (int i = 0; i < n && i <= NET_MAX_IFACES; i++) {
		if (ifs[i].dhcp && !(cs[i] = get(&ifs[i], err, sizeof err))) {
			finish_acquire(-ENODEV, err);
			return;
		}
		if (cs[i])
			cs[i]->in_acquire = 1;
	}
	for (int i = 0; i < n && i <= NET_MAX_IFACES; i++) {
		struct client *c = cs[i];
		if (c && c->dhcp.state == DHCP_STOPPED) {
			int hint = ifs[i].addr.family == AF_INET;
			c->sent = 0;
			c->start_ms = now_ms();
			c->error[0] = '\0';
			if (!hint) /* else the REBOOTING state says it */
				log_info("dhcp: %s: looking for a lease", c->ifname);
			dhcp_start(&c->dhcp, c->start_ms, hint ? ifs[i].addr.a : NULL);
		}
		if (c) /* started, kept up since an earlier attempt, or taken back */
			sync_client(c);
	}
	if (acquire_done)
		timer_arm(&acquire_timer, timeout_ms, acquire_timeout, NULL);
	check_acquired(); /* none to wait for: done at once */
}

/* ---- what the node's programs read ---- */

void network_dhcp_set_static(const struct net_plan *p, const char *ifname, const char *hostname)
{
	snprintf(static_if, sizeof static_if, "%s", ifname ? ifname : "");
	snprintf(send_hostname, sizeof send_hostname, "%s", hostname ? hostname : "");
	n_static_dns = n_static_ntp = 0;
	for (int i = 0; i < 2; i++)
		if (p->dns[i].family == AF_INET)
			memcpy(static_dns[n_static_dns++], p->dns[i].a, 4);
	if (p->ntp.family == AF_INET)
		memcpy(static_ntp[n_static_ntp++], p->ntp.a, 4);
}

static int add_ip(uint8_t (*list)[4], int n, int max, const uint8_t a[4])
{
	for (int i = 0; i < n; i++)
		if (!memcmp(list[i], a, 4))
			return n;
	if (n < max)
		memcpy(list[n++], a, 4);
	return n;
}

/* sep and s at the end of buf, if all of it fits */
static void append(char *buf, size_t cap, const char *sep, const char *s)
{
	size_t used = strlen(buf), sl = strlen(sep), n = strlen(s);
	if (!n || used + sl + n >= cap)
		return;
	if (used) {
		memcpy(buf + used, sep, sl);
		used += sl;
	}
	memcpy(buf + used, s, n + 1);
}

/* The path of name in the directory that holds dir: /run/pact -> /run/name. */
static int beside(char *buf, size_t cap, const char *dir, const char *name)
{
	const char *slash = strrchr(dir, '/');
	int len = slash ? (int)(slash - dir) : 0;
	return path_fmt(buf, cap, "%.*s/%s", len, dir, name);
}

/* resolv.conf from ip= (first: the command line is the most specific)
 * and every lease; nothing is written until there is something to say. */
static void publish_resolv(void)
{
	uint8_t dns[NET_RESOLV_MAX_NS][4];
	char search[DHCP_SEARCH_MAX + 1] = "", from[96] = "", text[sizeof last_resolv], err[300];
	int n = 0;
	for (int i = 0; i < n_static_dns; i++)
		n = add_ip(dns, n, NET_RESOLV_MAX_NS, static_dns[i]);
	if (n_static_dns)
		snprintf(from, sizeof from, "ip=");
	for (int i = 0; i < n_clients; i++) {
		const struct dhcp_lease *l = &clients[i].dhcp.lease;
		if (!clients[i].dhcp.has_lease)
			continue;
		for (int k = 0; k < l->n_dns; k++)
			n = add_ip(dns, n, NET_RESOLV_MAX_NS, l->dns[k]);
		append(search, sizeof search, " ", l->search[0] ? l->search : l->domain);
		append(from, sizeof from, ", ", "DHCP on ");
		append(from, sizeof from, "", clients[i].ifname);
	}
	if (!n && !search[0])
		return;
	net_resolv_text(text, sizeof text, from, search, dns, n);
	if (!strcmp(text, last_resolv))
		return;
	char run[PATH_MAX], etc[PATH_MAX];
	/* the resolv.conf beside the configuration directory: /etc/resolv.conf */
	if (run_path(run, sizeof run, "resolv.conf") < 0 ||
	    beside(etc, sizeof etc, cfg.config_dir, "resolv.conf") < 0)
		return;
	if (net_resolv_install(run, etc, text, err, sizeof err) < 0) {
		log_err("dns: %s; programs will not find the name servers", err);
		return;
	}
	snprintf(last_resolv, sizeof last_resolv, "%s", text);
	log_info("dns: %s written (%d name servers%s%s)", etc, n, search[0] ? ", search " : "",
		 search);
}

/* chrony's <dirname run_dir>/chrony-dhcp/<ifname>.sources, the directory
 * Debian's chrony.conf reads (sourcedir), for ip='s ntp0 and each lease. */
static void publish_ntp(void)
{
	char dir[PATH_MAX], err[300];
	if (beside(dir, sizeof dir, cfg.run_dir, "chrony-dhcp") < 0)
		return;
	int done = !static_if[0] || !n_static_ntp;
	for (int i = 0; i <= n_clients; i++) {
		const struct client *c = i < n_clients ? &clients[i] : NULL;
		const char *ifname = c ? c->ifname : static_if;
		uint8_t ntp[DHCP_MAX_SERVERS + 1][4];
		int k = 0;
		if (!c && done)
			break;
		if (n_static_ntp && !strcmp(static_if, ifname)) {
			k = add_ip(ntp, k, DHCP_MAX_SERVERS + 1, static_ntp[0]);
			done = 1;
		}
		for (int j = 0; c && c->dhcp.has_lease && j < c->dhcp.lease.n_ntp; j++)
			k = add_ip(ntp, k, DHCP_MAX_SERVERS + 1, c->dhcp.lease.ntp[j]);
		if (net_chrony_sources(dir, ifname, (const uint8_t(*)[4])ntp, k, err, sizeof err) <
		    0)
			log_warn("ntp: %s", err);
	}
}

void network_dhcp_publish(void)
{
	publish_resolv();
	publish_ntp();
}

const char *network_dhcp_hostname(void)
{
	for (int i = 0; i < n_clients; i++)
		if (clients[i].dhcp.has_lease && clients[i].dhcp.lease.hostname[0])
			return clients[i].dhcp.lease.hostname;
	return NULL;
}

const struct dhcp_client *network_dhcp_client(int i, const char **ifname)
{
	if (i < 0 || i >= n_clients)
		return NULL;
	*ifname = clients[i].ifname;
	return &clients[i].dhcp;
}

void network_dhcp_restore(const struct net_iface *ifs, int n)
{
	char err[NET_ERR_MAX];
	for (int i = 0; i < n; i++) {
		struct client *c = ifs[i].dhcp ? get(&ifs[i], err, sizeof err) : NULL;
		if (c)
			sync_client(c);
		else if (ifs[i].dhcp)
			log_err("dhcp: after the re-exec: %s", err);
	}
	network_dhcp_publish();
}
