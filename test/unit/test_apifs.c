/*
 * Unit tests of the API filesystems: only those the kernel lists, only
 * where they are not mounted yet, the mount points under /dev made and
 * those under /sys not; mounted for real in a scratch root in a mount
 * namespace of the test's own.
 */
#include "tap.h"
#include "tmptree.h"
#include "os/apifs.h"

#include <sched.h>
#include <sys/mount.h>

/* the mountinfo line of the mount point rel, or NULL */
static const char *line_of(const char *mi, const char *rel)
{
	char want[400];
	snprintf(want, sizeof want, " %s ", tree_path(rel));
	return strstr(mi, want);
}

static int mounted_as(const char *mi, const char *rel, const char *fstype)
{
	const char *l = line_of(mi, rel);
	char want[64];
	snprintf(want, sizeof want, " - %s ", fstype);
	const char *t = l ? strstr(l, want) : NULL;
	return t && !memchr(l, '\n', (size_t)(t - l));
}

int main(void)
{
	tree_init("test-apifs");
	char root[300], mi[512];
	snprintf(root, sizeof root, "%s", tree_root);
	mkdir_p(tree_path("sys/kernel/debug"), 0755);
	mkdir_p(tree_path("sys/kernel/tracing"), 0755);
	mkdir_p(tree_path("dev"), 0755);
	/* tracefs "mounted already" per mountinfo; securityfs: no mount point */
	snprintf(mi, sizeof mi, "22 1 0:7 / %s/sys/kernel/tracing rw - tracefs tracefs rw\n",
		 tree_root);
	const char *fss = "nodev\tsysfs\nnodev\tdebugfs\nnodev\ttracefs\nnodev\tsecurityfs\n"
			  "nodev\tmqueue\n";
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		skip("no mount namespace here (needs root)", "API filesystems");
		tree_done();
		return done_testing();
	}
	is_int(apifs_mount(root, mi, fss), 2, "two mounted: debugfs and mqueue");
	static char now[1 << 20];
	read_file("/proc/self/mountinfo", now, sizeof now);
	ok(mounted_as(now, "sys/kernel/debug", "debugfs"), "debugfs on sys/kernel/debug");
	ok(mounted_as(now, "dev/mqueue", "mqueue"), "mqueue on dev/mqueue, its directory made");
	ok(!line_of(now, "sys/kernel/tracing"), "tracefs: mounted already per mountinfo, left");
	ok(!line_of(now, "sys/kernel/security"), "securityfs: no mount point under sys, skipped");
	ok(!line_of(now, "dev/hugepages"), "hugetlbfs: not in the kernel's list, skipped");
	umount(tree_path("sys/kernel/debug"));
	umount(tree_path("dev/mqueue"));
	tree_done();
	return done_testing();
}
