/*
 * The uenv mount manager (hpc-node mount.rs MountManager): refcounted
 * read-only squashfs mounts of uenv images under /run/pact/uenv, lazy
 * unmount after a hold time (WI3), refcount checks that refuse instead of
 * crashing (WI2), emergency-only force unmount (RI3), and rebuilding the
 * counts from the kernel mount table after a restart (WI6).
 *
 * Everything runs on the event loop thread; the hold timers are loop
 * timers (init/loop.h). The manager is a caller-owned struct with a fixed
 * table: no allocation.
 */
#ifndef PACT_UENV_H
#define PACT_UENV_H

#include "lib/loop.h"
#include "os/loopdev.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UENV_MAX_ENTRIES 256 /* distinct images mounted (or held) at once */
#define UENV_MAX_ROOTS	 8   /* configured image roots */
#define UENV_IMAGE_MAX	 512 /* image path, with its NUL */
#define UENV_MOUNT_MAX	 512 /* mount point, with its NUL */
#define UENV_ROOT_MAX	 256 /* one image root / the base, with its NUL */
#define UENV_ERR_MAX	 640 /* the last error message */
#define UENV_FORCED_MAX	 32  /* force-unmounted mounts remembered for late releases */

/*
 * The syscalls behind the state machine, replaceable for unit tests.
 * attach: bind image_fd read-only to a free loop device (lo->fd stays open);
 * mount: mount lo->path as squashfs ro,nosuid,nodev on the directory open
 * at target_fd (target: its path, for messages);
 * unbind: undo an attach whose mount failed; close: drop our loop fd
 * after a successful mount; umount: lazy-unmount target.
 */
struct uenv_sys {
	int (*attach)(void *ctx, const char *dev_dir, int image_fd, const char *image,
		      struct loopdev *lo);
	int (*mount)(void *ctx, const struct loopdev *lo, int target_fd, const char *target);
	void (*unbind)(void *ctx, struct loopdev *lo);
	void (*close)(void *ctx, struct loopdev *lo);
	int (*umount)(void *ctx, const char *target);
};

/* The real ones. */
extern const struct uenv_sys uenv_sys_real;

struct uenv_config {
	const char *roots[UENV_MAX_ROOTS]; /* NULL-terminated or nroots; default {"/images"} */
	size_t nroots;
	const char *base;	   /* default PACT_UENV_MOUNT_BASE */
	uint64_t hold_ms;	   /* 0: DEFAULT_HOLD_TIME_SECS * 1000 */
	uint64_t mount_timeout_ms; /* acquire_async worker limit; 0: 30000 */
	const char *dev_dir;	   /* default "/dev" */
	const char *sys_dir;	   /* default "/sys" */
	const char *mountinfo;	   /* default "/proc/self/mountinfo" */
	/* Called in the mount worker before it binds a loop device: makes the
	 * kernel ready for the mount (loads loop and squashfs on a node, so
	 * the boot need not load them before readiness). 0, or -errno with a
	 * message in msg. NULL: nothing to prepare. */
	int (*prepare)(char *msg, size_t len);
	/* Declared emergency (RI3)? NULL: the flag set by uenv_set_emergency. */
	int (*in_emergency)(void *ctx);
	void *emergency_ctx;
	const struct uenv_sys *sys; /* NULL: uenv_sys_real */
	void *sys_ctx;
};

struct uenv_mgr;

/* mount.rs MountHandle, plus where to find the entry again. */
struct uenv_handle {
	char image_path[UENV_IMAGE_MAX];
	char mount_point[UENV_MOUNT_MAX];
	uint64_t gen; /* which mount instance of image_path: a handle of another is stale */
	int slot;
};

enum uenv_state {
	UENV_MOUNTED = 0, /* in use or in its hold */
	UENV_PENDING,	  /* first mount running in a worker child (acquire_async) */
	UENV_ABANDONED,	  /* the worker timed out and was killed; slot kept until reaped */
};

#define UENV_MAX_WAITERS                                                                           \
	256 /* acquire_async callers waiting for one pending mount: every                          \
	     handoff connection of a job starting at once */

typedef void (*uenv_acquire_cb)(void *ctx, int err, const struct uenv_handle *h);

struct uenv_waiter {
	uenv_acquire_cb cb;
	void *ctx;
};

struct uenv_entry {
	int used;
	int state; /* enum uenv_state */
	unsigned refcount;
	uint64_t gen; /* which mount instance; handles carry it */
	struct uenv_mgr *mgr;
	struct timer hold;
	unsigned major, minor; /* the loop device */
	char loopname[16];     /* "loopN" */
	char image[UENV_IMAGE_MAX];
	char mount_point[UENV_MOUNT_MAX];
	/* acquire_async */
	pid_t worker;
	int result_fd;
	int nwaiters;
	struct uenv_waiter waiters[UENV_MAX_WAITERS];
};

struct uenv_mgr {
	struct uenv_config cfg; /* string pointers below point into this struct */
	char roots[UENV_MAX_ROOTS][UENV_ROOT_MAX];
	char base[UENV_ROOT_MAX];
	char dev_dir[UENV_ROOT_MAX];
	char sys_dir[UENV_ROOT_MAX];
	char mountinfo[UENV_ROOT_MAX];
	int emergency;
	uint64_t next_gen;
	uint64_t forced[UENV_FORCED_MAX]; /* gens of recent force unmounts (a ring) */
	unsigned nforced;
	char err[UENV_ERR_MAX];
	struct uenv_entry e[UENV_MAX_ENTRIES];
};

/* For listing (pactctl, metrics). */
struct uenv_info {
	const char *image;
	const char *mount_point;
	const char *loopdev; /* "loopN" */
	unsigned major, minor;
	unsigned refcount;
	int64_t hold_left_ms; /* -1: no hold timer armed */
};

/* Copy cfg (NULL: all defaults) into m. Returns 0 or -EINVAL/-ENAMETOOLONG. */
int uenv_init(struct uenv_mgr *m, const struct uenv_config *cfg);
/* Cancel every hold timer and forget the table; mounts stay in the kernel. */
void uenv_fini(struct uenv_mgr *m);
void uenv_set_emergency(struct uenv_mgr *m, int on);
/* The message of the last failed call (one line, names the path and the reason). */
const char *uenv_last_error(const struct uenv_mgr *m);

/*
 * Take a reference to image_path's mount, mounting it on the first one.
 * Validation errors, each its own errno:
 *   -EINVAL not absolute / empty / no file name   -ENAMETOOLONG too long
 *   -EXDEV a ".." component                     -EACCES not under an image root
 *   -ENOENT missing (or a parent missing)        -ELOOP a symlink (anywhere under the root)
 *   -EISDIR a directory                          -ENODEV not a regular file
 *   -EMEDIUMTYPE no squashfs magic "hsqs"        -ENOTDIR a parent is not a directory
 * then -ENOSPC (table full), -EEXIST (no free mount name), or the -errno of
 * the loop attach / mkdir / mount that failed. A failure is not logged:
 * uenv_last_error() has its message, for the caller to report once.
 */
int uenv_acquire(struct uenv_mgr *m, const char *image_path, struct uenv_handle *out);
/*
 * The same, with the first mount (open, checks, loop attach, mount: all the
 * I/O on the image) in a forked worker, so a slow or hung image filesystem
 * cannot stall the event loop. Returns 0 when cb will be called (at once on
 * a hit: count taken, before returning; else from the loop when the worker
 * is reaped), or a -errno (path checks, table full, too many waiters, a
 * previous worker still stuck) without calling cb. A worker that exceeds
 * mount_timeout_ms is killed and its waiters get -ETIMEDOUT; if it mounted
 * anyway before dying, the mount is adopted with count 0 and a hold timer.
 * While a mount is pending, uenv_acquire of that image is -EBUSY, and the
 * entry is not listed. Needs loop_init() (the worker is reaped by the loop).
 */
int uenv_acquire_async(struct uenv_mgr *m, const char *image_path, uenv_acquire_cb cb, void *ctx);
/*
 * Drop a reference; at zero the hold timer starts. Refused (WI2, logged as a
 * refcount inconsistency, state unchanged): -ERANGE below zero, -ENOENT
 * image not mounted, -ESTALE a handle of an earlier mount of the image.
 * A holder's release after an emergency force unmount of its mount is
 * -ESTALE too, but logged as a notice: the emergency dropped it already.
 */
int uenv_release(struct uenv_mgr *m, const struct uenv_handle *h);
/* Emergency only (else -EPERM): unmount now, dropping any references. */
int uenv_force_unmount(struct uenv_mgr *m, const char *image_path);
/*
 * After a restart: adopt the squashfs mounts directly under the base from
 * the mount table, count one reference per occurrence of their image in
 * active_images (one entry per allocation), and start hold timers for
 * those with none. Never remounts. Returns the number of mounts adopted.
 */
int uenv_reconstruct(struct uenv_mgr *m, const char *const *active_images, size_t n);
/* A handle for a mounted image without taking a reference: of this mount
 * instance (its generation), so that it is stale once the image was
 * unmounted and mounted again. */
int uenv_lookup(struct uenv_mgr *m, const char *image_path, struct uenv_handle *out);

/* Call cb for each entry; stops at and returns a non-zero cb result. */
int uenv_foreach(const struct uenv_mgr *m, int (*cb)(void *ctx, const struct uenv_info *),
		 void *ctx);
size_t uenv_count(const struct uenv_mgr *m);
/*
 * One entry as a JSON object for pactctl --json and the control socket:
 * {"image_path":..,"mount_point":..,"loop_device":"loopN","dev":"7:N",
 *  "refcount":N,"hold_remaining_ms":N|null}, escaped by the one JSON writer
 * (lib/json.h: a byte of a path that is not UTF-8 becomes U+FFFD). Returns
 * its length, or -ENOSPC.
 */
int uenv_info_json(const struct uenv_info *info, char *buf, size_t cap);
/* The same object into a writer (`pactctl mounts` and uenv_info_json). */
struct json_writer;
void uenv_info_write(struct json_writer *w, const struct uenv_info *info);

/* Boot: create <run>/uenv, <run>/workdir, <run>/data (run: "/run/pact"). */
int uenv_prepare_dirs(const char *run_dir);

#endif
