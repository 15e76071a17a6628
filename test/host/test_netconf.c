/*
 * Host tier: netconf against the real kernel, as root, in a fresh network
 * (and mount, for a matching /sys) namespace made in a forked child. Every
 * change is read back from the kernel by a path independent of netconf
 * where one exists: /sys/class/net, /proc/net/route, bind(2) on the address.
 */
#include "os/netplan.h"
#include "lib/loop.h"
#include "os/netconf.h"
#include "pactctl/net.h"
#include "lib/netlink.h"
#include "hostutil.h"
#include "tap.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

static char err[NET_ERR_MAX];

/* Test helper: RTM_NEWLINK kind veth with a named peer, through our builder. */
static int veth_create(const char *a, const char *b)
{
	struct nl_sock nl;
	static uint32_t buf[256];
	struct nl_msg m;
	int r = nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return r;
	nl_msg_init(&m, buf, sizeof buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nl_msg_put_extra(&m, sizeof(struct ifinfomsg));
	nl_attr_put_str(&m, IFLA_IFNAME, a);
	struct nlattr *li = nl_attr_nest_start(&m, IFLA_LINKINFO);
	nl_attr_put_str(&m, IFLA_INFO_KIND, "veth");
	struct nlattr *data = nl_attr_nest_start(&m, IFLA_INFO_DATA);
	struct nlattr *peer = nl_attr_nest_start(&m, VETH_INFO_PEER);
	nl_msg_put_extra(&m, sizeof(struct ifinfomsg));
	nl_attr_put_str(&m, IFLA_IFNAME, b);
	nl_attr_nest_end(&m, peer);
	nl_attr_nest_end(&m, data);
	nl_attr_nest_end(&m, li);
	r = nl_request(&nl, &m, NULL, NULL);
	if (r < 0)
		printf("# veth %s/%s: %s %s\n", a, b, strerror(-r), nl.ext_msg);
	nl_close(&nl);
	return r;
}

static long sys_num(const char *ifname, const char *file, int base)
{
	char path[128], buf[64];
	snprintf(path, sizeof path, "/sys/class/net/%s/%s", ifname, file);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	long v = -1;
	if (fgets(buf, sizeof buf, f))
		v = strtol(buf, NULL, base);
	fclose(f);
	return v;
}

static int sys_str(const char *ifname, const char *file, char *out, size_t cap)
{
	char path[128];
	snprintf(path, sizeof path, "/sys/class/net/%s/%s", ifname, file);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int r = fgets(out, (int)cap, f) ? 0 : -1;
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return r;
}

/* A /proc/net/route line for iface with this destination, mask and gateway
 * (dotted, converted to the file's host-order hex of network-order words). */
static int proc_route(const char *iface, const char *dst, const char *mask, const char *gw)
{
	struct in_addr d, mk, g;
	inet_pton(AF_INET, dst, &d);
	inet_pton(AF_INET, mask, &mk);
	inet_pton(AF_INET, gw, &g);
	FILE *f = fopen("/proc/net/route", "re");
	if (!f)
		return 0;
	char line[256];
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		char ifn[32];
		unsigned int dd, gg, flags, refc, use, metric, mm;
		if (sscanf(line, "%31s %x %x %x %u %u %u %x", ifn, &dd, &gg, &flags, &refc, &use,
			   &metric, &mm) != 8)
			continue;
		if (!strcmp(ifn, iface) && dd == d.s_addr && mm == mk.s_addr && gg == g.s_addr)
			found = 1;
	}
	fclose(f);
	return found;
}

/* The address is local iff a socket can bind to it (no nonlocal_bind in a fresh netns). */
static int can_bind(int family, const char *addr)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int r;
	if (family == AF_INET) {
		struct sockaddr_in sa = {.sin_family = AF_INET};
		inet_pton(AF_INET, addr, &sa.sin_addr);
		r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	} else {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
		inet_pton(AF_INET6, addr, &sa.sin6_addr);
		r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	}
	close(fd);
	return r == 0;
}

static int has_addr(const char *ifname, const char *addr, int prefix)
{
	struct net_addr_info a[64];
	struct net_ip want;
	int idx = net_ifindex(ifname, NULL, 0);
	int n = net_list_addrs(a, 64);
	if (idx < 0 || n < 0 || net_ip_parse(addr, 0, &want) < 0)
		return 0;
	for (int i = 0; i < n && i < 64; i++)
		if (a[i].ifindex == idx && a[i].prefix == prefix &&
		    a[i].addr.family == want.family &&
		    !memcmp(a[i].addr.a, want.a, want.family == AF_INET ? 4 : 16))
			return 1;
	return 0;
}

static int link_info(const char *ifname, struct net_link_info *out)
{
	struct net_link_info l[32];
	int n = net_list_links(l, 32);
	for (int i = 0; i < n && i < 32; i++)
		if (!strcmp(l[i].ifname, ifname)) {
			*out = l[i];
			return 0;
		}
	return -1;
}

static int has_default_route(const char *ifname, const char *gw)
{
	struct net_route_info r[64];
	struct net_ip g;
	int idx = net_ifindex(ifname, NULL, 0);
	int n = net_list_routes(r, 64);
	net_ip_parse(gw, 0, &g);
	for (int i = 0; i < n && i < 64; i++)
		if (r[i].dst_len == 0 && r[i].oif == idx && r[i].gw.family == g.family &&
		    !memcmp(r[i].gw.a, g.a, 16))
			return 1;
	return 0;
}

static int contains(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

static void test_lo(void)
{
	is_int(net_lo_up(err, sizeof err), 0, "lo up in a fresh net namespace (%s)", err);
	struct net_link_info li;
	ok(link_info("lo", &li) == 0 && (li.flags & IFF_UP), "lo: IFF_UP via RTM_GETLINK");
	long fl = sys_num("lo", "flags", 16);
	ok(fl >= 0 && (fl & IFF_UP), "lo: IFF_UP in /sys/class/net/lo/flags (0x%lx)", fl);
	is_int(net_ifindex("lo", err, sizeof err), 1, "lo: ifindex 1 in a fresh namespace");
	ok(has_addr("lo", "127.0.0.1", 8), "lo: 127.0.0.1/8 listed");
	ok(can_bind(AF_INET, "127.0.0.1"), "lo: 127.0.0.1 is bindable");
	is_int(net_lo_up(err, sizeof err), 0, "lo up again is fine");
}

static void test_ops(void)
{
	is_int(veth_create("pa", "pb"), 0, "veth pa/pb created over netlink (nested attributes)");
	ok(net_ifindex("pa", NULL, 0) > 1, "pa has an ifindex");

	is_int(net_set_mtu("pa", 1400, err, sizeof err), 0, "set mtu 1400 (%s)", err);
	is_int(sys_num("pa", "mtu", 10), 1400, "mtu 1400 in sysfs");
	struct net_link_info li;
	ok(link_info("pa", &li) == 0 && li.mtu == 1400, "mtu 1400 via RTM_GETLINK");

	is_int(net_link_up("pa", err, sizeof err), 0, "pa up");
	is_int(net_link_up("pb", err, sizeof err), 0, "pb up");
	ok(sys_num("pa", "flags", 16) & IFF_UP, "pa IFF_UP in sysfs");

	is_int(net_addr_add("pa", "192.0.2.10", 24, err, sizeof err), 0, "add 192.0.2.10/24 (%s)",
	       err);
	ok(has_addr("pa", "192.0.2.10", 24), "192.0.2.10/24 listed on pa");
	ok(can_bind(AF_INET, "192.0.2.10"), "192.0.2.10 is local (bind)");
	ok(proc_route("pa", "192.0.2.0", "255.255.255.0", "0.0.0.0"),
	   "connected route 192.0.2.0/24 on pa in /proc/net/route");
	is_int(net_addr_add("pa", "192.0.2.10", 24, err, sizeof err), 0,
	       "adding the same address again succeeds (%s)", err);

	is_int(net_route_add_default("192.0.2.1", "pa", err, sizeof err), 0,
	       "default route via 192.0.2.1 (%s)", err);
	ok(proc_route("pa", "0.0.0.0", "0.0.0.0", "192.0.2.1"),
	   "default via 192.0.2.1 dev pa in /proc/net/route");
	ok(has_default_route("pa", "192.0.2.1"), "default route listed via RTM_GETROUTE");
	is_int(net_route_add_default("192.0.2.1", "pa", err, sizeof err), 0,
	       "the same default route again succeeds (replace)");

	is_int(net_addr_add("pa", "2001:db8::10", 64, err, sizeof err), 0,
	       "add 2001:db8::10/64 (%s)", err);
	ok(has_addr("pa", "2001:db8::10", 64), "IPv6 address listed");

	/* errors name the device and carry the kernel's word */
	is_int(net_link_up("nosuch0", err, sizeof err), -ENODEV, "unknown device: -ENODEV");
	ok(contains(err, "nosuch0") && contains(err, "no such network device"),
	   "unknown device named in the error (%s)", err);
	is_int(net_addr_add("nosuch0", "192.0.2.12", 24, err, sizeof err), -ENODEV,
	       "address on an unknown device: -ENODEV");
	ok(contains(err, "nosuch0"), "... named (%s)", err);
	is_int(net_addr_add("pa", "192.0.2.11", 33, err, sizeof err), -EINVAL,
	       "prefix 33: the kernel refuses");
	ok(contains(err, "pa: add address 192.0.2.11/33") && contains(err, "Invalid argument"),
	   "... with the device, the operation and the errno (%s)", err);
	is_int(net_set_mtu("pa", 60, err, sizeof err), -EINVAL, "mtu 60: the kernel refuses");
	ok(contains(err, "pa: set mtu 60") && contains(err, "(kernel: ") &&
	       contains(err, "minimum"),
	   "... with the kernel's extended ack message (%s)", err);
	is_int(sys_num("pa", "mtu", 10), 1400, "the refused mtu left 1400");
	int r = net_route_add_default("203.0.113.1", "pa", err, sizeof err);
	ok(r == -ENETUNREACH && contains(err, "pa: add default route via 203.0.113.1"),
	   "gateway off the subnet: the kernel's error named (%d: %s)", r, err);
	is_int(net_addr_add("pa", "not-an-ip", 24, err, sizeof err), -EINVAL, "bad address text");
	ok(contains(err, "not-an-ip"), "... named (%s)", err);
}

static uint64_t t_ms(void)
{
	return now_ms();
}

static void test_carrier(void)
{
	is_int(veth_create("ca", "cb"), 0, "veth ca/cb created");
	net_link_up("ca", NULL, 0);
	is_int(sys_num("ca", "carrier", 10), 0, "ca has no carrier while cb is down");

	uint64_t t0 = t_ms();
	is_int(net_carrier_wait("ca", 300, err, sizeof err), -ETIMEDOUT,
	       "carrier wait times out while the peer is down");
	uint64_t dt = t_ms() - t0;
	ok(dt >= 290 && dt < 1300, "... within the bound (%llu ms for 300)",
	   (unsigned long long)dt);
	ok(contains(err, "ca: no carrier after 300 ms"), "... error named (%s)", err);

	struct net_carrier_watch w;
	is_int(net_carrier_watch_start(&w, "ca", err, sizeof err), 0, "watch: no carrier yet");
	is_int(net_carrier_watch_poll(&w, 0), 0, "watch: nothing pending");
	is_int(net_link_up("cb", err, sizeof err), 0, "peer cb up");
	t0 = t_ms();
	is_int(net_carrier_watch_poll(&w, 5000), 1, "watch: carrier notification arrives");
	dt = t_ms() - t0;
	ok(dt < 5000, "... before the bound (%llu ms)", (unsigned long long)dt);
	net_carrier_watch_stop(&w);
	is_int(sys_num("ca", "carrier", 10), 1, "sysfs agrees: carrier 1");
	t0 = t_ms();
	is_int(net_carrier_wait("ca", 2000, err, sizeof err), 0,
	       "carrier wait succeeds at once now");
	ok(t_ms() - t0 < 1000, "... without waiting");
	is_int(net_carrier_wait("nosuch0", 100, err, sizeof err), -ENODEV,
	       "carrier wait on an unknown device: -ENODEV");
	ok(contains(err, "nosuch0"), "... named (%s)", err);
}

static void test_apply(void)
{
	struct net_plan p;
	is_int(veth_create("ea", "eb"), 0, "veth ea/eb created");
	net_link_up("eb", NULL, 0);
	netplan_init(&p);
	p.carrier_timeout_ms = 3000;
	is_int(netplan_set(&p, "net.ea.mtu", "1280", err, sizeof err), 0, "init.conf mtu for ea");
	is_int(netplan_parse_ip(&p, "198.51.100.7::198.51.100.1:255.255.255.0:node7:ea:off", err,
				sizeof err),
	       0, "ip= for ea parsed");
	err[0] = '\0';
	is_int(net_apply(&p, err, sizeof err), 0, "net_apply with ip= (%s)", err);
	ok(sys_num("ea", "flags", 16) & IFF_UP, "ea up (sysfs)");
	is_int(sys_num("ea", "carrier", 10), 1, "ea carrier (sysfs)");
	char op[32] = "";
	sys_str("ea", "operstate", op, sizeof op);
	is_str(op, "up", "ea operstate up (sysfs)");
	is_int(sys_num("ea", "mtu", 10), 1280, "ea mtu 1280 from init.conf (sysfs)");
	ok(can_bind(AF_INET, "198.51.100.7") && has_addr("ea", "198.51.100.7", 24),
	   "198.51.100.7/24 on ea");
	ok(proc_route("ea", "0.0.0.0", "0.0.0.0", "198.51.100.1"),
	   "default via 198.51.100.1 dev ea (/proc/net/route)");
	is_str(p.hostname, "node7", "hostname kept for LoadIdentity");
	is_int(net_apply(&p, err, sizeof err), 0, "net_apply again (boot retry) (%s)", err);

	netplan_init(&p);
	netplan_parse_ip(&p, "198.51.100.8:::24::nosuch0:off", err, sizeof err);
	p.carrier_timeout_ms = 300;
	uint64_t t0 = t_ms();
	int r = net_apply(&p, err, sizeof err);
	uint64_t dt = t_ms() - t0;
	ok(r == -ENODEV && contains(err, "nosuch0: no such network device"),
	   "apply: unknown device named (%d: %s)", r, err);
	ok(dt >= 290 && dt < 1500, "apply: the device was waited for within the bound (%llu ms)",
	   (unsigned long long)dt);
	p.carrier_timeout_ms = 0;
	t0 = t_ms();
	r = net_apply(&p, err, sizeof err);
	ok(r == -ENODEV && t_ms() - t0 < 500, "apply: no wait with carrier_timeout_ms 0 (%s)", err);

	/* a device that appears while apply waits for it (late driver probe) */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct net_plan q;
		netplan_init(&q);
		q.carrier_timeout_ms = 5000;
		netplan_set(&q, "net.late0.address", "192.0.2.200/24", NULL, 0);
		_exit(net_apply(&q, NULL, 0) == 0 ? 0 : 1);
	}
	is_int(veth_create("late0", "late1"), 0, "veth late0/late1 created while apply waits");
	net_link_up("late1", NULL, 0);
	int st = -1;
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "apply: a late device is configured");
	ok(has_addr("late0", "192.0.2.200", 24), "apply: late0 has its address");

	netplan_init(&p);
	netplan_set(&p, "net.ea.address", "198.51.100.7/24", err, sizeof err);
	netplan_set(&p, "net.ea.gateway", "203.0.113.1", err, sizeof err);
	r = net_apply(&p, err, sizeof err);
	ok(r == -ENETUNREACH && contains(err, "ea: add default route via 203.0.113.1"),
	   "apply: unreachable gateway named with the kernel's error (%d: %s)", r, err);

	netplan_init(&p);
	netplan_set(&p, "net.ea.mtu", "60", err, sizeof err);
	r = net_apply(&p, err, sizeof err);
	ok(r == -EINVAL && contains(err, "ea: set mtu 60") && contains(err, "kernel: "),
	   "apply: mtu below the device minimum, kernel's message (%s)", err);

	is_int(veth_create("fa", "fb"), 0, "veth fa/fb created (fb stays down)");
	netplan_init(&p);
	netplan_set(&p, "net.fa.address", "203.0.113.5/24", err, sizeof err);
	netplan_set(&p, "net.carrier_timeout_ms", "300", err, sizeof err);
	t0 = t_ms();
	r = net_apply(&p, err, sizeof err);
	dt = t_ms() - t0;
	ok(r == -ETIMEDOUT && contains(err, "fa: no carrier after 300 ms"),
	   "apply: no carrier fails naming the device (%s)", err);
	ok(dt >= 290 && dt < 1500, "apply: carrier bound kept (%llu ms)", (unsigned long long)dt);
}

/* The lowest-ifindex Ethernet device per sysfs, independent of netconf. */
static int first_ether(char *out, size_t cap)
{
	static const char *const names[] = {"pa", "pb", "ca", "cb", "ea",    "eb",
					    "fa", "fb", "la", "lb", "late0", "late1"};
	long best = -1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		long idx = sys_num(names[i], "ifindex", 10);
		if (sys_num(names[i], "type", 10) == 1 && idx > 0 && (best < 0 || idx < best)) {
			best = idx;
			snprintf(out, cap, "%s", names[i]);
		}
	}
	return best > 0 ? 0 : -1;
}

static void test_empty_device(void)
{
	char want[16] = "";
	ok(first_ether(want, sizeof want) == 0, "sysfs: lowest Ethernet device is %s", want);
	struct net_plan p;
	netplan_init(&p);
	p.carrier_timeout_ms = 0;
	is_int(netplan_parse_ip(&p, "192.0.2.99:::24:::off", err, sizeof err), 0,
	       "ip= with no device");
	is_int(net_apply(&p, err, sizeof err), 0, "apply picks a device (%s)", err);
	ok(has_addr(want, "192.0.2.99", 24), "the address went to %s", want);
}

static void test_dump(void)
{
	char path[] = "/tmp/pact-netdump-XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0, "temp file");
	if (fd < 0)
		return;
	unlink(path);
	is_int(net_dump_json(fd, NULL), 0, "net_dump_json");
	static char buf[65536];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	ok(n > 0 && buf[0] == '{' && buf[n - 2] == '}' && buf[n - 1] == '\n',
	   "json: one object, one line");
	ok(contains(buf, "{\"ifindex\":1,\"ifname\":\"lo\",\"up\":true"), "json: lo up");
	ok(contains(
	       buf,
	       "\"ifname\":\"ea\",\"family\":\"inet\",\"address\":\"198.51.100.7\",\"prefix\":24"),
	   "json: ea address");
	ok(contains(buf, "\"dst\":\"default\",\"gateway\":\"198.51.100.1\",\"dev\":\"ea\""),
	   "json: default route");
	int depth = 0, bad = 0;
	for (ssize_t i = 0; i < n; i++) {
		depth += (buf[i] == '{' || buf[i] == '[') - (buf[i] == '}' || buf[i] == ']');
		bad |= depth < 0;
	}
	ok(!bad && depth == 0, "json: brackets balance");
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		printf("# truncate failed\n");
	is_int(net_dump_text(fd, NULL), 0, "net_dump_text");
	n = pread(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	ok(contains(buf, "route default via 198.51.100.1 dev ea") &&
	       contains(buf, "inet 198.51.100.7/24"),
	   "text: address and default route");
	close(fd);
}

static void test_cloexec(void)
{
	struct nl_sock nl;
	is_int(nl_open(&nl, NETLINK_ROUTE), 0, "nl_open");
	int fl = fcntl(nl.fd, F_GETFD);
	ok(fl >= 0 && (fl & FD_CLOEXEC), "netlink socket is close-on-exec");
	nl_close(&nl);
}

struct loop_wait {
	struct net_carrier_watch *w;
	int result;
};

static void on_watch_fd(void *ctx, int fd, uint32_t events)
{
	struct loop_wait *lw = ctx;
	(void)fd;
	(void)events;
	int r = net_carrier_watch_poll(lw->w, 0);
	if (r != 0)
		lw->result = r;
}

/* The carrier wait driven by the event loop, as PID 1 would do it. */
static void test_carrier_on_loop(void)
{
	if (loop_init() < 0) {
		skip("loop_init failed", "carrier watch on the event loop");
		return;
	}
	is_int(veth_create("la", "lb"), 0, "veth la/lb created");
	net_link_up("la", NULL, 0);
	static struct net_carrier_watch w;
	struct loop_wait lw = {&w, 0};
	is_int(net_carrier_watch_start(&w, "la", err, sizeof err), 0, "loop: no carrier yet");
	is_int(loop_add_fd(w.sub.fd, EPOLLIN, on_watch_fd, &lw), 0, "loop: watch fd added");
	loop_run_once(0);
	is_int(lw.result, 0, "loop: nothing yet");
	net_link_up("lb", NULL, 0);
	uint64_t deadline = now_ms() + 5000;
	while (!lw.result && now_ms() < deadline)
		loop_run_once((int)(deadline - now_ms()));
	is_int(lw.result, 1, "loop: carrier reported through the loop");
	loop_del_fd(w.sub.fd);
	net_carrier_watch_stop(&w);
}

static int run_in_netns(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		printf("1..0 # SKIP unshare(CLONE_NEWNET|CLONE_NEWNS): %s\n", strerror(errno));
		return 0;
	}
	/* sysfs shows the net namespace of whoever mounted it: mount our own */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		printf("1..0 # SKIP cannot mount a namespace-local sysfs: %s\n", strerror(errno));
		return 0;
	}
	int fds = fd_count(getpid());
	test_lo();
	test_cloexec();
	test_ops();
	test_carrier();
	test_apply();
	test_empty_device();
	test_dump();
	is_int(fd_count(getpid()), fds, "no fd leaked by any netconf call, error paths included");
	test_carrier_on_loop();
	int r = done_testing();
	fflush(stdout); /* the caller leaves with _exit */
	return r;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root\n");
		return 0;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("1..0 # SKIP fork: %s\n", strerror(errno));
		return 0;
	}
	if (pid == 0)
		_exit(run_in_netns());
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st)) {
		printf("not ok - test child died (status 0x%x)\n", st);
		return 1;
	}
	return WEXITSTATUS(st);
}
