/*
 * Safe image paths for the uenv mount manager (see uenv_path.h): one
 * spelling per file, roots matched by whole components, and the image
 * opened beneath its root without following any symlink (openat2
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or one component at a time with
 * O_NOFOLLOW where openat2 is missing), then checked: a regular file, the
 * same one twice, with the squashfs magic. The mount point side: a name
 * from a bounded charset (else a hash), and its directory made and checked
 * relative to an fd on the base, so that no name and nothing found under
 * the base can lead a mount anywhere else.
 */
#include "os/uenv_path.h"
#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/syscall.h>
#include <unistd.h>

int uenv_path_normalize(const char *in, char *out, size_t cap)
{
	if (!in || in[0] != '/')
		return -EINVAL;
	if (strnlen(in, cap) >= cap)
		return -ENAMETOOLONG;
	size_t o = 0;
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - s);
		if (len == 0 || (len == 1 && s[0] == '.'))
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.')
			return -EXDEV;
		out[o++] = '/';
		memcpy(out + o, s, len);
		o += len;
	}
	out[o] = '\0';
	return o == 0 ? -EINVAL : 0; /* "/" names no file */
}

const char *uenv_path_under_root(const char *const *roots, size_t nroots, const char *path,
				 int *root)
{
	for (size_t i = 0; i < nroots; i++) {
		const char *r = roots[i];
		size_t n = strcmp(r, "/") == 0 ? 0 : strlen(r);
		if (strncmp(path, r, n) == 0 && path[n] == '/' && path[n + 1]) {
			*root = (int)i;
			return path + n + 1;
		}
	}
	return NULL;
}

/* Resolve one component at a time with O_NOFOLLOW when openat2 is unavailable. */
static int walk_nofollow(int dirfd, const char *rel, int final_flags)
{
	char comp[256];
	int fd = dirfd, r = 0;
	while (*rel) {
		const char *slash = strchr(rel, '/');
		size_t len = slash ? (size_t)(slash - rel) : strlen(rel);
		if (len >= sizeof comp) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, rel, len);
		comp[len] = '\0';
		int flags = slash ? O_PATH | O_NOFOLLOW | O_CLOEXEC : final_flags;
		int nfd = openat(fd, comp, flags);
		if (fd != dirfd)
			close_fd(fd);
		fd = -1;
		if (nfd < 0) {
			r = -errno;
			break;
		}
		fd = nfd;
		if (slash) {
			struct stat st;
			if (fstat(fd, &st) < 0)
				r = -errno;
			else if (S_ISLNK(st.st_mode))
				r = -ELOOP;
			else if (!S_ISDIR(st.st_mode))
				r = -ENOTDIR;
			if (r < 0)
				break;
		}
		rel = slash ? slash + 1 : rel + len;
	}
	if (r < 0) {
		if (fd >= 0 && fd != dirfd)
			close_fd(fd);
		return r;
	}
	return fd;
}

int uenv_path_open_beneath(int dirfd, const char *rel, int flags, unsigned long long resolve)
{
	struct open_how how;
	memset(&how, 0, sizeof how);
	how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | resolve;
	long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS && errno != E2BIG && errno != EPERM)
		return -errno;
	/* before 5.6: the caller checks the device where it matters (NO_XDEV) */
	return walk_nofollow(dirfd, rel, flags | O_NOFOLLOW | O_CLOEXEC);
}

static int open_beneath(int dirfd, const char *rel, int flags)
{
	return uenv_path_open_beneath(dirfd, rel, flags, 0);
}

/* -err, with why set. */
__attribute__((format(printf, 4, 5))) static int refuse(char *why, size_t cap, int err,
							const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return -err;
}

int uenv_path_open_image(const char *root_dir, const char *rel, char *why, size_t cap)
{
	int dirfd = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		int e = errno;
		return refuse(why, cap, e, "image root %s: %s", root_dir, strerror(e));
	}
	struct stat st, st2;
	int fd = open_beneath(dirfd, rel, O_PATH);
	if (fd < 0) {
		close_fd(dirfd);
		switch (-fd) {
		case ENOENT:
			return refuse(why, cap, ENOENT, "no such file");
		case ELOOP:
			return refuse(why, cap, ELOOP, "a symlink in the path (not allowed)");
		case ENOTDIR:
			return refuse(why, cap, ENOTDIR, "a parent is not a directory");
		default:
			return refuse(why, cap, -fd, "open: %s", strerror(-fd));
		}
	}
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	close_fd(fd);
	if (r < 0) {
		close_fd(dirfd);
		return refuse(why, cap, -r, "stat: %s", strerror(-r));
	}
	if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
		close_fd(dirfd);
		if (S_ISLNK(st.st_mode))
			return refuse(why, cap, ELOOP, "is a symlink (not allowed)");
		if (S_ISDIR(st.st_mode))
			return refuse(why, cap, EISDIR, "is a directory");
		return refuse(why, cap, ENODEV, "not a regular file");
	}
	/* Regular: now open it for reading (O_PATH first so no device is ever opened). */
	fd = open_beneath(dirfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	close_fd(dirfd);
	if (fd < 0)
		return refuse(why, cap, -fd, "open: %s", strerror(-fd));
	if (fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
		close_fd(fd);
		return refuse(why, cap, EAGAIN, "replaced while being opened");
	}
	char magic[4];
	ssize_t n = pread(fd, magic, sizeof magic, 0);
	if (n != (ssize_t)sizeof magic || memcmp(magic, "hsqs", 4) != 0) {
		close_fd(fd);
		if (n < 0) {
			int e = errno;
			return refuse(why, cap, e, "read: %s", strerror(e));
		}
		return refuse(why, cap, EMEDIUMTYPE, "not a squashfs image (no \"hsqs\" magic)");
	}
	return fd;
}

/* ---- the mount point ---- */

unsigned long long uenv_path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (unsigned long long)h;
}

static int name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '+' || c == '-';
}

/* The image's file name without ".sqfs", if it may be a name as it is. */
static size_t plain_name(const char *image, const char **name)
{
	const char *b = strrchr(image, '/');
	b = b ? b + 1 : image;
	size_t len = strlen(b);
	if (len > 5 && strcmp(b + len - 5, ".sqfs") == 0)
		len -= 5;
	*name = b;
	if (len == 0 || len > UENV_NAME_MAX || b[0] == '.' || b[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!name_char_ok(b[i]))
			return 0;
	return len;
}

void uenv_path_mount_name(const char *image, int alt, char *out, size_t cap)
{
	const char *name;
	size_t len = plain_name(image, &name);
	unsigned long long h = uenv_path_hash(image);
	int n = len ? snprintf(out, cap, "%.*s", (int)len, name)
		    : snprintf(out, cap, "uenv-%016llx", h);
	if (alt && n > 0 && (size_t)n < cap)
		snprintf(out + n, cap - (size_t)n, "-%016llx", h);
}

int uenv_path_open_base(const char *base, struct stat *st)
{
	int fd = open(base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		int r = mkdir_p(base, 0755);
		if (r < 0)
			return r;
		fd = open(base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ELOOP ? -ENOTDIR : -errno; /* O_NOFOLLOW on a symlink: ELOOP */
	if (fstat(fd, st) < 0) {
		int e = errno;
		close_fd(fd);
		return -e;
	}
	return fd;
}

/* 1 when the directory open at fd has no entry but "." and "..", 0 when it
 * has one, -errno when it cannot be read. */
static int dir_is_empty(int fd)
{
	char buf[512] __attribute__((aligned(8)));
	long n;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			/* struct linux_dirent64: d_reclen at 16, d_name at 19 */
			const char *name = buf + off + 19;
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, sizeof reclen);
			if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
				return 0;
			off += reclen;
		}
	}
	return n < 0 ? -errno : 1;
}

int uenv_path_mount_dir(int basefd, const struct stat *base_st, const char *name, int *made)
{
	*made = mkdirat(basefd, name, 0755) == 0;
	if (!*made && errno != EEXIST)
		return -errno;
	/* no symlink, and no mount point crossed: a mount found there is not ours to cover */
	int fd = uenv_path_open_beneath(basefd, name, O_RDONLY | O_DIRECTORY, RESOLVE_NO_XDEV);
	if (fd < 0)
		return fd == -ELOOP || fd == -ENOTDIR || fd == -EXDEV ? -EEXIST : fd;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	if (r == 0 && (!S_ISDIR(st.st_mode) || st.st_dev != base_st->st_dev))
		r = -EEXIST; /* another filesystem there (a mount, seen without openat2) */
	if (r == 0 && !*made) {
		int e = dir_is_empty(fd);
		r = e < 0 ? e : e == 0 ? -EEXIST : 0;
	}
	if (r < 0) {
		close_fd(fd);
		return r;
	}
	return fd;
}
