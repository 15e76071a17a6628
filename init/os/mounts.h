/*
 * Early filesystems: /proc, /sys, /dev, /dev/pts, /dev/shm, /run, /tmp,
 * each mounted only when /proc/self/mountinfo says it is missing, and the
 * reverse unmount at shutdown.
 */
#ifndef PACT_MOUNTS_H
#define PACT_MOUNTS_H

#include <stddef.h>

/* Is path a mount point per this mountinfo text? Fills fstype if given. */
int mountinfo_has(const char *mountinfo, const char *path, char *fstype, size_t cap);
/* Undo mountinfo's octal escapes (\040 for a space ...) in place. */
void mountinfo_unescape(char *s);
/* Mount what is missing. Returns 0, or -errno of the first failure (the
 * others are still tried, each failure logged with its path). */
int early_mounts(void);
/*
 * Mount source (a block device) as fstype, read-only, nosuid, nodev, on the
 * directory open at target_fd, with the new mount API (fsopen, fsmount,
 * move_mount; Linux 5.2): the target is the directory that was opened and
 * checked, never a path looked up again. 0 or -errno.
 */
int mount_ro_at(int target_fd, const char *fstype, const char *source);
/* Detach (MNT_DETACH) every mount below dir, deepest first, except keep
 * and what is below keep (keep NULL: none kept). Returns how many, or
 * -errno (the first failure; the others are still tried). */
int unmount_below(const char *dir, const char *keep);
/* Unmount everything but the root, deepest first, detaching what is busy;
 * lazy: detach everything (MNT_DETACH never waits for a filesystem, where
 * a plain unmount syncs it first and can wait for good on a dead server). */
void unmount_all(int lazy);

#endif
