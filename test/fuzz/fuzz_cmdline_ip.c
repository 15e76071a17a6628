/*
 * libFuzzer target for the network configuration parsers: the input is
 * given whole to netplan_parse_ip (an ip= value) and, split at the first '=',
 * to netplan_set (an init.conf pair). Invariants: a refused value leaves
 * the plan byte-for-byte unchanged and says why; an accepted one is within
 * the documented bounds.
 */
#include "os/netplan.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_iface(const struct net_iface *i)
{
	if (strnlen(i->ifname, NET_IFNAME_MAX) >= NET_IFNAME_MAX)
		__builtin_trap();
	if (i->addr.family && i->addr.family != AF_INET && i->addr.family != AF_INET6)
		__builtin_trap();
	if (i->addr.family == AF_INET && (i->prefix < 0 || i->prefix > 32))
		__builtin_trap();
	if (i->addr.family == AF_INET6 && (i->prefix < 0 || i->prefix > 128))
		__builtin_trap();
	if (i->mtu > NET_MAX_MTU)
		__builtin_trap();
}

static void check_plan(const struct net_plan *p)
{
	if (p->n_ifaces < 0 || p->n_ifaces > NET_MAX_IFACES)
		__builtin_trap();
	for (int i = 0; i < p->n_ifaces; i++) {
		check_iface(&p->ifaces[i]);
		if (!p->ifaces[i].ifname[0])
			__builtin_trap(); /* init.conf entries always have a name */
	}
	if (p->has_cmdline)
		check_iface(&p->cmdline);
	if (strnlen(p->hostname, sizeof p->hostname) > NET_HOSTNAME_MAX)
		__builtin_trap();
	struct net_iface out[NET_MAX_IFACES + 1];
	int n = netplan_interfaces(p, out, NET_MAX_IFACES + 1);
	if (n < 0 || n > NET_MAX_IFACES + 1)
		__builtin_trap();
}

static void run(struct net_plan *p, int (*fn)(struct net_plan *, const char *, const char *),
		const char *a, const char *b)
{
	struct net_plan before = *p;
	int r = fn(p, a, b);
	if (r < 0 && memcmp(&before, p, sizeof before) != 0)
		__builtin_trap();
	check_plan(p);
}

static char errbuf[256];

static int do_ip(struct net_plan *p, const char *v, const char *unused)
{
	(void)unused;
	errbuf[0] = '\0';
	int r = netplan_parse_ip(p, v, errbuf, sizeof errbuf);
	if (r < 0 && !errbuf[0])
		__builtin_trap();
	return r;
}

static int do_set(struct net_plan *p, const char *k, const char *v)
{
	errbuf[0] = '\0';
	int r = netplan_set(p, k, v, errbuf, sizeof errbuf);
	if (r < 0 && !errbuf[0])
		__builtin_trap();
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[1024];
	if (size >= sizeof buf)
		size = sizeof buf - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';

	/* a plan with some init.conf state, so merges are exercised too */
	static struct net_plan p;
	netplan_init(&p);
	netplan_set(&p, "net.eth0.address", "10.0.2.15/24", NULL, 0);
	netplan_set(&p, "net.eth0.mtu", "9000", NULL, 0);

	run(&p, do_ip, buf, NULL);
	char *eq = strchr(buf, '=');
	if (eq) {
		*eq = '\0';
		run(&p, do_set, buf, eq + 1);
		/* and again under a net. prefix, so the key grammar is reached */
		char key[1100];
		memcpy(key, "net.", 4);
		memcpy(key + 4, buf, strlen(buf) + 1);
		run(&p, do_set, key, eq + 1);
	}
	return 0;
}
