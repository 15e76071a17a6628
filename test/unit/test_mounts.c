/* Unit tests: reading /proc/self/mountinfo text. */
#include "os/mounts.h"
#include "tap.h"

static const char mi[] =
    "22 1 0:21 / / rw,relatime - rootfs rootfs rw\n"
    "23 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw\n"
    "24 22 0:23 / /sys rw,nosuid - sysfs sysfs rw\n"
    "30 22 7:0 / /run/pact/uenv/with\\040space ro - squashfs /dev/loop0 ro\n"
    "31 22 0:30 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw";

int main(void)
{
	char fs[32];
	ok(mountinfo_has(mi, "/proc", fs, sizeof fs), "/proc found");
	is_str(fs, "proc", "its type is read past the optional fields");
	ok(mountinfo_has(mi, "/sys", fs, sizeof fs) && strcmp(fs, "sysfs") == 0, "/sys sysfs");
	ok(!mountinfo_has(mi, "/dev", NULL, 0), "/dev is missing");
	ok(!mountinfo_has(mi, "/pro", NULL, 0), "a prefix is not a match");
	ok(mountinfo_has(mi, "/run/pact/uenv/with space", fs, sizeof fs), "octal escapes decoded");
	is_str(fs, "squashfs", "type of the escaped one");
	ok(mountinfo_has(mi, "/proc/sys/fs/binfmt_misc", NULL, 0), "last line without newline");
	ok(!mountinfo_has("", "/", NULL, 0), "empty text has nothing");
	char tiny[3];
	ok(mountinfo_has(mi, "/sys", tiny, sizeof tiny) && strcmp(tiny, "sy") == 0,
	   "type truncated to the buffer");
	return done_testing();
}
