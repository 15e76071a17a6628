/*
 * netplan: parsers for the kernel's `ip=` syntax and the `net.*` init.conf
 * keys, both filling a struct net_plan. Every value is checked here so
 * that a bad configuration is refused before anything touches the kernel,
 * with a message that names the field. No syscalls.
 */
#include "os/netplan.h"
#include "lib/fileio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define IP_FIELDS 10

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int r,
						      const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

void netplan_init(struct net_plan *p)
{
	memset(p, 0, sizeof *p);
	p->carrier_timeout_ms = NET_DEFAULT_CARRIER_TIMEOUT_MS;
	p->dhcp_timeout_ms = NET_DEFAULT_DHCP_TIMEOUT_MS;
}

/* Letters, digits, '-', '.', '_' (common on clusters), at most 64 bytes. */
static int hostname_check(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NET_HOSTNAME_MAX || s[0] == '-' || s[0] == '.')
		return -EINVAL;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return -EINVAL;
	}
	return 0;
}

/* A decimal number in [lo, hi], whole string. */
static int parse_range(const char *s, unsigned long long lo, unsigned long long hi,
		       unsigned long long *out)
{
	if (!*s || parse_u64(s, out) < 0 || *out < lo || *out > hi)
		return -EINVAL;
	return 0;
}

/* A dotted netmask with contiguous ones, or a prefix length 0..32. */
static int parse_netmask(const char *s, int *prefix)
{
	unsigned long long v;
	if (!strchr(s, '.')) {
		if (parse_range(s, 0, 32, &v) < 0)
			return -EINVAL;
		*prefix = (int)v;
		return 0;
	}
	struct in_addr m;
	if (inet_pton(AF_INET, s, &m) != 1)
		return -EINVAL;
	uint32_t h = ntohl(m.s_addr);
	uint32_t inv = ~h;
	if (inv & (inv + 1)) /* ones must be contiguous from the top */
		return -EINVAL;
	*prefix = 32 - __builtin_popcount(inv);
	return 0;
}

/* The kernel's default when ip= gives no netmask: the address's old class. */
static int classful_prefix(const struct net_ip *ip)
{
	unsigned char b = ip->a[0];
	if (b < 128)
		return 8;
	if (b < 192)
		return 16;
	if (b < 224)
		return 24;
	return -1;
}

static int is_bad_host_v4(const struct net_ip *ip)
{
	static const unsigned char zero[4], bcast[4] = {255, 255, 255, 255};
	return !memcmp(ip->a, zero, 4) || !memcmp(ip->a, bcast, 4) || ip->a[0] >= 224;
}

/* An optional IPv4 field of ip=: "" leaves out unset. */
static int opt_v4(const char *s, struct net_ip *out)
{
	if (!*s) {
		memset(out, 0, sizeof *out);
		return 0;
	}
	return net_ip_parse(s, AF_INET, out);
}

/* The kernel's words for DHCP; pact-init speaks DHCP for all of them
 * (a BOOTP-era server today answers DHCP too). RARP it does not speak. */
static const char *const dhcp_words[] = {"on", "any", "dhcp", "bootp", "both"};

static int is_dhcp_word(const char *s)
{
	for (size_t i = 0; i < sizeof dhcp_words / sizeof dhcp_words[0]; i++)
		if (!strcmp(s, dhcp_words[i]))
			return 1;
	return 0;
}

static int rarp_error(char *err, size_t errlen)
{
	return fail(err, errlen, -ENOTSUP, "ip=rarp is not supported by pact-init; use ip=dhcp");
}

/* The client field may carry its own /prefix, a small extension. */
static int parse_client(const char *s, struct net_iface *ifc, int *prefix_given, char *err,
			size_t errlen)
{
	char buf[64];
	if (strlen(s) >= sizeof buf)
		return fail(err, errlen, -EINVAL, "ip=: client address too long");
	strcpy(buf, s);
	char *slash = strchr(buf, '/');
	if (slash) {
		unsigned long long v;
		*slash = '\0';
		if (parse_range(slash + 1, 0, 32, &v) < 0)
			return fail(err, errlen, -EINVAL, "ip=: bad prefix in client address '%s'",
				    s);
		ifc->prefix = (int)v;
		*prefix_given = 1;
	}
	if (net_ip_parse(buf, AF_INET, &ifc->addr) < 0 || is_bad_host_v4(&ifc->addr))
		return fail(err, errlen, -EINVAL, "ip=: bad client address '%s'", s);
	return 0;
}

int netplan_parse_ip(struct net_plan *p, const char *value, char *err, size_t errlen)
{
	if (!strcmp(value, "off") || !strcmp(value, "none")) {
		p->has_cmdline = 0;
		memset(&p->cmdline, 0, sizeof p->cmdline);
		return 0;
	}
	if (!strcmp(value, "rarp"))
		return rarp_error(err, errlen);
	if (is_dhcp_word(value))
		value = ":::::::"; /* the kernel's ip=dhcp: DHCP on any device */
	if (!*value)
		return fail(err, errlen, -EINVAL, "ip=: empty value");

	char buf[512];
	if (strlen(value) >= sizeof buf)
		return fail(err, errlen, -EINVAL, "ip=: value too long");
	strcpy(buf, value);
	const char *f[IP_FIELDS];
	int nf = 0;
	for (char *s = buf;;) {
		if (nf == IP_FIELDS)
			return fail(err, errlen, -EINVAL, "ip=: more than %d fields", IP_FIELDS);
		f[nf++] = s;
		char *c = strchr(s, ':');
		if (!c)
			break;
		*c = '\0';
		s = c + 1;
	}
	while (nf < IP_FIELDS)
		f[nf++] = "";

	/* field 7: how to configure; no address and no method means DHCP,
	 * as in the kernel */
	const char *autoconf = f[6];
	struct net_iface ifc = {0};
	ifc.dhcp = is_dhcp_word(autoconf) || (!*f[0] && !*autoconf);
	if (!strcmp(autoconf, "rarp"))
		return rarp_error(err, errlen);
	if (!ifc.dhcp && *autoconf && strcmp(autoconf, "off") && strcmp(autoconf, "none") &&
	    strcmp(autoconf, "static"))
		return fail(err, errlen, -EINVAL, "ip=: unknown autoconf method '%s'", autoconf);

	int prefix_given = 0;
	if (*f[0]) {
		int r = parse_client(f[0], &ifc, &prefix_given, err, errlen);
		if (r < 0)
			return r;
	}

	struct net_ip server, dns0, dns1, ntp;
	if (opt_v4(f[1], &server) < 0)
		return fail(err, errlen, -EINVAL, "ip=: bad server address '%s'", f[1]);
	if (opt_v4(f[2], &ifc.gw) < 0)
		return fail(err, errlen, -EINVAL, "ip=: bad gateway address '%s'", f[2]);
	if (ifc.gw.family && !ifc.addr.family && !ifc.dhcp)
		return fail(err, errlen, -EINVAL, "ip=: gateway without a client address");
	if (*f[3]) {
		int pfx;
		if (parse_netmask(f[3], &pfx) < 0)
			return fail(err, errlen, -EINVAL, "ip=: bad netmask '%s'", f[3]);
		if (prefix_given && pfx != ifc.prefix)
			return fail(err, errlen, -EINVAL,
				    "ip=: netmask '%s' contradicts the client's /%d", f[3],
				    ifc.prefix);
		ifc.prefix = pfx;
	} else if (ifc.addr.family && !prefix_given) {
		ifc.prefix = classful_prefix(&ifc.addr);
	}
	if (*f[4] && hostname_check(f[4]) < 0)
		return fail(err, errlen, -EINVAL, "ip=: bad hostname '%s'", f[4]);
	if (*f[5]) {
		if (net_ifname_check(f[5]) < 0)
			return fail(err, errlen, -EINVAL, "ip=: bad device name '%s'", f[5]);
		strcpy(ifc.ifname, f[5]);
	}
	if (opt_v4(f[7], &dns0) < 0)
		return fail(err, errlen, -EINVAL, "ip=: bad dns0 address '%s'", f[7]);
	if (opt_v4(f[8], &dns1) < 0)
		return fail(err, errlen, -EINVAL, "ip=: bad dns1 address '%s'", f[8]);
	if (opt_v4(f[9], &ntp) < 0)
		return fail(err, errlen, -EINVAL, "ip=: bad ntp0 address '%s'", f[9]);

	if (ifc.dhcp) /* what iPXE knew: only the address is a hint, DHCP says the rest */
		memset(&ifc.gw, 0, sizeof ifc.gw);
	/* All checked: commit at once so a bad value leaves the plan as it was. */
	p->has_cmdline = 1;
	p->cmdline = ifc;
	strcpy(p->hostname, f[4]);
	p->server = server;
	p->dns[0] = dns0;
	p->dns[1] = dns1;
	p->ntp = ntp;
	return 0;
}

static struct net_iface *find_iface(struct net_plan *p, const char *name)
{
	for (int i = 0; i < p->n_ifaces; i++)
		if (!strcmp(p->ifaces[i].ifname, name))
			return &p->ifaces[i];
	return NULL;
}

/* "addr/prefix", IPv4 or IPv6; the prefix is required (no guessing). */
static int parse_cidr(const char *s, struct net_ip *ip, int *prefix)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof buf)
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (net_ip_parse(buf, 0, ip) < 0)
		return -EINVAL;
	unsigned long long v;
	if (parse_range(slash + 1, 0, ip->family == AF_INET ? 32 : 128, &v) < 0)
		return -EINVAL;
	*prefix = (int)v;
	return 0;
}

static int set_iface_key(struct net_iface *ifc, const char *key, const char *field,
			 const char *value, char *err, size_t errlen)
{
	if (!strcmp(field, "address")) {
		ifc->dhcp = !strcmp(value, "dhcp");
		if (ifc->dhcp) {
			if (ifc->gw.family)
				return fail(err, errlen, -EINVAL, "%s: dhcp with a static gateway",
					    key);
			memset(&ifc->addr, 0, sizeof ifc->addr);
			return 0;
		}
		if (parse_cidr(value, &ifc->addr, &ifc->prefix) < 0)
			return fail(err, errlen, -EINVAL,
				    "%s: '%s' is not an address/prefix (e.g. 10.0.2.15/24)", key,
				    value);
		if (ifc->gw.family && ifc->gw.family != ifc->addr.family)
			return fail(err, errlen, -EINVAL, "%s: family differs from the gateway",
				    key);
		return 0;
	}
	if (!strcmp(field, "gateway")) {
		if (net_ip_parse(value, 0, &ifc->gw) < 0)
			return fail(err, errlen, -EINVAL, "%s: '%s' is not an address", key, value);
		if (ifc->dhcp)
			return fail(err, errlen, -EINVAL,
				    "%s: a static gateway with address = dhcp", key);
		if (ifc->addr.family && ifc->gw.family != ifc->addr.family)
			return fail(err, errlen, -EINVAL, "%s: family differs from the address",
				    key);
		return 0;
	}
	if (!strcmp(field, "mtu")) {
		unsigned long long v;
		if (parse_range(value, 1, NET_MAX_MTU, &v) < 0)
			return fail(err, errlen, -EINVAL, "%s: '%s' is not an MTU (1..%u)", key,
				    value, NET_MAX_MTU);
		ifc->mtu = (unsigned int)v;
		return 0;
	}
	return fail(err, errlen, -EINVAL, "%s: unknown key (address, gateway, mtu)", key);
}

static int set_ms(unsigned int *dst, unsigned lo, unsigned hi, const char *key, const char *value,
		  char *err, size_t errlen)
{
	unsigned long long v;
	if (parse_range(value, lo, hi, &v) < 0)
		return fail(err, errlen, -EINVAL, "%s: '%s' is not %u..%u", key, value, lo, hi);
	*dst = (unsigned int)v;
	return 0;
}

int netplan_set(struct net_plan *p, const char *key, const char *value, char *err, size_t errlen)
{
	if (strncmp(key, "net.", 4) != 0)
		return fail(err, errlen, -ENOENT, "%s: not a network key", key);
	if (!strcmp(key, "net.carrier_timeout_ms"))
		return set_ms(&p->carrier_timeout_ms, 0, NET_MAX_CARRIER_TIMEOUT_MS, key, value,
			      err, errlen);
	if (!strcmp(key, "net.dhcp_timeout_ms"))
		return set_ms(&p->dhcp_timeout_ms, 1000, NET_MAX_DHCP_TIMEOUT_MS, key, value, err,
			      errlen);
	/* net.<ifname>.<field>: the field is after the last dot, because
	 * interface names may contain dots (VLANs: eth0.100). */
	const char *name = key + 4;
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name)
		return fail(err, errlen, -EINVAL, "%s: unknown key", key);
	char ifname[NET_IFNAME_MAX];
	size_t n = (size_t)(dot - name);
	if (n >= sizeof ifname)
		return fail(err, errlen, -EINVAL, "%s: bad interface name", key);
	memcpy(ifname, name, n);
	ifname[n] = '\0';
	if (net_ifname_check(ifname) < 0)
		return fail(err, errlen, -EINVAL, "%s: bad interface name", key);

	struct net_iface *cur = find_iface(p, ifname);
	struct net_iface tmp = {0};
	if (cur)
		tmp = *cur;
	else
		strcpy(tmp.ifname, ifname);
	int r = set_iface_key(&tmp, key, dot + 1, value, err, errlen);
	if (r < 0)
		return r;
	if (!cur) {
		if (p->n_ifaces >= NET_MAX_IFACES)
			return fail(err, errlen, -ENOSPC, "%s: more than %d interfaces", key,
				    NET_MAX_IFACES);
		cur = &p->ifaces[p->n_ifaces++];
	}
	*cur = tmp;
	return 0;
}

int netplan_interfaces(const struct net_plan *p, struct net_iface *out, int max)
{
	int n = 0;
	int merged = 0;
	for (int i = 0; i < p->n_ifaces; i++) {
		if (n >= max)
			return -ENOSPC;
		out[n] = p->ifaces[i];
		if (p->has_cmdline && p->cmdline.ifname[0] &&
		    !strcmp(p->cmdline.ifname, out[n].ifname)) {
			/* ip= wins for what it says (a gateway comes with an
			 * address); init.conf keeps the MTU */
			const struct net_iface *c = &p->cmdline;
			if (c->addr.family || c->dhcp) {
				out[n].addr = c->addr;
				out[n].prefix = c->prefix;
				out[n].gw = c->gw;
				out[n].dhcp = c->dhcp;
			}
			merged = 1;
		}
		n++;
	}
	if (p->has_cmdline && !merged) {
		if (n >= max)
			return -ENOSPC;
		out[n++] = p->cmdline;
	}
	return n;
}

int netplan_parse_bootif(struct net_plan *p, const char *v, char *err, size_t errlen)
{
	unsigned char mac[6];
	const char *s = v;
	if (strlen(s) == 20 && !strncmp(s, "01-", 3))
		s += 3; /* pxelinux's form starts with the hardware type: 01 for Ethernet */
	for (int i = 0; i < 6; i++, s += 3) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
		char sep = lo < 0 ? 0 : s[2];
		if (lo < 0 || (i < 5 ? sep != '-' && sep != ':' : sep != '\0'))
			return fail(err, errlen, -EINVAL, "BOOTIF=%s: not a MAC address", v);
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(p->bootif, mac, 6);
	p->has_bootif = 1;
	return 0;
}
