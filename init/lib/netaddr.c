/* Network addresses and interface names (see netaddr.h). */
#include "lib/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int net_ip_parse(const char *s, int family, struct net_ip *out)
{
	struct net_ip ip = {0};
	if ((family == 0 || family == AF_INET) && inet_pton(AF_INET, s, ip.a) == 1)
		ip.family = AF_INET;
	else if ((family == 0 || family == AF_INET6) && inet_pton(AF_INET6, s, ip.a) == 1)
		ip.family = AF_INET6;
	else
		return -EINVAL;
	*out = ip;
	return 0;
}

int net_ip_format(const struct net_ip *ip, char *buf, size_t cap)
{
	if (cap == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (ip->family == 0)
		return 0;
	return inet_ntop(ip->family, ip->a, buf, (socklen_t)cap) ? 0 : -ENOSPC;
}

int net_ifname_check(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= NET_IFNAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == ':' || *c <= ' ' || *c == 0x7f)
			return -EINVAL;
	return 0;
}
