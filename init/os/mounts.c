/*
 * Early mounts, idempotent: a target that /proc/self/mountinfo lists is left
 * as it is, so pact-init works both as the first process of an initramfs and
 * after a stage 1 that mounted things already. At shutdown, everything but
 * the root is unmounted in reverse order of mounting.
 */
#include "os/mounts.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/table.h"

#include <errno.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MOUNTINFO_MAX 65536

struct early_mount {
	const char *target, *fstype, *source, *data;
	unsigned long flags;
	mode_t mode;
};

static const struct early_mount early[] = {
    {"/proc", "proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0555},
    {"/sys", "sysfs", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0555},
    {"/dev", "devtmpfs", "devtmpfs", "mode=0755", MS_NOSUID, 0755},
    {"/dev/pts", "devpts", "devpts", "gid=5,mode=0620,ptmxmode=0666", MS_NOSUID | MS_NOEXEC, 0755},
    {"/dev/shm", "tmpfs", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV, 01777},
    {"/run", "tmpfs", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV, 0755},
    {"/tmp", "tmpfs", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV, 01777},
};

void mountinfo_unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int mountinfo_has(const char *mi, const char *path, char *fstype, size_t cap)
{
	const char *line = mi;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[1024];
		if (len < sizeof buf) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			/* id parent maj:min root mountpoint opts [opt...] - fstype src sopts */
			char *f[5], *save = NULL, *w = strtok_r(buf, " ", &save);
			int i = 0;
			for (; w && i < 5; w = strtok_r(NULL, " ", &save))
				f[i++] = w;
			if (i == 5) {
				mountinfo_unescape(f[4]);
				if (strcmp(f[4], path) == 0) {
					const char *dash = strstr(line, " - ");
					if (fstype && cap && dash && dash < line + len) {
						size_t n = strcspn(dash + 3, " \n");
						if (n >= cap)
							n = cap - 1;
						memcpy(fstype, dash + 3, n);
						fstype[n] = '\0';
					}
					return 1;
				}
			}
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}

static int mount_one(const struct early_mount *m, const char *mi)
{
	if (mi && mountinfo_has(mi, m->target, NULL, 0)) {
		log_debug("%s already mounted", m->target);
		return 0;
	}
	if (mkdir(m->target, m->mode) < 0 && errno != EEXIST) {
		log_err("mkdir %s: %s", m->target, strerror(errno));
		return -errno;
	}
	if (mount(m->source, m->target, m->fstype, m->flags, m->data) < 0) {
		int e = errno;
		log_err("mount %s on %s: %s", m->fstype, m->target, strerror(e));
		return -e;
	}
	log_debug("mounted %s on %s", m->fstype, m->target);
	return 0;
}

int early_mounts(void)
{
	static char mi[MOUNTINFO_MAX] PAGE_ALIGNED;
	int first_err = 0;
	/* read once: what we mount ourselves needs no second look; only a
	 * first process without /proc reads it again, once it mounted /proc */
	ssize_t n = read_file("/proc/self/mountinfo", mi, sizeof mi);
	for (size_t i = 0; i < sizeof early / sizeof early[0]; i++) {
		int r = mount_one(&early[i], n > 0 ? mi : NULL);
		if (r < 0 && !first_err)
			first_err = r;
		if (n <= 0 && r == 0 && !strcmp(early[i].fstype, "proc"))
			n = read_file("/proc/self/mountinfo", mi, sizeof mi);
	}
	return first_err;
}

int mount_ro_at(int target_fd, const char *fstype, const char *source)
{
	int fs = (int)syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	int r = 0;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", source, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		r = -errno;
	int mnt = r < 0 ? -1
			: (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
				       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (r == 0 && mnt < 0)
		r = -errno;
	close_fd(fs);
	if (r == 0 && syscall(SYS_move_mount, mnt, "", target_fd, "",
			      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		r = -errno;
	close_fd(mnt);
	return r;
}

/* 1 when path is dir itself or below it (whole components). */
static int is_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

#define TARGETS_MAX 256
static char targets[TARGETS_MAX][256] PAGE_ALIGNED;

/* The mount points of /proc/self/mountinfo that want(path, ctx) keeps, in
 * its order (parents before children), into targets; how many or -errno. */
static int list_mounts(int (*want)(const char *path, const void *ctx), const void *ctx)
{
	static char mi[MOUNTINFO_MAX] PAGE_ALIGNED;
	ssize_t n = read_file("/proc/self/mountinfo", mi, sizeof mi);
	if (n < 0)
		return (int)n;
	int count = 0;
	for (char *save, *line = strtok_r(mi, "\n", &save); line && count < TARGETS_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[5], *s2 = NULL, *w = strtok_r(line, " ", &s2);
		int i = 0;
		for (; w && i < 5; w = strtok_r(NULL, " ", &s2))
			f[i++] = w;
		if (i < 5)
			continue;
		mountinfo_unescape(f[4]);
		if (want(f[4], ctx) && strlen(f[4]) < sizeof targets[0])
			strcpy(targets[count++], f[4]);
	}
	return count;
}

struct below {
	const char *dir, *keep;
};

static int want_below(const char *path, const void *ctx)
{
	const struct below *b = ctx;
	return is_below(path, b->dir) && strcmp(path, b->dir) != 0 &&
	       !(b->keep && is_below(path, b->keep));
}

int unmount_below(const char *dir, const char *keep)
{
	struct below b = {dir, keep};
	int count = list_mounts(want_below, &b), done = 0, first_err = 0;
	if (count < 0)
		return count;
	/* parents before children: undo from the end */
	for (int i = count - 1; i >= 0; i--) {
		if (umount2(targets[i], MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			done++;
		else if (errno != EINVAL && errno != ENOENT && !first_err)
			first_err = -errno; /* EINVAL, ENOENT: gone with a parent */
	}
	return first_err ? first_err : done;
}

static int want_all_but_root(const char *path, const void *ctx)
{
	(void)ctx;
	return strcmp(path, "/") != 0;
}

void unmount_all(int lazy)
{
	int count = list_mounts(want_all_but_root, NULL);
	/* mountinfo lists in mount order: undo from the end */
	for (int i = count - 1; i >= 0; i--) {
		if (!lazy && umount2(targets[i], 0) == 0)
			continue;
		if ((lazy || errno == EBUSY) && umount2(targets[i], MNT_DETACH) == 0)
			continue;
		if (errno != EINVAL && errno != ENOENT)
			log_debug("umount %s: %s", targets[i], strerror(errno));
	}
}
