/*
 * Loop device plumbing. One LOOP_CONFIGURE binds the file, sets read-only
 * and autoclear atomically (the old LOOP_SET_FD + LOOP_SET_STATUS64 pair
 * is slower and leaves a window where the device is bound but not
 * configured). A device handed out by LOOP_CTL_GET_FREE can be taken by
 * another user before we bind it; the kernel then says EBUSY and we ask
 * for another one, a bounded number of times.
 */
#include "os/loopdev.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int open_loop(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && (errno == EROFS || errno == EACCES))
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

/* One GET_FREE + open + CONFIGURE round; -EAGAIN asks the caller to retry. */
static int try_attach(int ctl, const char *dev_dir, int image_fd, const char *label,
		      struct loopdev *out)
{
	int n = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (n < 0)
		return -errno;
	int r = path_fmt(out->path, sizeof out->path, "%s/loop%d", dev_dir, n);
	if (r < 0)
		return r;
	int fd = open_loop(out->path);
	if (fd == -ENXIO)
		return -EAGAIN; /* removed again by another user: ask for another one */
	if (fd < 0) {
		/* ENOENT: no device node (devtmpfs creates them as devices appear) */
		log_err("loopdev: %s: %s", out->path, strerror(-fd));
		return fd;
	}

	struct loop_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.fd = (unsigned)image_fd;
	cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
	if (label)
		strncpy((char *)cfg.info.lo_file_name, label, LO_NAME_SIZE - 1);
	if (ioctl(fd, LOOP_CONFIGURE, &cfg) < 0) {
		r = -errno;
		close_fd(fd);
		return r == -EBUSY ? -EAGAIN : r;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		ioctl(fd, LOOP_CLR_FD, 0);
		close_fd(fd);
		return r;
	}
	out->fd = fd;
	out->index = n;
	out->major = major(st.st_rdev);
	out->minor = minor(st.st_rdev);
	return 0;
}

int loopdev_attach_ro(const char *dev_dir, int image_fd, const char *label, struct loopdev *out)
{
	char ctlpath[64];
	int r = path_fmt(ctlpath, sizeof ctlpath, "%s/loop-control", dev_dir);
	if (r < 0)
		return r;
	out->fd = -1;
	out->index = -1;
	int ctl = open(ctlpath, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (ctl < 0)
		return -errno;
	r = -EAGAIN;
	for (int i = 0; i < LOOPDEV_MAX_TRIES && r == -EAGAIN; i++)
		r = try_attach(ctl, dev_dir, image_fd, label, out);
	close_fd(ctl);
	if (r == -EAGAIN)
		r = -EBUSY; /* every free device we were given was taken first */
	return r;
}

void loopdev_close(struct loopdev *lo)
{
	close_fd(lo->fd);
	lo->fd = -1;
}

void loopdev_detach(struct loopdev *lo)
{
	if (lo->fd >= 0 && ioctl(lo->fd, LOOP_CLR_FD, 0) < 0)
		log_warn("loopdev: %s: LOOP_CLR_FD: %s", lo->path, strerror(errno));
	loopdev_close(lo);
}

int loopdev_backing_file(const char *sys_dir, unsigned major, unsigned minor, char *buf, size_t cap)
{
	char p[128];
	int r =
	    path_fmt(p, sizeof p, "%s/dev/block/%u:%u/loop/backing_file", sys_dir, major, minor);
	if (r < 0)
		return r;
	ssize_t n = read_file(p, buf, cap);
	if (n < 0)
		return (int)n;
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n > 0 ? (int)n : -ENOENT;
}

int loopdev_name(const char *sys_dir, unsigned major, unsigned minor, char *buf, size_t cap)
{
	char p[128], target[256];
	int r = path_fmt(p, sizeof p, "%s/dev/block/%u:%u", sys_dir, major, minor);
	if (r < 0)
		return r;
	ssize_t n = readlink(p, target, sizeof target - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	const char *base = strrchr(target, '/');
	return path_fmt(buf, cap, "%s", base ? base + 1 : target);
}
