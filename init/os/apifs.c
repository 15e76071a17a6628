/*
 * API filesystems (see apifs.h), as systemd mounts them: the mount points
 * under /sys exist when the kernel has the filesystem (so a missing one is
 * skipped, not made); those under /dev are made.
 */
#include "os/apifs.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "os/mounts.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define NSD (MS_NOSUID | MS_NODEV)

static const struct {
	const char *fstype, *target, *data;
	unsigned long flags;
	int make; /* create the mount point */
} apifs[] = {
    {"debugfs", "/sys/kernel/debug", NULL, NSD | MS_NOEXEC, 0},
    {"tracefs", "/sys/kernel/tracing", NULL, NSD | MS_NOEXEC, 0},
    {"configfs", "/sys/kernel/config", NULL, NSD | MS_NOEXEC, 0},
    {"securityfs", "/sys/kernel/security", NULL, NSD | MS_NOEXEC, 0},
    {"bpf", "/sys/fs/bpf", "mode=0700", NSD | MS_NOEXEC, 0},
    {"pstore", "/sys/fs/pstore", NULL, NSD | MS_NOEXEC, 0},
    {"efivarfs", "/sys/firmware/efi/efivars", NULL, NSD | MS_NOEXEC, 0},
    {"mqueue", "/dev/mqueue", NULL, NSD | MS_NOEXEC, 1},
    {"hugetlbfs", "/dev/hugepages", NULL, NSD, 1},
};

/* Is fs a whole word of /proc/filesystems ("nodev\tdebugfs\n")? */
static int kernel_has(const char *filesystems, const char *fs)
{
	size_t n = strlen(fs);
	for (const char *p = filesystems; (p = strstr(p, fs)); p += n)
		if ((p == filesystems || p[-1] == '\t' || p[-1] == '\n') &&
		    (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

int apifs_mount(const char *root, const char *mountinfo, const char *filesystems)
{
	int done = 0, first = 0;
	for (size_t i = 0; i < sizeof apifs / sizeof apifs[0]; i++) {
		char target[256];
		struct stat st;
		if (!kernel_has(filesystems, apifs[i].fstype) ||
		    path_fmt(target, sizeof target, "%s%s", root, apifs[i].target) < 0 ||
		    mountinfo_has(mountinfo, target, NULL, 0))
			continue;
		if (apifs[i].make)
			(void)mkdir(target, 0755);
		if (stat(target, &st) < 0 || !S_ISDIR(st.st_mode))
			continue; /* efivarfs on a BIOS machine, and the like */
		if (mount(apifs[i].fstype, target, apifs[i].fstype, apifs[i].flags, apifs[i].data) <
		    0) {
			int e = errno;
			log_err("mount %s on %s: %s", apifs[i].fstype, target, strerror(e));
			first = first ? first : -e;
			continue;
		}
		done++;
	}
	return first ? first : done;
}
