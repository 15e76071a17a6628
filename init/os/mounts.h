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
/* Unmount everything but the root, deepest first, detaching what is busy. */
void unmount_all(void);

#endif
