/*
 * Small syscall wrappers: EINTR retried, -errno returned, O_CLOEXEC always.
 * Modelled on the one-wrapper-per-concept habit; close(2) is never retried.
 */
#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

ssize_t read_retry(int fd, void *buf, size_t len)
{
	ssize_t n;
	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

void close_fd(int fd)
{
	int saved = errno;
	if (fd >= 0)
		close(fd);
	errno = saved;
}

static ssize_t read_fd_all(int fd, char *buf, size_t cap)
{
	size_t used = 0;
	if (cap == 0)
		return -EINVAL;
	while (used < cap - 1) {
		ssize_t n = read_retry(fd, buf + used, cap - 1 - used);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	return (ssize_t)used;
}

ssize_t read_file_at(int dirfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	ssize_t n = read_fd_all(fd, buf, cap);
	close_fd(fd);
	return n;
}

ssize_t read_file(const char *path, char *buf, size_t cap)
{
	return read_file_at(AT_FDCWD, path, buf, cap);
}

int open_config_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -ENODEV;
	if (r < 0) {
		close_fd(fd);
		return r;
	}
	return fd;
}

ssize_t read_config_file(const char *path, char *buf, size_t cap)
{
	int fd = open_config_file(path);
	if (fd < 0)
		return fd;
	ssize_t n = read_fd_all(fd, buf, cap);
	close_fd(fd);
	return n;
}

const char *file_error(int err)
{
	return err == ENODEV ? "not a regular file" : strerror(err);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_at(int dirfd, const char *name, const char *s)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* sysfs and cgroupfs take a value in one write(2); report its error */
	int r = write_all(fd, s, strlen(s));
	close_fd(fd);
	return r;
}

int write_file(const char *path, const char *s)
{
	return write_file_at(AT_FDCWD, path, s);
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int r = path_fmt(tmp, sizeof tmp, "%s.tmp", path);
	if (r < 0)
		return r;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	close_fd(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

static int kept(const int *keep, size_t n, int fd)
{
	for (size_t i = 0; i < n; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

void close_fds_except(const int *keep, size_t n)
{
	/* close_range over the gaps between the kept fds, lowest first */
	unsigned from = 3;
	for (;;) {
		unsigned next = ~0u; /* the lowest kept fd at or above from */
		for (size_t i = 0; i < n; i++)
			if (keep[i] >= (int)from && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		unsigned to = next == ~0u ? ~0u : next - 1;
		if (next != from && syscall(SYS_close_range, from, to, 0u) < 0)
			break; /* ENOSYS (before 5.9): one by one below */
		if (next == ~0u)
			return;
		from = next + 1;
	}
	struct rlimit rl;
	rlim_t max = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
	if (max > 65536)
		max = 65536;
	for (int fd = 3; fd < (int)max; fd++)
		if (!kept(keep, n, fd))
			close(fd);
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	int r = path_fmt(buf, sizeof buf, "%s", path);
	if (r < 0)
		return r;
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

int parse_u64(const char *s, unsigned long long *out)
{
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	unsigned long long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (v > (ULLONG_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int path_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	return n;
}

void inotify_each(int fd, void (*fn)(void *ctx, const struct inotify_event *ev), void *ctx)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (int round = 0; round < 16; round++) {
		ssize_t n = read_retry(fd, buf, sizeof buf);
		if (n <= 0)
			return;
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *ev = (const void *)(buf + off);
			off += (ssize_t)sizeof *ev + ev->len;
			fn(ctx, ev);
		}
	}
}
