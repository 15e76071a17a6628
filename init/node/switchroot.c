/*
 * Stage 1 of a stateless root. One binary for both stages: as PID 1 of an
 * initramfs with pact.root= on the kernel command line, pact-init loads the
 * modules the root needs, waits (bounded) for its device, mounts the
 * squashfs read-only with a tmpfs overlay for writes, moves /dev, /proc,
 * /sys, /run and /tmp across, moves the overlay onto /, frees what the
 * initramfs held and execs the new root's init (pact-init again, which
 * finds its early mounts made and carries on as stage 2).
 *
 * Layout seen by the running node:
 *   /                          overlay: lowerdir ro, upperdir rw/upper
 *   /run/pact-root/ro          the image, read-only
 *   /run/pact-root/rw/upper    every change made to / since boot (tmpfs)
 *   /run/pact-root/rw/work     overlayfs' work directory
 */
#include "node/switchroot.h"
#include "node/boot.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "os/kmod.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "os/loopdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define SQUASHFS_MAGIC_LE "hsqs"
#define MAX_ARGS	  64

/* Why the switch failed, for the boot step that reports it. */
static char failure[400];

static int wait_fd(int fd, uint64_t deadline)
{
	uint64_t now = now_ms();
	if (now >= deadline)
		return 0;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int r = poll(&pfd, 1, (int)(deadline - now));
	if (r > 0) {
		char buf[4096];
		while (read(fd, buf, sizeof buf) > 0)
			; /* drain: we only need to look again */
	}
	return r;
}

/* Watch the nearest existing ancestor of path: its creation shows there. */
static void watch_ancestor(int ifd, const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (inotify_add_watch(ifd, dir, IN_CREATE | IN_MOVED_TO | IN_ATTRIB) >= 0 ||
		    strcmp(dir, "/") == 0)
			return;
	}
}

int switchroot_wait_path(const char *path, unsigned wait_ms)
{
	uint64_t deadline = now_ms() + wait_ms;
	int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0)
		return -errno;
	int r = -ETIMEDOUT;
	/* each wakeup re-checks; the number of events is bounded by the deadline */
	for (;;) {
		watch_ancestor(ifd, path);
		if (access(path, F_OK) == 0) {
			r = 0;
			break;
		}
		if (now_ms() >= deadline)
			break;
		if (wait_fd(ifd, deadline) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
	}
	close_fd(ifd);
	return r;
}

int switchroot_check_squashfs(int fd, char *err, size_t errlen)
{
	unsigned char m[4] = {0};
	ssize_t n = pread(fd, m, sizeof m, 0);
	if (n < 0) {
		int e = errno;
		snprintf(err, errlen, "read: %s", strerror(e));
		return -e;
	}
	if (n == 4 && memcmp(m, SQUASHFS_MAGIC_LE, 4) == 0)
		return 0;
	snprintf(err, errlen, "not a squashfs image (starts %02x %02x %02x %02x, want 'hsqs')",
		 m[0], m[1], m[2], m[3]);
	return -EINVAL;
}

static int fail(char *err, size_t errlen, int e, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
	return -e;
}

void switchroot_unmount(const struct switchroot_paths *p)
{
	char path[PATH_MAX];
	umount2(p->new_root, MNT_DETACH);
	if (path_fmt(path, sizeof path, "%s/rw", p->stage_dir) >= 0)
		umount2(path, MNT_DETACH);
	if (path_fmt(path, sizeof path, "%s/ro", p->stage_dir) >= 0)
		umount2(path, MNT_DETACH);
}

/* The image as a block device: itself, or a loop device bound to the file. */
static int open_image(const char *image, const struct switchroot_paths *p, struct loopdev *lo,
		      char *src, size_t srclen, char *err, size_t errlen)
{
	int fd = open(image, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, errno, "open", image);
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	if (r == 0 && !S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: neither a block device nor an image file", image);
		r = -ENOTBLK;
	}
	if (r == 0)
		r = switchroot_check_squashfs(fd, err, errlen);
	if (r == 0 && S_ISREG(st.st_mode)) {
		r = loopdev_attach_ro(p->dev_dir, fd, image, lo);
		if (r < 0)
			snprintf(err, errlen, "loop device for %s: %s", image, strerror(-r));
		else
			snprintf(src, srclen, "%s", lo->path);
	} else if (r == 0) {
		snprintf(src, srclen, "%s", image);
	}
	close_fd(fd);
	return r;
}

int switchroot_mount(const char *image, const struct switchroot_paths *p, char *err, size_t errlen)
{
	char ro[PATH_MAX], rw[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], src[PATH_MAX];
	char opts[3 * PATH_MAX + 64];
	if (path_fmt(ro, sizeof ro, "%s/ro", p->stage_dir) < 0 ||
	    path_fmt(rw, sizeof rw, "%s/rw", p->stage_dir) < 0 ||
	    path_fmt(upper, sizeof upper, "%s/rw/upper", p->stage_dir) < 0 ||
	    path_fmt(work, sizeof work, "%s/rw/work", p->stage_dir) < 0)
		return fail(err, errlen, ENAMETOOLONG, "stage directory", p->stage_dir);
	int r;
	if ((r = mkdir_p(ro, 0755)) < 0 || (r = mkdir_p(rw, 0755)) < 0 ||
	    (r = mkdir_p(p->new_root, 0755)) < 0)
		return fail(err, errlen, -r, "mkdir", p->stage_dir);

	struct loopdev lo = {.fd = -1};
	r = open_image(image, p, &lo, src, sizeof src, err, errlen);
	if (r < 0)
		return r;
	if (mount(src, ro, "squashfs", MS_RDONLY, NULL) < 0) {
		r = fail(err, errlen, errno, "mount squashfs", src);
		if (lo.fd >= 0)
			loopdev_detach(&lo);
		return r;
	}
	if (lo.fd >= 0)
		loopdev_close(&lo); /* autoclear: the mount holds it now */
	if (mount("tmpfs", rw, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
		r = fail(err, errlen, errno, "mount tmpfs", rw);
		goto undo;
	}
	if ((r = mkdir_p(upper, 0755)) < 0 || (r = mkdir_p(work, 0755)) < 0) {
		r = fail(err, errlen, -r, "mkdir", upper);
		goto undo;
	}
	snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", ro, upper, work);
	if (mount("overlay", p->new_root, "overlay", 0, opts) < 0) {
		r = fail(err, errlen, errno, "mount overlay", p->new_root);
		goto undo;
	}
	return 0;
undo:
	switchroot_unmount(p);
	return r;
}

/* Recursion bounded by SWITCHROOT_MAX_DEPTH; consumes dirfd. */
static long delete_in(int fd, dev_t dev, int depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close_fd(fd);
		return 0;
	}
	long removed = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue; /* another filesystem: a mount point, left alone */
		if (S_ISDIR(st.st_mode)) {
			if (depth + 1 >= SWITCHROOT_MAX_DEPTH) {
				log_warn("switch root: %s left in the old root (deeper than %d)",
					 e->d_name, SWITCHROOT_MAX_DEPTH);
				continue;
			}
			int sub = openat(dirfd(d), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				removed += delete_in(sub, dev, depth + 1);
			if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0)
				removed++;
		} else if (unlinkat(dirfd(d), e->d_name, 0) == 0) {
			removed++;
		}
	}
	closedir(d);
	return removed;
}

long switchroot_delete_tree(int fd, dev_t dev)
{
	return delete_in(fd, dev, 0);
}

int switchroot_has_init(const char *new_root, const char *path)
{
	int rfd = open(new_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	/* symlinks like /sbin/init -> /init must resolve inside the new root */
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	int fd = (int)syscall(SYS_openat2, rfd, path, &how, sizeof how);
	int r = fd < 0 ? -errno : 0;
	close_fd(rfd);
	if (r == -ENOSYS)
		return 0; /* before Linux 5.6: let the exec find out */
	if (fd < 0)
		return r;
	struct stat st;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		r = -EACCES;
	close_fd(fd);
	return r;
}

/* Is / the initramfs (rootfs is ramfs or tmpfs)? */
static int on_initramfs(void)
{
	struct statfs sf;
	if (statfs("/", &sf) < 0)
		return 0;
	return (unsigned long)sf.f_type == (unsigned long)RAMFS_MAGIC ||
	       (unsigned long)sf.f_type == (unsigned long)TMPFS_MAGIC;
}

static void load_modules(void)
{
	static const char *const names[] = {SWITCHROOT_MODULES};
	const char *dir = cfg.modules_dir[0] ? cfg.modules_dir : NULL;
	/* kmod logs each failure; going on is right: the device or the mount
	 * that needed the module then fails with its own clear reason */
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		(void)kmod_load(names[i], dir);
	/* an init.conf in the stage 1 image may name more (a disk controller) */
	for (int i = 0; i < cfg.n_modules; i++)
		(void)kmod_load(cfg.modules[i], dir);
}

/* Move the early mounts into the new root; what is not mounted is skipped. */
static void move_mounts(const char *new_root, dev_t root_dev)
{
	static const char *const mounts[] = {"/dev", "/proc", "/sys", "/run", "/tmp"};
	for (size_t i = 0; i < sizeof mounts / sizeof mounts[0]; i++) {
		struct stat st;
		char target[PATH_MAX];
		if (stat(mounts[i], &st) < 0 || st.st_dev == root_dev)
			continue;
		if (path_fmt(target, sizeof target, "%s%s", new_root, mounts[i]) < 0)
			continue;
		mkdir(target, 0755); /* lands in the overlay when the image lacks it */
		if (mount(mounts[i], target, NULL, MS_MOVE, NULL) < 0) {
			/* stage 2 mounts it again; the old one goes with the initramfs */
			log_warn("switch root: move %s to %s: %s", mounts[i], target,
				 strerror(errno));
			umount2(mounts[i], MNT_DETACH);
		}
	}
}

static int step_failed(char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", failure);
	return -EIO;
}

static void switch_failed(const char *what)
{
	/* a truncated reason still names the image and starts with the cause */
	int n = snprintf(failure, sizeof failure, "root image pact.root=%s: %s", cfg.root, what);
	log_err("%s%s", failure, n >= (int)sizeof failure ? "..." : "");
	/* stage 1 has no services to retry for: the shell, at once */
	cfg.emergency = 1;
	boot_add_step(PHASE_INIT_HARDWARE, "switch root", step_failed);
}

/* Point of no return passed: the overlay is /. Exec its init with our argv. */
static void exec_new_init(char **argv)
{
	char *args[MAX_ARGS];
	int n = 0;
	args[n++] = cfg.root_init;
	for (int i = 1; argv[i] && n < MAX_ARGS - 1; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	execv(cfg.root_init, args);
	char why[PATH_MAX + 64];
	snprintf(why, sizeof why, "exec %s: %s", cfg.root_init, strerror(errno));
	switch_failed(why);
}

void switchroot_boot(char **argv)
{
	if (!cfg.root[0] || getpid() != 1)
		return;
	if (!on_initramfs()) {
		/* stage 2 after our own switch sees the same command line */
		log_debug("switch root: / is not an initramfs; pact.root=%s is stage 1's",
			  cfg.root);
		return;
	}
	char image[PATH_MAX];
	/* like the kernel's root=: a bare name is a device under /dev */
	if (path_fmt(image, sizeof image, "%s%s", cfg.root[0] == '/' ? "" : "/dev/", cfg.root) < 0)
		return switch_failed("name too long");
	const struct switchroot_paths p = {
	    .dev_dir = "/dev",
	    .stage_dir = SWITCHROOT_STAGE_DIR,
	    .new_root = SWITCHROOT_NEW_ROOT,
	};
	char err[PATH_MAX + 128];
	uint64_t t0 = now_ms();
	log_notice("switch root: stage 1 for pact.root=%s", cfg.root);
	load_modules();
	uint64_t t_mod = now_ms();
	int r = switchroot_wait_path(image, cfg.root_wait_s * 1000u);
	if (r < 0) {
		snprintf(err, sizeof err, "%s after waiting %u s",
			 r == -ETIMEDOUT ? "no such device or file" : strerror(-r),
			 cfg.root_wait_s);
		return switch_failed(err);
	}
	uint64_t waited = now_ms() - t_mod;
	if (switchroot_mount(image, &p, err, sizeof err) < 0)
		return switch_failed(err);
	r = switchroot_has_init(p.new_root, cfg.root_init);
	if (r < 0) {
		snprintf(err, sizeof err, "no executable %s in the image: %s", cfg.root_init,
			 strerror(-r));
		switchroot_unmount(&p);
		return switch_failed(err);
	}

	/* the old root, to free it once it is out of sight */
	struct stat root_st;
	int oldroot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (oldroot < 0 || fstat(oldroot, &root_st) < 0) {
		snprintf(err, sizeof err, "open /: %s", strerror(errno));
		if (oldroot >= 0)
			close_fd(oldroot);
		switchroot_unmount(&p);
		return switch_failed(err);
	}
	/* the point of no return: the early mounts leave the initramfs */
	move_mounts(p.new_root, root_st.st_dev);
	if (chdir(p.new_root) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0) {
		snprintf(err, sizeof err, "switch to %s: %s", p.new_root, strerror(errno));
		close_fd(oldroot);
		return switch_failed(err);
	}
	/* switch_root semantics: free the initramfs (its memory is not reclaimable otherwise) */
	long freed = switchroot_delete_tree(oldroot, root_st.st_dev);
	log_notice("switch root: %s mounted read-only with a tmpfs overlay in %llu ms "
		   "(modules %llu ms, waiting for the device %llu ms), %ld initramfs entries "
		   "freed; exec %s",
		   image, (unsigned long long)(now_ms() - t0), (unsigned long long)(t_mod - t0),
		   (unsigned long long)waited, freed, cfg.root_init);
	exec_new_init(argv);
}
