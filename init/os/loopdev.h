/*
 * Loop devices for read-only images: allocate with LOOP_CTL_GET_FREE (the
 * devices are shared with other users), bind with one LOOP_CONFIGURE
 * (read-only, autoclear), and find a bound device's backing file in sysfs.
 */
#ifndef PACT_LOOPDEV_H
#define PACT_LOOPDEV_H

#include <stddef.h>

/* How many times a free device is asked for when another user wins the race. */
#define LOOPDEV_MAX_TRIES 8

struct loopdev {
	int fd;	   /* open bound device; -1 when closed */
	int index; /* N of /dev/loopN */
	unsigned major, minor;
	char path[64]; /* <dev_dir>/loopN */
};

/*
 * Bind image_fd (opened O_RDONLY) to a free loop device, read-only with
 * LO_FLAGS_AUTOCLEAR. dev_dir is normally "/dev". label goes into
 * lo_file_name (truncated) for losetup's display. On success out->fd stays
 * open: the caller mounts out->path, then closes the fd (autoclear frees
 * the device when the filesystem lets go of it). Returns 0 or -errno.
 * Bounded: at most LOOPDEV_MAX_TRIES rounds of GET_FREE + open + CONFIGURE.
 */
int loopdev_attach_ro(const char *dev_dir, int image_fd, const char *label, struct loopdev *out);
/* Unbind (LOOP_CLR_FD) and close: undo an attach whose mount failed. */
void loopdev_detach(struct loopdev *lo);
/* Close our fd only; with autoclear, the device goes when its last user does. */
void loopdev_close(struct loopdev *lo);
/*
 * The backing file of block device major:minor from
 * <sys_dir>/dev/block/M:m/loop/backing_file, without the newline.
 * Returns its length, -ENOENT when the device is not a bound loop device.
 */
int loopdev_backing_file(const char *sys_dir, unsigned major, unsigned minor, char *buf,
			 size_t cap);
/* "loopN" for block device major:minor, from the sysfs link; -errno if none. */
int loopdev_name(const char *sys_dir, unsigned major, unsigned minor, char *buf, size_t cap);

#endif
