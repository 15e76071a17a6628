/*
 * netfiles: what the node's programs read about the network, written from
 * what ConfigureNetwork learned (DHCP leases, ip=): the resolver's
 * resolv.conf, and the NTP servers for the time service (a plain list and
 * chrony's sourcedir format, which Debian's chrony.conf reads from
 * /run/chrony-dhcp). Paths are the caller's. Errors: -errno, with err
 * naming the path.
 */
#ifndef PACT_NETFILES_H
#define PACT_NETFILES_H

#include <stddef.h>
#include <stdint.h>

#define NET_RESOLV_MAX_NS 3 /* glibc's MAXNS: more are never read */

/* resolv.conf: a comment saying where it came from, "search" (when
 * search is not empty) and up to NET_RESOLV_MAX_NS "nameserver" lines.
 * Returns the length (text cut short at cap). */
size_t net_resolv_text(char *buf, size_t cap, const char *from, const char *search,
		       const uint8_t (*dns)[4], int n);
/* Write text to run_path (atomically) and make etc_path a symlink to it,
 * unless it is one already (a read-only /etc needs that link in the image). */
int net_resolv_install(const char *run_path, const char *etc_path, const char *text, char *err,
		       size_t errlen);
/* "<dir>/<ifname>.sources" with one "server A iburst" line per address;
 * removed when n is 0. */
int net_chrony_sources(const char *dir, const char *ifname, const uint8_t (*ntp)[4], int n,
		       char *err, size_t errlen);

#endif
