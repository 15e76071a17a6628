/*
 * Stage 1 of a stateless root (pact.root=): pact-init, PID 1 of a small
 * initramfs, mounts a read-only squashfs root image under a tmpfs overlay,
 * moves the early mounts across, frees the initramfs (switch_root
 * semantics) and execs the new root's init, which is pact-init again.
 */
#ifndef PACT_SWITCHROOT_H
#define PACT_SWITCHROOT_H

#include <stddef.h>
#include <sys/types.h>

/* Where the layers live; under /run, so the node sees them after the switch. */
#define SWITCHROOT_STAGE_DIR "/run/pact-root"
/* The merged root is mounted here (in the initramfs) until it becomes /. */
#define SWITCHROOT_NEW_ROOT "/.pact-root"
/* Directory depth freed in the initramfs; deeper trees are left (logged). */
#define SWITCHROOT_MAX_DEPTH 32
/* Modules a virtio or loop-backed squashfs root needs (built in counts). */
#define SWITCHROOT_MODULES "virtio_pci", "virtio_blk", "loop", "squashfs", "overlay"

struct switchroot_paths {
	const char *dev_dir;   /* "/dev": loop devices are made here */
	const char *stage_dir; /* SWITCHROOT_STAGE_DIR: ro/ and rw/{upper,work} */
	const char *new_root;  /* SWITCHROOT_NEW_ROOT: the overlay */
};

/*
 * Wait until path exists, at most wait_ms, on inotify events of its
 * nearest existing parent (devtmpfs creates device nodes as drivers bind).
 * 0 when it exists, -ETIMEDOUT when it did not appear in time.
 */
int switchroot_wait_path(const char *path, unsigned wait_ms);
/* 0 when fd starts with the squashfs magic; else -EINVAL with a reason. */
int switchroot_check_squashfs(int fd, char *err, size_t errlen);
/*
 * Mount image (a block device or an image file, attached to a loop device)
 * read-only at <stage>/ro, a tmpfs at <stage>/rw and the overlay of both at
 * <new_root>. On failure everything mounted so far is undone and err says
 * what failed on which path. 0 or -errno.
 */
int switchroot_mount(const char *image, const struct switchroot_paths *p, char *err, size_t errlen);
/* Undo switchroot_mount (lazy unmounts, best effort). */
void switchroot_unmount(const struct switchroot_paths *p);
/*
 * Unlink everything under the directory fd that is on device dev,
 * without crossing into other filesystems (mount points are left alone).
 * Consumes fd. Returns the number of entries removed.
 */
long switchroot_delete_tree(int fd, dev_t dev);
/* Does the new root hold an executable init at path (resolved inside it)? */
int switchroot_has_init(const char *new_root, const char *path);
/*
 * The entry point, called early in main(): when pact.root= is set and we
 * are PID 1 on an initramfs, switch to the image and exec its init; this
 * does not return then. When it returns, either there is nothing to do or
 * the switch failed: the failure is logged and registered as the first
 * InitHardware step, which fails and opens the emergency shell at once.
 */
void switchroot_boot(char **argv);

#endif
