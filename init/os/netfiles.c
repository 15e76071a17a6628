/*
 * netfiles: resolv.conf and the NTP source files (see netfiles.h). Each
 * file is replaced atomically (a reader sees the old or the new one).
 */
#include "os/netfiles.h"
#include "os/dhcp_msg.h"
#include "lib/fileio.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int r,
						      const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < errlen)
			snprintf(err + n, errlen - (size_t)n, ": %s", strerror(-r));
	}
	return r;
}

size_t net_resolv_text(char *buf, size_t cap, const char *from, const char *search,
		       const uint8_t (*dns)[4], int n)
{
	char ip[16];
	size_t len = 0;
#define ADD(...)                                                                                   \
	do {                                                                                       \
		int k_ = snprintf(buf + len, cap - len, __VA_ARGS__);                              \
		if (k_ > 0)                                                                        \
			len += (size_t)k_ < cap - len ? (size_t)k_ : cap - len - 1;                \
	} while (0)
	ADD("# written by pact-init from %s\n", from);
	if (search && *search)
		ADD("search %s\n", search);
	for (int i = 0; i < n && i < NET_RESOLV_MAX_NS; i++)
		ADD("nameserver %s\n", dhcp_ip(dns[i], ip));
#undef ADD
	return len;
}

int net_resolv_install(const char *run_path, const char *etc_path, const char *text, char *err,
		       size_t errlen)
{
	int r = write_file_atomic(run_path, text, strlen(text), 0644);
	if (r < 0)
		return fail(err, errlen, r, "%s", run_path);
	char cur[PATH_MAX], tmp[PATH_MAX];
	ssize_t n = readlink(etc_path, cur, sizeof cur - 1);
	if (n >= 0 && (size_t)n == strlen(run_path) && !memcmp(cur, run_path, (size_t)n))
		return 0;
	r = path_fmt(tmp, sizeof tmp, "%s.pact-new", etc_path);
	if (r >= 0) {
		unlink(tmp);
		r = symlink(run_path, tmp) == 0 && rename(tmp, etc_path) == 0 ? 0 : -errno;
		if (r < 0)
			unlink(tmp);
	}
	if (r < 0)
		return fail(err, errlen, r, "%s: cannot make it a link to %s", etc_path, run_path);
	return 0;
}

int net_chrony_sources(const char *dir, const char *ifname, const uint8_t (*ntp)[4], int n,
		       char *err, size_t errlen)
{
	char path[PATH_MAX], text[DHCP_MAX_SERVERS * 40 + 1], ip[16];
	int r = path_fmt(path, sizeof path, "%s/%s.sources", dir, ifname);
	if (r >= 0 && n == 0)
		r = unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
	else if (r >= 0 && (r = mkdir_p(dir, 0755)) == 0) {
		size_t len = 0;
		for (int i = 0; i < n && i < DHCP_MAX_SERVERS; i++)
			len += (size_t)snprintf(text + len, sizeof text - len, "server %s iburst\n",
						dhcp_ip(ntp[i], ip));
		r = write_file_atomic(path, text, len, 0644);
	}
	return r < 0 ? fail(err, errlen, r, "%s", path) : 0;
}
