/*
 * The kernel's API filesystems that daemons expect at their usual places
 * (rasdaemon: "Can't locate a mounted debugfs"): debugfs, tracefs,
 * configfs, securityfs, bpf, pstore, efivarfs, mqueue and hugetlbfs, each
 * where the kernel has it and it is not mounted already.
 */
#ifndef PACT_APIFS_H
#define PACT_APIFS_H

/* Mount what is missing under root ("" for /), per mountinfo and
 * filesystems (the text of /proc/self/mountinfo and /proc/filesystems).
 * A filesystem the kernel lacks is skipped; returns the number mounted,
 * or -errno of the first failure (each logged). */
int apifs_mount(const char *root, const char *mountinfo, const char *filesystems);

#endif
