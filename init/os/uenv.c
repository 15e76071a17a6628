/*
 * The uenv mount manager: a fixed table of image -> mount entries with
 * refcounts and hold timers. The first acquire validates the image path
 * and file, binds a loop device and mounts it; later ones only count. The
 * last release arms the hold timer; its expiry unmounts lazily and the
 * loop device goes by autoclear. Refcount misuse is refused and logged
 * (WI2), never fatal: this runs in PID 1. The safe opening of an image is
 * uenv_path.c; the first mount in a worker child, uenv_async.c; the
 * rebuild from the mount table after a restart (WI6), uenv_mountinfo.c.
 */
#include "os/uenv_int.h"
#include "os/uenv_path.h"
#include "os/mounts.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/utf8.h"

#include <pact/contract.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
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

static int sys_mount(void *ctx, const struct loopdev *lo, int target_fd, const char *target)
{
	(void)ctx;
	(void)target;
	return mount_ro_at(target_fd, "squashfs", lo->path);
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

int uenv__fail(struct uenv_mgr *m, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	utf8_vfmt(m->err, sizeof m->err, fmt, ap);
	va_end(ap);
	log_err("uenv: %s", m->err);
	return -err;
}

int uenv__refuse(struct uenv_mgr *m, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	utf8_vfmt(m->err, sizeof m->err, fmt, ap);
	va_end(ap);
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

/* ---- the table ---- */

struct uenv_entry *uenv__find(struct uenv_mgr *m, const char *image)
{
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		if (m->e[i].used && strcmp(m->e[i].image, image) == 0)
			return &m->e[i];
	return NULL;
}

struct uenv_entry *uenv__free_slot(struct uenv_mgr *m)
{
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		if (!m->e[i].used)
			return &m->e[i];
	return NULL;
}

int uenv__name_taken(const struct uenv_mgr *m, const char *mp)
{
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		if (m->e[i].used && strcmp(m->e[i].mount_point, mp) == 0)
			return 1;
	return 0;
}

/*
 * Make the mount point directory: <base>/<name>, or on a collision (another
 * image of ours has that name, or something else is there: a file, a
 * symlink, a mount, a directory with something in it)
 * <base>/<name>-<16 hex digits of FNV-1a-64 of the image path>. The name
 * comes from a bounded charset (uenv_path_mount_name) and the directory is
 * made and opened relative to an fd on the base, without following any
 * symlink, so no image name and nothing found under the base can move a
 * mount outside it. Returns the directory's fd: the mount goes on exactly it.
 */
int uenv__make_mount_point(struct uenv_mgr *m, const char *image, char *mp)
{
	struct stat base_st;
	int basefd = uenv_path_open_base(m->base, &base_st);
	if (basefd < 0)
		return uenv__refuse(m, -basefd, "mount failed for %s: uenv base %s: %s", image,
				    m->base, strerror(-basefd));
	int fd = -EEXIST;
	for (int attempt = 0; attempt < 2 && fd == -EEXIST; attempt++) {
		char name[UENV_NAME_MAX + 40];
		uenv_path_mount_name(image, attempt, name, sizeof name);
		int r = path_fmt(mp, UENV_MOUNT_MAX, "%s/%s", m->base, name);
		if (r < 0) {
			fd = r;
			break;
		}
		if (uenv__name_taken(m, mp))
			continue;
		int made;
		fd = uenv_path_mount_dir(basefd, &base_st, name, &made);
		if (fd == -EEXIST)
			log_warn("uenv: %s is in use by something else; trying another name", mp);
	}
	close_fd(basefd);
	if (fd == -EEXIST)
		return uenv__refuse(m, EEXIST,
				    "mount failed for %s: no free mount point name under %s", image,
				    m->base);
	if (fd < 0)
		return uenv__refuse(m, -fd, "mount failed for %s: mount point %s: %s", image, mp,
				    strerror(-fd));
	return fd;
}

void uenv__fill_handle(const struct uenv_mgr *m, const struct uenv_entry *e, struct uenv_handle *h)
{
	memcpy(h->image_path, e->image, sizeof h->image_path);
	memcpy(h->mount_point, e->mount_point, sizeof h->mount_point);
	h->gen = e->gen;
	h->slot = (int)(e - m->e);
}

/* The path checks that need no syscall; fills image (normalised). */
int uenv__check_path(struct uenv_mgr *m, const char *image_path, char *image)
{
	int r = uenv_path_normalize(image_path, image, UENV_IMAGE_MAX);
	if (r == -EINVAL)
		return uenv__refuse(m, EINVAL,
				    "mount failed for %s: not an absolute path to a file",
				    image_path ? image_path : "(null)");
	if (r == -ENAMETOOLONG)
		return uenv__refuse(m, ENAMETOOLONG,
				    "mount failed for %.64s...: path too long (max %d)", image_path,
				    UENV_IMAGE_MAX - 1);
	if (r == -EXDEV)
		return uenv__refuse(m, EXDEV, "mount failed for %s: \"..\" in the path",
				    image_path);
	return 0;
}

/* A later reference: count only, no syscall but the timer's. */
int uenv__hit(struct uenv_mgr *m, struct uenv_entry *e, struct uenv_handle *out)
{
	if (e->state != UENV_MOUNTED)
		return uenv__refuse(
		    m, EBUSY, "mount failed for %s: a mount of it is still in progress", e->image);
	if (e->refcount == UINT32_MAX)
		return uenv__fail(m, EOVERFLOW, "refcount inconsistency for %s: count overflow",
				  e->image);
	e->refcount++;
	if (timer_armed(&e->hold))
		timer_cancel(&e->hold);
	uenv__fill_handle(m, e, out);
	return 0;
}

int uenv__attach_and_mount(struct uenv_mgr *m, const char *image, int fd, int mp_fd, const char *mp,
			   struct loopdev *lo)
{
	const struct uenv_sys *sys = m->cfg.sys;
	int r = sys->attach(m->cfg.sys_ctx, m->dev_dir, fd, image, lo);
	if (r < 0)
		return uenv__refuse(m, -r, "mount failed for %s: loop device: %s", image,
				    strerror(-r));
	r = sys->mount(m->cfg.sys_ctx, lo, mp_fd, mp);
	if (r < 0) {
		sys->unbind(m->cfg.sys_ctx, lo);
		return uenv__refuse(m, -r, "mount failed for %s: mount %s on %s: %s", image,
				    lo->path, mp, strerror(-r));
	}
	sys->close(m->cfg.sys_ctx, lo); /* autoclear: the device goes with the mount */
	return 0;
}

void uenv__set_mounted(struct uenv_mgr *m, struct uenv_entry *e, const char *image, const char *mp,
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
struct uenv_entry *uenv__claim_slot(struct uenv_mgr *m, const char *image, const char **rel,
				    int *root, int *err)
{
	*rel = uenv_path_under_root(m->cfg.roots, m->cfg.nroots, image, root);
	if (!*rel) {
		*err =
		    uenv__refuse(m, EACCES, "mount failed for %s: not under an image root (%s%s)",
				 image, m->roots[0], m->cfg.nroots > 1 ? ", ..." : "");
		return NULL;
	}
	struct uenv_entry *e = uenv__free_slot(m);
	if (!e)
		*err = uenv__refuse(m, ENOSPC, "mount failed for %s: too many uenv mounts (max %d)",
				    image, UENV_MAX_ENTRIES);
	return e;
}

int uenv__open_image(struct uenv_mgr *m, const char *image, int root, const char *rel)
{
	char why[UENV_ERR_MAX / 2];
	int fd = uenv_path_open_image(m->roots[root], rel, why, sizeof why);
	return fd < 0 ? uenv__refuse(m, -fd, "mount failed for %s: %s", image, why) : fd;
}

int uenv_acquire(struct uenv_mgr *m, const char *image_path, struct uenv_handle *out)
{
	char image[UENV_IMAGE_MAX];
	if (!out)
		return uenv__refuse(m, EINVAL, "mount failed for %s: no handle to fill",
				    image_path ? image_path : "(null)");
	int r = uenv__check_path(m, image_path, image);
	if (r < 0)
		return r;
	struct uenv_entry *e = uenv__find(m, image);
	if (e)
		return uenv__hit(m, e, out);

	int root;
	const char *rel;
	e = uenv__claim_slot(m, image, &rel, &root, &r);
	if (!e)
		return r;
	int fd = uenv__open_image(m, image, root, rel);
	if (fd < 0)
		return fd;
	char mp[UENV_MOUNT_MAX];
	int mp_fd = uenv__make_mount_point(m, image, mp);
	struct loopdev lo;
	r = mp_fd < 0 ? mp_fd : uenv__attach_and_mount(m, image, fd, mp_fd, mp, &lo);
	if (mp_fd >= 0 && r < 0)
		rmdir(mp);
	close_fd(mp_fd);
	close_fd(fd); /* a bound loop device holds its own reference to the file */
	if (r < 0)
		return r;
	uenv__set_mounted(m, e, image, mp, &lo, 1);
	uenv__fill_handle(m, e, out);
	return 0;
}

/* ---- release, unmount ---- */

static struct uenv_entry *find_handle(struct uenv_mgr *m, const struct uenv_handle *h)
{
	if (h->slot >= 0 && h->slot < UENV_MAX_ENTRIES) {
		struct uenv_entry *e = &m->e[h->slot];
		if (e->used && strcmp(e->image, h->image_path) == 0)
			return e;
	}
	return uenv__find(m, h->image_path);
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
		return uenv__fail(m, EINVAL, "refcount inconsistency for (null): no handle");
	struct uenv_entry *e = find_handle(m, h);
	if (e && e->state != UENV_MOUNTED)
		e = NULL; /* a mount still pending has no handles yet */
	if ((!e || h->gen != e->gen) && was_forced(m, h->gen)) {
		snprintf(m->err, sizeof m->err,
			 "release of %s after its emergency force unmount; ignored", h->image_path);
		log_notice("uenv: %s", m->err);
		return -ESTALE;
	}
	if (!e)
		return uenv__fail(m, ENOENT,
				  "refcount inconsistency for %s: release of an image that is not "
				  "mounted (WI2); ignored",
				  h->image_path);
	if (h->gen != e->gen)
		return uenv__fail(
		    m, ESTALE,
		    "refcount inconsistency for %s: stale handle (from an earlier mount "
		    "of this image, already released); ignored",
		    h->image_path);
	if (e->refcount == 0)
		return uenv__fail(m, ERANGE,
				  "refcount inconsistency for %s: release below zero (WI2); state "
				  "unchanged",
				  e->image);
	if (--e->refcount == 0)
		timer_arm(&e->hold, m->cfg.hold_ms, uenv__hold_expired, e);
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

void uenv__hold_expired(void *ctx)
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
		timer_arm(&e->hold, m->cfg.hold_ms, uenv__hold_expired, e);
		return;
	}
	log_info("uenv: unmounted %s (hold time over)", image);
}

int uenv_force_unmount(struct uenv_mgr *m, const char *image_path)
{
	char image[UENV_IMAGE_MAX];
	if (uenv_path_normalize(image_path, image, UENV_IMAGE_MAX) < 0)
		return uenv__fail(m, EINVAL, "unmount failed for %s: not a valid image path",
				  image_path ? image_path : "(null)");
	struct uenv_entry *e = uenv__find(m, image);
	if (!e)
		return uenv__fail(m, ENOENT, "unmount failed for %s: not mounted", image);
	if (e->state != UENV_MOUNTED)
		return uenv__fail(m, EBUSY, "unmount failed for %s: its mount is still in progress",
				  e->mount_point);
	if (!in_emergency(m))
		return uenv__fail(m, EPERM,
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
		return uenv__fail(m, -r, "unmount failed for %s: %s", mp, strerror(-r));
	m->forced[m->nforced++ % UENV_FORCED_MAX] = gen;
	return 0;
}

int uenv_lookup(struct uenv_mgr *m, const char *image_path, struct uenv_handle *out)
{
	char image[UENV_IMAGE_MAX];
	if (uenv_path_normalize(image_path, image, UENV_IMAGE_MAX) < 0)
		return -EINVAL;
	struct uenv_entry *e = uenv__find(m, image);
	if (!e || e->state != UENV_MOUNTED)
		return -ENOENT;
	uenv__fill_handle(m, e, out); /* its generation: a later mount of the image is another */
	return 0;
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

void uenv_info_write(struct json_writer *w, const struct uenv_info *info)
{
	char dev[24];
	snprintf(dev, sizeof dev, "%u:%u", info->major, info->minor);
	json_w_obj_begin(w);
	json_w_key(w, "image_path");
	json_w_string(w, info->image);
	json_w_key(w, "mount_point");
	json_w_string(w, info->mount_point);
	json_w_key(w, "loop_device");
	json_w_string(w, info->loopdev);
	json_w_key(w, "dev");
	json_w_string(w, dev);
	json_w_key(w, "refcount");
	json_w_u64(w, info->refcount);
	json_w_key(w, "hold_remaining_ms");
	if (info->hold_left_ms >= 0)
		json_w_i64(w, info->hold_left_ms);
	else
		json_w_null(w);
	json_w_obj_end(w);
}

int uenv_info_json(const struct uenv_info *info, char *buf, size_t cap)
{
	struct json_writer w;
	json_w_init(&w, buf, cap);
	uenv_info_write(&w, info);
	return json_w_finish(&w);
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
