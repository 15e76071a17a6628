/*
 * The uenv mount manager: a fixed table of image -> mount entries with
 * refcounts and hold timers. The first acquire validates the image path
 * and file, binds a loop device and mounts it; later ones only count. The
 * last release arms the hold timer; its expiry unmounts lazily and the
 * loop device goes by autoclear. Refcount misuse is refused and logged
 * (WI2), never fatal: this runs in PID 1.
 */
#include "os/uenv.h"
#include "os/mounts.h"
#include "lib/fileio.h"
#include "lib/linebuf.h"
#include "lib/log.h"

#include <pact/contract.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* ---- the real syscalls ---- */

static int sys_attach(void *ctx, const char *dev_dir, int image_fd, const char *image,
		      struct loopdev *lo)
{
	(void)ctx;
	const char *label = strrchr(image, '/');
	return loopdev_attach_ro(dev_dir, image_fd, label ? label + 1 : image, lo);
}

static int sys_mount(void *ctx, const struct loopdev *lo, const char *target)
{
	(void)ctx;
	if (mount(lo->path, target, "squashfs", MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return -errno;
	return 0;
}

static void sys_unbind(void *ctx, struct loopdev *lo)
{
	(void)ctx;
	loopdev_detach(lo);
}

static void sys_close(void *ctx, struct loopdev *lo)
{
	(void)ctx;
	loopdev_close(lo);
}

static int sys_umount(void *ctx, const char *target)
{
	(void)ctx;
	return umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 ? -errno : 0;
}

const struct uenv_sys uenv_sys_real = {
    .attach = sys_attach,
    .mount = sys_mount,
    .unbind = sys_unbind,
    .close = sys_close,
    .umount = sys_umount,
};

/* ---- errors ---- */

__attribute__((format(printf, 3, 4))) static int fail(struct uenv_mgr *m, int err, const char *fmt,
						      ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->err, sizeof m->err, fmt, ap);
	va_end(ap);
	log_err("uenv: %s", m->err);
	return -err;
}

const char *uenv_last_error(const struct uenv_mgr *m)
{
	return m->err;
}

/* ---- configuration ---- */

/* Copy an absolute directory path without trailing slashes ("/" stays "/"). */
static int copy_dir(char *dst, const char *src)
{
	if (!src || src[0] != '/')
		return -EINVAL;
	int r = path_fmt(dst, UENV_ROOT_MAX, "%s", src);
	if (r < 0)
		return r;
	for (size_t n = strlen(dst); n > 1 && dst[n - 1] == '/'; n--)
		dst[n - 1] = '\0';
	return 0;
}

int uenv_init(struct uenv_mgr *m, const struct uenv_config *cfg)
{
	static const struct uenv_config defaults = {.roots = {"/images"}, .nroots = 1};
	if (!cfg)
		cfg = &defaults;
	/* the table is large: clear only the slots in use, so a fresh
	 * (zero) manager does not turn all of it into resident pages */
	memset(m, 0, offsetof(struct uenv_mgr, e));
	for (size_t i = 0; i < UENV_MAX_ENTRIES; i++)
		if (m->e[i].used || m->e[i].gen)
			memset(&m->e[i], 0, sizeof m->e[i]);
	m->cfg = *cfg;
	size_t n = cfg->nroots;
	if (n == 0)
		while (n < UENV_MAX_ROOTS && cfg->roots[n])
			n++;
	if (n == 0)
		return -EINVAL;
	if (n > UENV_MAX_ROOTS)
		return -E2BIG;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		r = copy_dir(m->roots[i], cfg->roots[i]);
		m->cfg.roots[i] = m->roots[i];
	}
	m->cfg.nroots = n;
	if (r == 0)
		r = copy_dir(m->base, cfg->base ? cfg->base : PACT_UENV_MOUNT_BASE);
	if (r == 0)
		r = copy_dir(m->dev_dir, cfg->dev_dir ? cfg->dev_dir : "/dev");
	if (r == 0)
		r = copy_dir(m->sys_dir, cfg->sys_dir ? cfg->sys_dir : "/sys");
	if (r == 0)
		r = path_fmt(m->mountinfo, sizeof m->mountinfo, "%s",
			     cfg->mountinfo ? cfg->mountinfo : "/proc/self/mountinfo");
	if (r < 0)
		return r;
	m->cfg.base = m->base;
	m->cfg.dev_dir = m->dev_dir;
	m->cfg.sys_dir = m->sys_dir;
	m->cfg.mountinfo = m->mountinfo;
	if (m->cfg.hold_ms == 0)
		m->cfg.hold_ms = (uint64_t)PACT_DEFAULT_HOLD_TIME_SECS * 1000u;
	if (m->cfg.mount_timeout_ms == 0)
		m->cfg.mount_timeout_ms = 30000;
	if (!m->cfg.sys)
		m->cfg.sys = &uenv_sys_real;
	return 0;
}

void uenv_fini(struct uenv_mgr *m)
{
	for (int i = 0; i < UENV_MAX_ENTRIES; i++) {
		struct uenv_entry *e = &m->e[i];
		if (!e->used)
			continue;
		timer_cancel(&e->hold);
		if (e->state != UENV_MOUNTED) {
			/* a worker still running: forget it; a later reconstruct finds its mount */
			loop_unwatch_child(e->worker);
			close_fd(e->result_fd);
		}
	}
	memset(m->e, 0, sizeof m->e);
}

void uenv_set_emergency(struct uenv_mgr *m, int on)
{
	m->emergency = on;
}

static int in_emergency(struct uenv_mgr *m)
{
	if (m->cfg.in_emergency)
		return m->cfg.in_emergency(m->cfg.emergency_ctx);
	return m->emergency;
}

/* ---- paths ---- */

/*
 * Absolute, at most UENV_IMAGE_MAX, no ".." component; repeated slashes
 * and "." components are dropped so one file has one spelling (the table
 * key). Returns 0 or -EINVAL / -ENAMETOOLONG / -EXDEV.
 */
static int normalize(const char *in, char *out)
{
	if (!in || in[0] != '/')
		return -EINVAL;
	if (strnlen(in, UENV_IMAGE_MAX) >= UENV_IMAGE_MAX)
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

/* The path relative to the first root it lies under (whole components), or NULL. */
static const char *under_root(const struct uenv_mgr *m, const char *path, int *root)
{
	for (size_t i = 0; i < m->cfg.nroots; i++) {
		const char *r = m->roots[i];
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

/* Open rel beneath dirfd refusing every symlink on the way. */
static int open_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how;
	memset(&how, 0, sizeof how);
	how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS && errno != E2BIG && errno != EPERM)
		return -errno;
	return walk_nofollow(dirfd, rel, flags | O_NOFOLLOW | O_CLOEXEC);
}

/* Open and check the image file; returns an O_RDONLY fd or a failure. */
static int open_image(struct uenv_mgr *m, const char *image, int root, const char *rel)
{
	static const char hdr[] = "mount failed for";
	int dirfd = open(m->roots[root], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return fail(m, errno, "%s %s: image root %s: %s", hdr, image, m->roots[root],
			    strerror(errno));
	struct stat st, st2;
	int fd = open_beneath(dirfd, rel, O_PATH);
	if (fd < 0) {
		close_fd(dirfd);
		switch (-fd) {
		case ENOENT:
			return fail(m, ENOENT, "%s %s: no such file", hdr, image);
		case ELOOP:
			return fail(m, ELOOP, "%s %s: a symlink in the path (not allowed)", hdr,
				    image);
		case ENOTDIR:
			return fail(m, ENOTDIR, "%s %s: a parent is not a directory", hdr, image);
		default:
			return fail(m, -fd, "%s %s: open: %s", hdr, image, strerror(-fd));
		}
	}
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	close_fd(fd);
	if (r < 0) {
		close_fd(dirfd);
		return fail(m, -r, "%s %s: stat: %s", hdr, image, strerror(-r));
	}
	if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
		close_fd(dirfd);
		if (S_ISLNK(st.st_mode))
			return fail(m, ELOOP, "%s %s: is a symlink (not allowed)", hdr, image);
		if (S_ISDIR(st.st_mode))
			return fail(m, EISDIR, "%s %s: is a directory", hdr, image);
		return fail(m, ENODEV, "%s %s: not a regular file", hdr, image);
	}
	/* Regular: now open it for reading (O_PATH first so no device is ever opened). */
	fd = open_beneath(dirfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	close_fd(dirfd);
	if (fd < 0)
		return fail(m, -fd, "%s %s: open: %s", hdr, image, strerror(-fd));
	if (fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
		close_fd(fd);
		return fail(m, EAGAIN, "%s %s: replaced while being opened", hdr, image);
	}
	char magic[4];
	ssize_t n = pread(fd, magic, sizeof magic, 0);
	if (n != (ssize_t)sizeof magic || memcmp(magic, "hsqs", 4) != 0) {
		close_fd(fd);
		if (n < 0)
			return fail(m, errno, "%s %s: read: %s", hdr, image, strerror(errno));
		return fail(m, EMEDIUMTYPE, "%s %s: not a squashfs image (no \"hsqs\" magic)", hdr,
			    image);
	}
	return fd;
}

/* ---- the table ---- */

static struct uenv_entry *find(struct uenv_mgr *m, const char *image)
{
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		if (m->e[i].used && strcmp(m->e[i].image, image) == 0)
			return &m->e[i];
	return NULL;
}

static struct uenv_entry *free_slot(struct uenv_mgr *m)
{
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		if (!m->e[i].used)
			return &m->e[i];
	return NULL;
}

static int name_taken(const struct uenv_mgr *m, const char *mp)
{
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		if (m->e[i].used && strcmp(m->e[i].mount_point, mp) == 0)
			return 1;
	return 0;
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/*
 * Make the mount point directory: <base>/<name>, or on a collision (another
 * image of ours has that name, or something else is mounted there)
 * <base>/<name>-<16 hex digits of FNV-1a-64 of the image path>.
 */
static int make_mount_point(struct uenv_mgr *m, const char *image, char *mp)
{
	const char *b = strrchr(image, '/') + 1;
	size_t len = strlen(b);
	if (len > 5 && strcmp(b + len - 5, ".sqfs") == 0)
		len -= 5;
	struct stat base_st;
	if (stat(m->base, &base_st) < 0) {
		int r = errno == ENOENT ? mkdir_p(m->base, 0755) : -errno;
		if (r == 0 && stat(m->base, &base_st) < 0)
			r = -errno;
		if (r < 0)
			return fail(m, -r, "mount failed for %s: uenv base %s: %s", image, m->base,
				    strerror(-r));
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		int r = attempt == 0 ? path_fmt(mp, UENV_MOUNT_MAX, "%s/%.*s", m->base, (int)len, b)
				     : path_fmt(mp, UENV_MOUNT_MAX, "%s/%.*s-%016llx", m->base,
						(int)len, b, (unsigned long long)fnv1a64(image));
		if (r < 0)
			return fail(m, -r, "mount failed for %s: mount point name too long", image);
		if (name_taken(m, mp))
			continue;
		if (mkdir(mp, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return fail(m, errno, "mount failed for %s: mkdir %s: %s", image, mp,
				    strerror(errno));
		struct stat st;
		if (lstat(mp, &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == base_st.st_dev)
			return 0; /* an empty leftover directory: reuse it */
		log_warn("uenv: %s is in use by something else; trying another name", mp);
	}
	return fail(m, EEXIST, "mount failed for %s: no free mount point name under %s", image,
		    m->base);
}

static void fill_handle(const struct uenv_mgr *m, const struct uenv_entry *e, struct uenv_handle *h)
{
	memcpy(h->image_path, e->image, sizeof h->image_path);
	memcpy(h->mount_point, e->mount_point, sizeof h->mount_point);
	h->gen = e->gen;
	h->slot = (int)(e - m->e);
}

static void hold_expired(void *ctx);

/* The path checks that need no syscall; fills image (normalised). */
static int check_path(struct uenv_mgr *m, const char *image_path, char *image)
{
	int r = normalize(image_path, image);
	if (r == -EINVAL)
		return fail(m, EINVAL, "mount failed for %s: not an absolute path to a file",
			    image_path ? image_path : "(null)");
	if (r == -ENAMETOOLONG)
		return fail(m, ENAMETOOLONG, "mount failed for %.64s...: path too long (max %d)",
			    image_path, UENV_IMAGE_MAX - 1);
	if (r == -EXDEV)
		return fail(m, EXDEV, "mount failed for %s: \"..\" in the path", image_path);
	return 0;
}

/* A later reference: count only, no syscall but the timer's. */
static int hit(struct uenv_mgr *m, struct uenv_entry *e, struct uenv_handle *out)
{
	if (e->state != UENV_MOUNTED)
		return fail(m, EBUSY, "mount failed for %s: a mount of it is still in progress",
			    e->image);
	if (e->refcount == UINT32_MAX)
		return fail(m, EOVERFLOW, "refcount inconsistency for %s: count overflow",
			    e->image);
	e->refcount++;
	if (timer_armed(&e->hold))
		timer_cancel(&e->hold);
	fill_handle(m, e, out);
	return 0;
}

/* Bind the open image to a loop device and mount it on mp; nothing left on failure. */
static int attach_and_mount(struct uenv_mgr *m, const char *image, int fd, const char *mp,
			    struct loopdev *lo)
{
	const struct uenv_sys *sys = m->cfg.sys;
	int r = sys->attach(m->cfg.sys_ctx, m->dev_dir, fd, image, lo);
	if (r < 0)
		return fail(m, -r, "mount failed for %s: loop device: %s", image, strerror(-r));
	r = sys->mount(m->cfg.sys_ctx, lo, mp);
	if (r < 0) {
		sys->unbind(m->cfg.sys_ctx, lo);
		return fail(m, -r, "mount failed for %s: mount %s on %s: %s", image, lo->path, mp,
			    strerror(-r));
	}
	sys->close(m->cfg.sys_ctx, lo); /* autoclear: the device goes with the mount */
	return 0;
}

static void set_mounted(struct uenv_mgr *m, struct uenv_entry *e, const char *image, const char *mp,
			const struct loopdev *lo, unsigned refcount)
{
	memset(e, 0, sizeof *e);
	e->used = 1;
	e->state = UENV_MOUNTED;
	e->refcount = refcount;
	e->gen = ++m->next_gen;
	e->mgr = m;
	e->result_fd = -1;
	e->major = lo->major;
	e->minor = lo->minor;
	if (lo->index >= 0)
		snprintf(e->loopname, sizeof e->loopname, "loop%d", lo->index);
	else if (loopdev_name(m->sys_dir, lo->major, lo->minor, e->loopname, sizeof e->loopname) <
		 0)
		snprintf(e->loopname, sizeof e->loopname, "?");
	snprintf(e->image, sizeof e->image, "%s", image);
	snprintf(e->mount_point, sizeof e->mount_point, "%s", mp);
	log_info("uenv: mounted %s on %s (%s)", image, mp, e->loopname);
}

/* The image's root and the part below it, and a free slot for its mount;
 * NULL with *err set (and m->err saying why) when either is missing. */
static struct uenv_entry *claim_slot(struct uenv_mgr *m, const char *image, const char **rel,
				     int *root, int *err)
{
	*rel = under_root(m, image, root);
	if (!*rel) {
		*err = fail(m, EACCES, "mount failed for %s: not under an image root (%s%s)", image,
			    m->roots[0], m->cfg.nroots > 1 ? ", ..." : "");
		return NULL;
	}
	struct uenv_entry *e = free_slot(m);
	if (!e)
		*err = fail(m, ENOSPC, "mount failed for %s: too many uenv mounts (max %d)", image,
			    UENV_MAX_ENTRIES);
	return e;
}

int uenv_acquire(struct uenv_mgr *m, const char *image_path, struct uenv_handle *out)
{
	char image[UENV_IMAGE_MAX];
	if (!out)
		return fail(m, EINVAL, "mount failed for %s: no handle to fill",
			    image_path ? image_path : "(null)");
	int r = check_path(m, image_path, image);
	if (r < 0)
		return r;
	struct uenv_entry *e = find(m, image);
	if (e)
		return hit(m, e, out);

	int root;
	const char *rel;
	e = claim_slot(m, image, &rel, &root, &r);
	if (!e)
		return r;
	int fd = open_image(m, image, root, rel);
	if (fd < 0)
		return fd;
	char mp[UENV_MOUNT_MAX];
	r = make_mount_point(m, image, mp);
	struct loopdev lo;
	if (r == 0) {
		r = attach_and_mount(m, image, fd, mp, &lo);
		if (r < 0)
			rmdir(mp);
	}
	close_fd(fd); /* a bound loop device holds its own reference to the file */
	if (r < 0)
		return r;
	set_mounted(m, e, image, mp, &lo, 1);
	fill_handle(m, e, out);
	return 0;
}

/* ---- acquire_async: the first mount in a worker child ---- */

/* What the worker sends back: one write, well under PIPE_BUF, so atomic. */
struct worker_result {
	int err;
	int index;
	unsigned major, minor;
	char msg[UENV_ERR_MAX];
};

static void worker_timeout(void *ctx);
static void worker_reaped(void *ctx, pid_t pid, int status);

/* In the child: validate, attach, mount; report; never return. */
static __attribute__((noreturn)) void worker_main(struct uenv_mgr *m, struct uenv_entry *e,
						  int root, const char *rel, int wfd)
{
	struct worker_result res;
	memset(&res, 0, sizeof res);
	struct loopdev lo;
	int fd = open_image(m, e->image, root, rel);
	int r = fd < 0 ? fd : attach_and_mount(m, e->image, fd, e->mount_point, &lo);
	close_fd(fd);
	res.err = r;
	if (r == 0) {
		res.index = lo.index;
		res.major = lo.major;
		res.minor = lo.minor;
	} else {
		memcpy(res.msg, m->err, sizeof res.msg);
	}
	(void)!write(wfd, &res, sizeof res);
	_exit(0); /* child: the mount worker */
}

static void call_waiters(struct uenv_mgr *m, const struct uenv_waiter *w, int n, int err,
			 const struct uenv_handle *h)
{
	for (int i = 0; i < n; i++)
		w[i].cb(w[i].ctx, err, h);
	(void)m;
}

static void free_worker(struct uenv_entry *e)
{
	timer_cancel(&e->hold);
	close_fd(e->result_fd);
	e->result_fd = -1;
	e->worker = 0;
}

static void worker_reaped(void *ctx, pid_t pid, int status)
{
	struct uenv_entry *e = ctx;
	struct uenv_mgr *m = e->mgr;
	if (!e->used || e->worker != pid)
		return; /* forgotten by uenv_fini */
	struct worker_result res;
	ssize_t n = read_retry(e->result_fd, &res, sizeof res);
	free_worker(e);
	if (n != (ssize_t)sizeof res) {
		memset(&res, 0, sizeof res);
		res.err = -EIO;
		snprintf(res.msg, sizeof res.msg,
			 "mount failed for %s: the mount worker died (wait status %#x)", e->image,
			 (unsigned)status);
		/* killed between its mount and its report? then the mount is there */
		struct stat st, bst;
		if (stat(e->mount_point, &st) == 0 && stat(m->base, &bst) == 0 &&
		    st.st_dev != bst.st_dev) {
			res.err = 0;
			res.index = -1;
			res.major =
			    major(st.st_dev); /* a block filesystem's st_dev: the loop device */
			res.minor = minor(st.st_dev);
		}
	}
	char image[UENV_IMAGE_MAX], mp[UENV_MOUNT_MAX];
	memcpy(image, e->image, sizeof image);
	memcpy(mp, e->mount_point, sizeof mp);
	struct uenv_waiter w[UENV_MAX_WAITERS];
	int nw = e->state == UENV_PENDING ? e->nwaiters : 0;
	memcpy(w, e->waiters, sizeof w);
	int abandoned = e->state == UENV_ABANDONED;
	if (res.err < 0) {
		rmdir(mp);
		memset(e, 0, sizeof *e);
		if (abandoned)
			log_notice("uenv: the timed-out mount worker for %s is gone", image);
		snprintf(m->err, sizeof m->err, "%s", res.msg);
		if (n != (ssize_t)sizeof res)
			log_err("uenv: %s", m->err); /* else the worker logged it */
		call_waiters(m, w, nw, res.err, NULL);
		return;
	}
	struct loopdev lo = {.fd = -1, .index = res.index, .major = res.major, .minor = res.minor};
	set_mounted(m, e, image, mp, &lo, (unsigned)nw);
	if (abandoned) {
		/* it mounted after all: own it, and let the hold time take it down */
		log_warn("uenv: %s mounted after its worker timed out; unmounting after the hold",
			 image);
		timer_arm(&e->hold, m->cfg.hold_ms, hold_expired, e);
		return;
	}
	struct uenv_handle h;
	fill_handle(m, e, &h);
	call_waiters(m, w, nw, 0, &h); /* each may release at once: the count is already set */
}

static void worker_timeout(void *ctx)
{
	struct uenv_entry *e = ctx;
	struct uenv_mgr *m = e->mgr;
	kill(e->worker, SIGKILL);
	e->state = UENV_ABANDONED;
	struct uenv_waiter w[UENV_MAX_WAITERS];
	int nw = e->nwaiters;
	memcpy(w, e->waiters, sizeof w);
	e->nwaiters = 0;
	snprintf(m->err, sizeof m->err,
		 "mount failed for %s: timed out after %llu ms (worker %d killed)", e->image,
		 (unsigned long long)m->cfg.mount_timeout_ms, (int)e->worker);
	log_err("uenv: %s", m->err);
	call_waiters(m, w, nw, -ETIMEDOUT, NULL);
}

int uenv_acquire_async(struct uenv_mgr *m, const char *image_path, uenv_acquire_cb cb, void *ctx)
{
	char image[UENV_IMAGE_MAX];
	if (!cb)
		return fail(m, EINVAL, "mount failed for %s: no callback",
			    image_path ? image_path : "(null)");
	int r = check_path(m, image_path, image);
	if (r < 0)
		return r;
	struct uenv_entry *e = find(m, image);
	if (e && e->state == UENV_MOUNTED) {
		struct uenv_handle h;
		r = hit(m, e, &h);
		if (r == 0)
			cb(ctx, 0, &h);
		return r;
	}
	if (e && e->state == UENV_ABANDONED)
		return fail(m, EBUSY, "mount failed for %s: an earlier mount attempt is stuck",
			    image);
	if (e) { /* pending: wait with the others */
		if (e->nwaiters >= UENV_MAX_WAITERS)
			return fail(m, EBUSY, "mount failed for %s: too many waiters (max %d)",
				    image, UENV_MAX_WAITERS);
		e->waiters[e->nwaiters++] = (struct uenv_waiter){cb, ctx};
		return 0;
	}
	int root;
	const char *rel;
	e = claim_slot(m, image, &rel, &root, &r);
	if (!e)
		return r;
	/* the name is chosen here, in the one place that sees every pending mount */
	char mp[UENV_MOUNT_MAX];
	r = make_mount_point(m, image, mp);
	if (r < 0)
		return r;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = errno;
		rmdir(mp);
		return fail(m, r, "mount failed for %s: pipe: %s", image, strerror(r));
	}
	memset(e, 0, sizeof *e);
	e->used = 1;
	e->state = UENV_PENDING;
	e->mgr = m;
	snprintf(e->image, sizeof e->image, "%s", image);
	snprintf(e->mount_point, sizeof e->mount_point, "%s", mp);
	e->waiters[0] = (struct uenv_waiter){cb, ctx};
	e->nwaiters = 1;
	rel = e->image + (rel - image);
	pid_t pid = fork();
	if (pid == 0) {
		close_fd(pfd[0]);
		worker_main(m, e, root, rel, pfd[1]);
	}
	close_fd(pfd[1]);
	if (pid < 0 || loop_watch_child(pid, worker_reaped, e) < 0) {
		r = pid < 0 ? errno : ENOSPC;
		if (pid > 0)
			kill(pid, SIGKILL); /* reaped silently by the loop as an orphan */
		close_fd(pfd[0]);
		rmdir(mp);
		memset(e, 0, sizeof *e);
		return fail(m, r, "mount failed for %s: starting the mount worker: %s", image,
			    strerror(r));
	}
	e->worker = pid;
	e->result_fd = pfd[0];
	timer_arm(&e->hold, m->cfg.mount_timeout_ms, worker_timeout, e);
	return 0;
}

static struct uenv_entry *find_handle(struct uenv_mgr *m, const struct uenv_handle *h)
{
	if (h->slot >= 0 && h->slot < UENV_MAX_ENTRIES) {
		struct uenv_entry *e = &m->e[h->slot];
		if (e->used && strcmp(e->image, h->image_path) == 0)
			return e;
	}
	return find(m, h->image_path);
}

/* Was this mount instance force-unmounted recently (its holders' releases are expected)? */
static int was_forced(const struct uenv_mgr *m, uint64_t gen)
{
	for (unsigned i = 0; gen && i < UENV_FORCED_MAX; i++)
		if (m->forced[i] == gen)
			return 1;
	return 0;
}

int uenv_release(struct uenv_mgr *m, const struct uenv_handle *h)
{
	if (!h)
		return fail(m, EINVAL, "refcount inconsistency for (null): no handle");
	struct uenv_entry *e = find_handle(m, h);
	if (e && e->state != UENV_MOUNTED)
		e = NULL; /* a mount still pending has no handles yet */
	if ((!e || (h->gen && h->gen != e->gen)) && was_forced(m, h->gen)) {
		snprintf(m->err, sizeof m->err,
			 "release of %s after its emergency force unmount; ignored", h->image_path);
		log_notice("uenv: %s", m->err);
		return -ESTALE;
	}
	if (!e)
		return fail(m, ENOENT,
			    "refcount inconsistency for %s: release of an image that is not "
			    "mounted (WI2); ignored",
			    h->image_path);
	if (h->gen && h->gen != e->gen)
		return fail(m, ESTALE,
			    "refcount inconsistency for %s: stale handle (from an earlier mount "
			    "of this image, already released); ignored",
			    h->image_path);
	if (e->refcount == 0)
		return fail(m, ERANGE,
			    "refcount inconsistency for %s: release below zero (WI2); state "
			    "unchanged",
			    e->image);
	if (--e->refcount == 0)
		timer_arm(&e->hold, m->cfg.hold_ms, hold_expired, e);
	return 0;
}

/* Unmount an entry now and free its slot; on failure it stays as it was. */
static int unmount_entry(struct uenv_mgr *m, struct uenv_entry *e)
{
	int r = m->cfg.sys->umount(m->cfg.sys_ctx, e->mount_point);
	if (r < 0 && r != -EINVAL && r != -ENOENT) /* EINVAL/ENOENT: already gone */
		return r;
	if (rmdir(e->mount_point) < 0 && errno != ENOENT)
		log_warn("uenv: rmdir %s: %s", e->mount_point, strerror(errno));
	timer_cancel(&e->hold);
	memset(e, 0, sizeof *e);
	return 0;
}

static void hold_expired(void *ctx)
{
	struct uenv_entry *e = ctx;
	struct uenv_mgr *m = e->mgr;
	char image[UENV_IMAGE_MAX];
	memcpy(image, e->image, sizeof image);
	int r = unmount_entry(m, e);
	if (r < 0) {
		/* keep it and try again later rather than lose track of a mount */
		log_err("uenv: unmount failed for %s: %s; retrying in %llu ms", e->mount_point,
			strerror(-r), (unsigned long long)m->cfg.hold_ms);
		timer_arm(&e->hold, m->cfg.hold_ms, hold_expired, e);
		return;
	}
	log_info("uenv: unmounted %s (hold time over)", image);
}

int uenv_force_unmount(struct uenv_mgr *m, const char *image_path)
{
	char image[UENV_IMAGE_MAX];
	if (normalize(image_path, image) < 0)
		return fail(m, EINVAL, "unmount failed for %s: not a valid image path",
			    image_path ? image_path : "(null)");
	struct uenv_entry *e = find(m, image);
	if (!e)
		return fail(m, ENOENT, "unmount failed for %s: not mounted", image);
	if (e->state != UENV_MOUNTED)
		return fail(m, EBUSY, "unmount failed for %s: its mount is still in progress",
			    e->mount_point);
	if (!in_emergency(m))
		return fail(m, EPERM,
			    "unmount failed for %s: force unmount refused: not in a declared "
			    "emergency (RI3)",
			    e->mount_point);
	/* RI3: say what we do before doing it */
	log_notice("uenv: emergency force unmount of %s at %s, dropping %u reference(s)", image,
		   e->mount_point, e->refcount);
	char mp[UENV_MOUNT_MAX];
	memcpy(mp, e->mount_point, sizeof mp);
	uint64_t gen = e->gen;
	int r = unmount_entry(m, e);
	if (r < 0)
		return fail(m, -r, "unmount failed for %s: %s", mp, strerror(-r));
	m->forced[m->nforced++ % UENV_FORCED_MAX] = gen;
	return 0;
}

int uenv_lookup(struct uenv_mgr *m, const char *image_path, struct uenv_handle *out)
{
	char image[UENV_IMAGE_MAX];
	if (normalize(image_path, image) < 0)
		return -EINVAL;
	struct uenv_entry *e = find(m, image);
	if (!e || e->state != UENV_MOUNTED)
		return -ENOENT;
	fill_handle(m, e, out);
	out->gen = 0;
	return 0;
}

/* ---- reconstruct (WI6) ---- */


struct mi_line {
	unsigned major, minor;
	char *mount_point;
	char *fstype;
};

/* Split one mountinfo line; returns 0 when it has the fields we need. */
static int parse_mountinfo(char *line, struct mi_line *out)
{
	char *f[8];
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, " ", &save); t && n < 8; t = strtok_r(NULL, " ", &save)) {
		if (n >= 6 && strcmp(t, "-") != 0)
			continue; /* optional fields */
		f[n++] = t;
		if (n == 7) { /* after "-": fstype */
			char *fs = strtok_r(NULL, " ", &save);
			if (!fs)
				return -EINVAL;
			f[n++] = fs;
		}
	}
	if (n < 8)
		return -EINVAL;
	/* "MAJ:MIN" (no sscanf: it would pull scanf and strtod into PID 1) */
	char *colon = strchr(f[2], ':'), *end;
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	unsigned long maj = strtoul(f[2], &end, 10), min;
	if (*end || end == f[2])
		return -EINVAL;
	min = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1)
		return -EINVAL;
	out->major = (unsigned)maj;
	out->minor = (unsigned)min;
	mountinfo_unescape(f[4]);
	out->mount_point = f[4];
	out->fstype = f[7];
	return 0;
}

static unsigned count_users(const char *image, const char *const *active, size_t n)
{
	unsigned c = 0;
	char norm[UENV_IMAGE_MAX];
	for (size_t i = 0; i < n; i++)
		if (active[i] && normalize(active[i], norm) == 0 && strcmp(norm, image) == 0)
			c++;
	return c;
}

/* Adopt one squashfs mount under the base. Returns 1 adopted, 0 skipped, <0 full. */
static int adopt(struct uenv_mgr *m, const struct mi_line *mi, const char *const *active, size_t n)
{
	if (name_taken(m, mi->mount_point))
		return 0;
	char backing[UENV_IMAGE_MAX + 16], image[UENV_IMAGE_MAX];
	int r = loopdev_backing_file(m->sys_dir, mi->major, mi->minor, backing, sizeof backing);
	if (r < 0) {
		log_warn("uenv: %s: squashfs not on a bound loop device (%u:%u): left alone",
			 mi->mount_point, mi->major, mi->minor);
		return 0;
	}
	char *del = strstr(backing, " (deleted)");
	if (del && del[10] == '\0')
		*del = '\0';
	if (normalize(backing, image) < 0) {
		log_warn("uenv: %s: backing file %s is not a usable path: left alone",
			 mi->mount_point, backing);
		return 0;
	}
	if (find(m, image)) {
		log_warn("uenv: %s: %s is already mounted elsewhere under %s: left alone",
			 mi->mount_point, image, m->base);
		return 0;
	}
	struct uenv_entry *e = free_slot(m);
	if (!e) {
		log_err("uenv: reconstruct: table full (max %d); %s not adopted", UENV_MAX_ENTRIES,
			mi->mount_point);
		return -ENOSPC;
	}
	memset(e, 0, sizeof *e);
	e->used = 1;
	e->mgr = m;
	e->result_fd = -1;
	e->gen = ++m->next_gen;
	e->major = mi->major;
	e->minor = mi->minor;
	if (loopdev_name(m->sys_dir, mi->major, mi->minor, e->loopname, sizeof e->loopname) < 0)
		snprintf(e->loopname, sizeof e->loopname, "?");
	memcpy(e->image, image, sizeof e->image);
	snprintf(e->mount_point, sizeof e->mount_point, "%s", mi->mount_point);
	e->refcount = count_users(image, active, n);
	if (e->refcount == 0)
		timer_arm(&e->hold, m->cfg.hold_ms, hold_expired, e); /* WI6: orphan */
	log_info("uenv: adopted %s on %s (%s), %u reference(s)", image, e->mount_point, e->loopname,
		 e->refcount);
	return 1;
}

int uenv_reconstruct(struct uenv_mgr *m, const char *const *active_images, size_t n)
{
	static struct linebuf lb; /* 8 KiB: keep it off the stack; one loop thread */
	int r = linebuf_open(&lb, m->mountinfo);
	if (r < 0)
		return fail(m, -r, "reconstruct: %s: %s", m->mountinfo, strerror(-r));
	size_t blen = strlen(m->base);
	int adopted = 0;
	char *line;
	for (;;) {
		r = linebuf_next(&lb, &line);
		if (r == -E2BIG)
			continue;
		if (r < 0)
			break;
		struct mi_line mi;
		if (parse_mountinfo(line, &mi) < 0 || strcmp(mi.fstype, "squashfs") != 0)
			continue;
		/* directly under the base: <base>/<name> */
		if (strncmp(mi.mount_point, m->base, blen) != 0 || mi.mount_point[blen] != '/' ||
		    !mi.mount_point[blen + 1] || strchr(mi.mount_point + blen + 1, '/'))
			continue;
		int a = adopt(m, &mi, active_images, n);
		if (a < 0)
			break;
		adopted += a;
	}
	linebuf_close(&lb);
	if (r < 0 && r != -ENODATA && r != -ENOSPC)
		return fail(m, -r, "reconstruct: reading %s: %s", m->mountinfo, strerror(-r));
	/* an allocation whose image is not mounted cannot get its reference back */
	char norm[UENV_IMAGE_MAX];
	for (size_t i = 0; i < n; i++)
		if (!active_images[i] || normalize(active_images[i], norm) < 0 || !find(m, norm))
			log_warn("uenv: reconstruct: %s (in use by an allocation) is not mounted "
				 "under %s; not restored",
				 active_images[i] ? active_images[i] : "(null)", m->base);
	return adopted;
}

/* ---- listing ---- */

int uenv_foreach(const struct uenv_mgr *m, int (*cb)(void *ctx, const struct uenv_info *),
		 void *ctx)
{
	uint64_t now = now_ms();
	for (int i = 0; i < UENV_MAX_ENTRIES; i++) {
		const struct uenv_entry *e = &m->e[i];
		if (!e->used || e->state != UENV_MOUNTED)
			continue; /* pending first mounts are not listed */
		struct uenv_info info = {
		    .image = e->image,
		    .mount_point = e->mount_point,
		    .loopdev = e->loopname,
		    .major = e->major,
		    .minor = e->minor,
		    .refcount = e->refcount,
		    .hold_left_ms = -1,
		};
		if (timer_armed(&e->hold))
			info.hold_left_ms =
			    e->hold.deadline_ms > now ? (int64_t)(e->hold.deadline_ms - now) : 0;
		int r = cb(ctx, &info);
		if (r)
			return r;
	}
	return 0;
}

size_t uenv_count(const struct uenv_mgr *m)
{
	size_t n = 0;
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		n += m->e[i].used ? 1 : 0;
	return n;
}

/* Append s as a JSON string; returns the new length or -ENOSPC. */
static int json_str(char *buf, size_t cap, size_t len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (len + 1 >= cap)
		return -ENOSPC;
	buf[len++] = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t n = 0;
		if (c == '"' || c == '\\') {
			esc[n++] = '\\';
			esc[n++] = (char)c;
		} else if (c < 0x20) {
			memcpy(esc, "\\u00", 4);
			n = 4;
			esc[n++] = hex[c >> 4];
			esc[n++] = hex[c & 15];
		} else {
			esc[n++] = (char)c;
		}
		if (len + n + 1 >= cap)
			return -ENOSPC;
		memcpy(buf + len, esc, n);
		len += n;
	}
	if (len + 2 >= cap)
		return -ENOSPC;
	buf[len++] = '"';
	buf[len] = '\0';
	return (int)len;
}

int uenv_info_json(const struct uenv_info *info, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "{\"image_path\":");
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	n = json_str(buf, cap, (size_t)n, info->image);
	if (n >= 0 && (size_t)n + 16 < cap) {
		memcpy(buf + n, ",\"mount_point\":", 15);
		n = json_str(buf, cap, (size_t)n + 15, info->mount_point);
	} else {
		n = -ENOSPC;
	}
	if (n >= 0 && (size_t)n + 17 < cap) {
		memcpy(buf + n, ",\"loop_device\":", 15);
		n = json_str(buf, cap, (size_t)n + 15, info->loopdev);
	} else {
		n = -ENOSPC;
	}
	if (n < 0)
		return -ENOSPC;
	char hold[24] = "null";
	if (info->hold_left_ms >= 0)
		snprintf(hold, sizeof hold, "%lld", (long long)info->hold_left_ms);
	int m = snprintf(buf + n, cap - (size_t)n,
			 ",\"dev\":\"%u:%u\",\"refcount\":%u,\"hold_remaining_ms\":%s}",
			 info->major, info->minor, info->refcount, hold);
	if (m < 0 || (size_t)m >= cap - (size_t)n)
		return -ENOSPC;
	return n + m;
}

int uenv_prepare_dirs(const char *run_dir)
{
	static const char *const sub[] = {"uenv", "workdir", "data"};
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		char p[UENV_ROOT_MAX + 16];
		int r = path_fmt(p, sizeof p, "%s/%s", run_dir, sub[i]);
		if (r >= 0)
			r = mkdir_p(p, 0755);
		if (r < 0) {
			log_err("uenv: mkdir %s: %s", p, strerror(-r));
			return r;
		}
	}
	return 0;
}
