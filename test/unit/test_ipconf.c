/*
 * The ip= parser, the init.conf net.* keys and the merge of the two into
 * the list of interfaces to configure. Pure parsing: no kernel.
 */
#include "os/netplan.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static char err[256];

static const char *ip(const struct net_ip *a)
{
	static char b[4][64];
	static int i;
	i = (i + 1) % 4;
	net_ip_format(a, b[i], sizeof b[i]);
	return b[i];
}

static int parse(struct net_plan *p, const char *v)
{
	err[0] = '\0';
	return netplan_parse_ip(p, v, err, sizeof err);
}

static int set(struct net_plan *p, const char *k, const char *v)
{
	err[0] = '\0';
	return netplan_set(p, k, v, err, sizeof err);
}

static void test_static_forms(void)
{
	struct net_plan p;
	netplan_init(&p);
	is_int(p.carrier_timeout_ms, NET_DEFAULT_CARRIER_TIMEOUT_MS,
	       "init: default carrier timeout");
	is_int(parse(&p, "10.0.2.15::10.0.2.2:255.255.255.0::eth0:off"), 0, "ip=: QEMU form");
	ok(p.has_cmdline, "ip=: has an interface");
	is_str(p.cmdline.ifname, "eth0", "ip=: device");
	is_str(ip(&p.cmdline.addr), "10.0.2.15", "ip=: client");
	is_int(p.cmdline.prefix, 24, "ip=: dotted netmask -> /24");
	is_str(ip(&p.cmdline.gw), "10.0.2.2", "ip=: gateway");
	is_str(p.hostname, "", "ip=: no hostname");
	is_int(p.cmdline.mtu, 0, "ip=: no mtu");

	is_int(parse(&p, "10.0.2.15:10.0.2.4:10.0.2.2:20:node-01.cluster:ens3:none:10.0.2.3:"
			 "1.1.1.1:10.0.2.5"),
	       0, "ip=: all ten fields");
	is_int(p.cmdline.prefix, 20, "ip=: prefix-length netmask");
	is_str(p.hostname, "node-01.cluster", "ip=: hostname");
	is_str(p.cmdline.ifname, "ens3", "ip=: device ens3 (the last ip= wins)");
	is_str(ip(&p.server), "10.0.2.4", "ip=: server");
	is_str(ip(&p.dns[0]), "10.0.2.3", "ip=: dns0");
	is_str(ip(&p.dns[1]), "1.1.1.1", "ip=: dns1");
	is_str(ip(&p.ntp), "10.0.2.5", "ip=: ntp0");

	is_int(parse(&p, "10.0.2.15/26:::::eth0"), 0,
	       "ip=: client with /prefix, no autoconf field");
	is_int(p.cmdline.prefix, 26, "ip=: client /prefix");
	is_int(p.cmdline.gw.family, 0, "ip=: empty gateway is unset");
	is_str(p.hostname, "", "ip=: hostname replaced by the later ip=");
	is_int(p.dns[0].family, 0, "ip=: dns replaced by the later ip=");
	is_int(parse(&p, "10.0.2.15/24:::255.255.255.0::eth0:static"), 0,
	       "ip=: /prefix and matching netmask");
	is_int(parse(&p, "10.1.2.3"), 0, "ip=: client only");
	is_int(p.cmdline.prefix, 8, "ip=: classful default /8");
	is_str(p.cmdline.ifname, "", "ip=: empty device (chosen at apply time)");
	is_int(parse(&p, "172.16.4.4::::::off"), 0, "ip=: class B");
	is_int(p.cmdline.prefix, 16, "ip=: classful default /16");
	is_int(parse(&p, "192.168.7.9:::::eth1:off"), 0, "ip=: class C");
	is_int(p.cmdline.prefix, 24, "ip=: classful default /24");
	is_int(parse(&p, "10.0.2.15:::::eth0:off:::"), 0, "ip=: trailing empty fields");
	is_int(parse(&p, ":::::eth0:off"), 0, "ip=: no client with off: link up only");
	is_int(p.cmdline.addr.family, 0, "ip=: link-up-only has no address");
	is_str(p.cmdline.ifname, "eth0", "ip=: link-up-only device");
	is_int(parse(&p, "10.0.0.1::10.0.0.254:0.0.0.0::eth0:off"), 0, "ip=: netmask 0.0.0.0");
	is_int(p.cmdline.prefix, 0, "ip=: /0");
	is_int(parse(&p, "10.0.0.1:::255.255.255.255::eth0:off"), 0, "ip=: netmask /32");
	is_int(p.cmdline.prefix, 32, "ip=: /32");

	is_int(parse(&p, "off"), 0, "ip=off");
	ok(!p.has_cmdline, "ip=off clears an earlier ip=");
	parse(&p, "10.0.2.15::10.0.2.2:24::eth0:off");
	is_int(parse(&p, "none"), 0, "ip=none");
	ok(!p.has_cmdline, "ip=none clears too");
}

static void test_dhcp_forms(void)
{
	struct net_plan p;
	netplan_init(&p);
	is_int(p.dhcp_timeout_ms, NET_DEFAULT_DHCP_TIMEOUT_MS, "init: default DHCP timeout");
	static const char *const words[] = {"dhcp", "on", "any", "bootp", "both"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		netplan_init(&p);
		is_int(parse(&p, words[i]), 0, "ip=%s accepted", words[i]);
		ok(p.has_cmdline && p.cmdline.dhcp && !p.cmdline.ifname[0] &&
		       !p.cmdline.addr.family,
		   "ip=%s: DHCP on the device chosen at apply time, no hint", words[i]);
	}
	is_int(parse(&p, "::::node7:eth1:dhcp"), 0, "ip=::::HOST:IFACE:dhcp");
	ok(p.cmdline.dhcp && !strcmp(p.cmdline.ifname, "eth1") && !strcmp(p.hostname, "node7"),
	   "... DHCP on eth1, host name node7");
	is_int(parse(&p, ":::::eth0:"), 0, "no client and no method: DHCP, as in the kernel");
	ok(p.cmdline.dhcp, "... is DHCP");
	is_int(parse(&p, "192.168.77.11::192.168.77.1:255.255.255.0:node1:eth0:dhcp:192.168.77.2"),
	       0, "iPXE's lease with autoconf dhcp");
	ok(p.cmdline.dhcp && !strcmp(ip(&p.cmdline.addr), "192.168.77.11") && !p.cmdline.gw.family,
	   "... the address is the hint (INIT-REBOOT), the gateway is left to DHCP");
	is_str(ip(&p.dns[0]), "192.168.77.2", "... dns0 kept besides DHCP's");
	is_int(parse(&p, "10.0.2.15::10.0.2.2:24::eth0:off"), 0, "a static ip= again");
	ok(!p.cmdline.dhcp, "... is not DHCP");

	/* init.conf: address = dhcp; ip= wins for its device either way */
	netplan_init(&p);
	is_int(set(&p, "net.eth0.address", "dhcp"), 0, "net.eth0.address = dhcp");
	is_int(set(&p, "net.eth0.mtu", "9000"), 0, "net.eth0.mtu = 9000");
	is_int(set(&p, "net.eth0.gateway", "10.0.0.1"), -EINVAL,
	       "a static gateway with dhcp: refused");
	ok(strstr(err, "dhcp") != NULL, "... saying why (%s)", err);
	is_int(set(&p, "net.dhcp_timeout_ms", "5000"), 0, "net.dhcp_timeout_ms = 5000");
	is_int(p.dhcp_timeout_ms, 5000, "... set");
	is_int(set(&p, "net.dhcp_timeout_ms", "10"), -EINVAL,
	       "net.dhcp_timeout_ms below 1 s: refused");
	struct net_iface out[NET_MAX_IFACES + 1];
	is_int(netplan_interfaces(&p, out, NET_MAX_IFACES + 1), 1, "one interface");
	ok(out[0].dhcp && out[0].mtu == 9000, "init.conf's DHCP interface keeps its MTU");
	is_int(parse(&p, "10.0.2.15::10.0.2.2:24::eth0:off"), 0, "ip= static on eth0");
	netplan_interfaces(&p, out, NET_MAX_IFACES + 1);
	ok(!out[0].dhcp && out[0].addr.family && out[0].mtu == 9000, "ip= static wins over dhcp");
	netplan_init(&p);
	set(&p, "net.eth0.address", "10.0.0.5/24");
	set(&p, "net.eth0.gateway", "10.0.0.1");
	is_int(parse(&p, ":::::eth0:dhcp"), 0, "ip= dhcp on eth0, init.conf static");
	netplan_interfaces(&p, out, NET_MAX_IFACES + 1);
	ok(out[0].dhcp && !out[0].gw.family && !out[0].addr.family, "ip= dhcp wins over static");

	/* BOOTIF= */
	netplan_init(&p);
	is_int(netplan_parse_bootif(&p, "01-52-54-00-77-00-11", err, sizeof err), 0,
	       "BOOTIF=01-52-54-00-77-00-11 (pxelinux's form)");
	ok(p.has_bootif && !memcmp(p.bootif, "\x52\x54\x00\x77\x00\x11", 6), "... the MAC");
	is_int(netplan_parse_bootif(&p, "52:54:00:77:00:1a", err, sizeof err), 0, "a bare MAC");
	ok(p.bootif[5] == 0x1a, "... parsed");
	static const char *const badmac[] = {"",
					     "01-52-54",
					     "52:54:00:77:00:1",
					     "52:54:00:77:00:11:22",
					     "02-52-54-00-77-00-11",
					     "zz:54:00:77:00:11",
					     "52:54:00:77:00:11x"};
	for (size_t i = 0; i < sizeof badmac / sizeof badmac[0]; i++)
		is_int(netplan_parse_bootif(&p, badmac[i], err, sizeof err), -EINVAL,
		       "BOOTIF=%s refused", badmac[i]);
}

static void test_errors(void)
{
	struct net_plan p;
	netplan_init(&p);
	is_int(parse(&p, "rarp"), -ENOTSUP, "ip=rarp refused");
	is_str(err, "ip=rarp is not supported by pact-init; use ip=dhcp",
	       "... with a clear message");
	is_int(parse(&p, ":::::eth0:rarp"), -ENOTSUP, "autoconf rarp refused");

	/* a good plan, then every bad value leaves it as it was */
	is_int(parse(&p, "10.0.2.15::10.0.2.2:24:n1:eth0:off"), 0, "good value first");
	static const struct {
		const char *v, *needle;
	} bad[] = {
	    {"", "empty"},
	    {"300.1.1.1:::::eth0:off", "client"},
	    {"224.0.0.1:::::eth0:off", "client"},
	    {"0.0.0.0:::::eth0:off", "client"},
	    {"10.0.0.1/33:::::eth0:off", "prefix"},
	    {"10.0.0.1/:::::eth0:off", "prefix"},
	    {"10.0.0.1:::255.0.255.0::eth0:off", "netmask"},
	    {"10.0.0.1:::33::eth0:off", "netmask"},
	    {"10.0.0.1:::abc::eth0:off", "netmask"},
	    {"10.0.0.1/24:::255.255.0.0::eth0:off", "contradicts"},
	    {"10.0.0.1::10.0.0.999:24::eth0:off", "gateway"},
	    {"::10.0.0.1:24::eth0:off", "gateway without"},
	    {"10.0.0.1:x::24::eth0:off", "server"},
	    {"10.0.0.1:::24:bad host:eth0:off", "hostname"},
	    {"10.0.0.1:::24:-lead:eth0:off", "hostname"},
	    {"10.0.0.1:::24::abcdefghijklmnop:off", "device"},
	    {"10.0.0.1:::24::a/b:off", "device"},
	    {"10.0.0.1:::24::eth0:magic", "autoconf"},
	    {"10.0.0.1:::24::eth0:off:1.2.3", "dns0"},
	    {"10.0.0.1:::24::eth0:off::x", "dns1"},
	    {"10.0.0.1:::24::eth0:off:::x", "ntp0"},
	    {"10.0.0.1:::24::eth0:off::::", "more than 10"},
	    {"fd00::1", "client"},
	    {"240.0.0.1", "client"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = parse(&p, bad[i].v);
		ok(r == -EINVAL && strstr(err, bad[i].needle), "ip=%s refused naming '%s' (%s)",
		   bad[i].v, bad[i].needle, err);
	}
	char big[700];
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	is_int(parse(&p, big), -EINVAL, "overlong value refused");
	char longhost[128];
	snprintf(longhost, sizeof longhost, "10.0.0.1:::24:%065d:eth0:off", 0);
	is_int(parse(&p, longhost), -EINVAL, "hostname of 65 characters refused");
	ok(p.has_cmdline && !strcmp(p.cmdline.ifname, "eth0") && p.cmdline.prefix == 24 &&
	       !strcmp(ip(&p.cmdline.addr), "10.0.2.15") && !strcmp(p.hostname, "n1"),
	   "the plan is unchanged by the refused values");
}

static void test_conf_keys(void)
{
	struct net_plan p;
	netplan_init(&p);
	is_int(set(&p, "net.eth0.address", "10.0.2.15/24"), 0, "conf: address");
	is_int(set(&p, "net.eth0.gateway", "10.0.2.2"), 0, "conf: gateway");
	is_int(set(&p, "net.eth0.mtu", "9000"), 0, "conf: mtu");
	is_int(p.n_ifaces, 1, "conf: one interface");
	is_str(p.ifaces[0].ifname, "eth0", "conf: name");
	is_str(ip(&p.ifaces[0].addr), "10.0.2.15", "conf: address value");
	is_int(p.ifaces[0].prefix, 24, "conf: prefix");
	is_str(ip(&p.ifaces[0].gw), "10.0.2.2", "conf: gateway value");
	is_int(p.ifaces[0].mtu, 9000, "conf: mtu value");
	is_int(set(&p, "net.eth0.100.address", "192.168.100.5/24"), 0,
	       "conf: VLAN name with a dot");
	is_str(p.ifaces[1].ifname, "eth0.100", "conf: name is everything before the last dot");
	is_int(set(&p, "net.ib0.address", "fd00::5/64"), 0, "conf: IPv6 address");
	is_int(set(&p, "net.ib0.gateway", "fd00::1"), 0, "conf: IPv6 gateway");
	is_str(ip(&p.ifaces[2].addr), "fd00::5", "conf: IPv6 value");
	is_int(p.ifaces[2].addr.family, AF_INET6, "conf: IPv6 family");
	is_int(set(&p, "net.carrier_timeout_ms", "5000"), 0, "conf: carrier timeout");
	is_int(p.carrier_timeout_ms, 5000, "conf: carrier timeout value");
	is_int(set(&p, "net.carrier_timeout_ms", "0"), 0, "conf: carrier timeout 0 (no wait)");
	is_int(p.carrier_timeout_ms, 0, "conf: 0 kept");

	is_int(set(&p, "hostname", "x"), -ENOENT, "conf: a non-net key is not ours");
	static const struct {
		const char *k, *v, *needle;
	} bad[] = {
	    {"net.eth0.address", "10.0.2.15", "address/prefix"},
	    {"net.eth0.address", "10.0.2.15/33", "address/prefix"},
	    {"net.eth0.address", "fd00::1/129", "address/prefix"},
	    {"net.eth0.address", "fd00::1/64", "family"},
	    {"net.eth0.address", "nonsense/24", "address/prefix"},
	    {"net.eth0.gateway", "10.0.2", "not an address"},
	    {"net.eth0.gateway", "fd00::1", "family"},
	    {"net.eth0.mtu", "0", "MTU"},
	    {"net.eth0.mtu", "65537", "MTU"},
	    {"net.eth0.mtu", "15x", "MTU"},
	    {"net.eth0.mtu", "", "MTU"},
	    {"net.eth0.speed", "1000", "unknown key"},
	    {"net.a/b.mtu", "1500", "interface name"},
	    {"net..mtu", "1500", "unknown key"},
	    {"net.mtu", "1500", "unknown key"},
	    {"net.abcdefghijklmnop.mtu", "1500", "interface name"},
	    {"net.carrier_timeout_ms", "-1", "0.."},
	    {"net.carrier_timeout_ms", "600001", "0.."},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = set(&p, bad[i].k, bad[i].v);
		ok(r == -EINVAL && strstr(err, bad[i].needle) && strstr(err, bad[i].k),
		   "conf: %s = %s refused naming the key and '%s' (%s)", bad[i].k, bad[i].v,
		   bad[i].needle, err);
	}
	is_int(p.ifaces[0].mtu, 9000, "conf: refused values left the plan unchanged (mtu)");
	is_str(ip(&p.ifaces[0].addr), "10.0.2.15", "conf: ... (address)");
	is_str(ip(&p.ifaces[0].gw), "10.0.2.2", "conf: ... (gateway)");
	is_int(p.n_ifaces, 3, "conf: no interface was added by refused keys");

	for (int i = 0; i < NET_MAX_IFACES - 3; i++) {
		char k[64];
		snprintf(k, sizeof k, "net.x%d.mtu", i);
		set(&p, k, "1500");
	}
	is_int(p.n_ifaces, NET_MAX_IFACES, "conf: table full");
	is_int(set(&p, "net.one_more.mtu", "1500"), -ENOSPC, "conf: one more interface refused");
	is_int(set(&p, "net.x0.mtu", "1400"), 0, "conf: an existing one can still change");
}

static void test_merge(void)
{
	struct net_plan p;
	struct net_iface ifs[NET_MAX_IFACES + 1];
	netplan_init(&p);
	is_int(netplan_interfaces(&p, ifs, NET_MAX_IFACES + 1), 0, "merge: empty plan");
	set(&p, "net.eth0.address", "192.168.1.5/24");
	set(&p, "net.eth0.gateway", "192.168.1.1");
	set(&p, "net.eth0.mtu", "9000");
	set(&p, "net.eth1.address", "10.9.0.5/16");
	is_int(netplan_interfaces(&p, ifs, NET_MAX_IFACES + 1), 2, "merge: init.conf only");

	parse(&p, "10.0.2.15::10.0.2.2:24::eth0:off");
	is_int(netplan_interfaces(&p, ifs, NET_MAX_IFACES + 1), 2, "merge: ip= on eth0 merges");
	is_str(ifs[0].ifname, "eth0", "merge: order kept");
	is_str(ip(&ifs[0].addr), "10.0.2.15", "merge: ip= address wins");
	is_int(ifs[0].prefix, 24, "merge: ip= prefix wins");
	is_str(ip(&ifs[0].gw), "10.0.2.2", "merge: ip= gateway wins");
	is_int(ifs[0].mtu, 9000, "merge: init.conf mtu kept");
	is_str(ip(&ifs[1].addr), "10.9.0.5", "merge: eth1 untouched");

	parse(&p, "10.0.2.15:::24::eth0:off");
	netplan_interfaces(&p, ifs, NET_MAX_IFACES + 1);
	is_int(ifs[0].gw.family, 0, "merge: ip= address without gateway drops init.conf's gateway");

	parse(&p, ":::::eth0:off");
	netplan_interfaces(&p, ifs, NET_MAX_IFACES + 1);
	is_str(ip(&ifs[0].addr), "192.168.1.5", "merge: link-only ip= keeps init.conf's address");
	is_str(ip(&ifs[0].gw), "192.168.1.1", "merge: ... and gateway");

	parse(&p, "10.0.3.3:::24::eth2:off");
	is_int(netplan_interfaces(&p, ifs, NET_MAX_IFACES + 1), 3,
	       "merge: ip= on a new device appends");
	is_str(ifs[2].ifname, "eth2", "merge: appended last");
	is_int(netplan_interfaces(&p, ifs, 2), -ENOSPC, "merge: bounded by the caller's array");
	parse(&p, "off");
	is_int(netplan_interfaces(&p, ifs, NET_MAX_IFACES + 1), 2,
	       "merge: ip=off leaves init.conf");
}

static void test_helpers(void)
{
	struct net_ip a;
	is_int(net_ip_parse("10.0.0.1", AF_INET6, &a), -EINVAL, "ip_parse: family enforced");
	is_int(net_ip_parse("::1", 0, &a), 0, "ip_parse: either family");
	is_str(ip(&a), "::1", "ip_format: IPv6");
	char small[4];
	net_ip_parse("10.0.0.1", 0, &a);
	is_int(net_ip_format(&a, small, sizeof small), -ENOSPC, "ip_format: bounded");
	is_int(net_ifname_check("eth0"), 0, "ifname: eth0");
	is_int(net_ifname_check(""), -EINVAL, "ifname: empty");
	is_int(net_ifname_check(".."), -EINVAL, "ifname: ..");
	is_int(net_ifname_check("a b"), -EINVAL, "ifname: space");
	is_int(net_ifname_check("123456789012345"), 0, "ifname: 15 bytes");
	is_int(net_ifname_check("1234567890123456"), -EINVAL, "ifname: 16 bytes");
}

int main(void)
{
	test_static_forms();
	test_dhcp_forms();
	test_errors();
	test_conf_keys();
	test_merge();
	test_helpers();
	return done_testing();
}
