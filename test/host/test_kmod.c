/*
 * Host tier: the module loader's real finit_module(2) path, as root. The
 * host has no /lib/modules, so a fake tree holds a junk "module": the
 * kernel must refuse it and the loader must return that error, name the
 * module, and not crash. EEXIST/built-in success is covered in the unit
 * tier (with a fake loader) and in the VM tier (real modules).
 */
#include "tap.h"
#include "os/kmod.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP not root\n");
		return 0;
	}
	char dir[128], p[256];
	snprintf(dir, sizeof dir, "/tmp/pact-kmod-host-%d", (int)getpid());
	snprintf(p, sizeof p, "%s/kernel", dir);
	if (mkdir(dir, 0700) < 0 || mkdir(p, 0700) < 0) {
		printf("1..0 # SKIP temp dir: %s\n", strerror(errno));
		return 0;
	}
	snprintf(p, sizeof p, "%s/modules.dep", dir);
	FILE *f = fopen(p, "w");
	fputs("kernel/pact_junk.ko:\n", f);
	fclose(f);
	snprintf(p, sizeof p, "%s/kernel/pact_junk.ko", dir);
	f = fopen(p, "w");
	fputs("this is not an ELF module\n", f);
	fclose(f);
	struct kmod_opts o = {.modules_dir = dir, .sys_module_dir = "", .proc_filesystems = ""};
	int r = kmod_load_opts("pact_junk", &o);
	ok(r < 0 && r != -ENOENT, "the kernel refuses a junk module: %s", strerror(-r));
	is_int(kmod_load_opts("pact_missing", &o), -ENOENT, "a missing module is -ENOENT");
	/* the real defaults on this host: built-in loop and squashfs */
	if (system("grep -qw squashfs /proc/filesystems") == 0)
		is_int(kmod_load("squashfs", NULL), 0, "squashfs built in (/proc/filesystems)");
	else
		skip("squashfs is not built into this kernel", "squashfs built in");
	if (access("/sys/module/loop", F_OK) == 0)
		is_int(kmod_load("loop", NULL), 0, "loop present (/sys/module/loop)");
	else
		skip("no /sys/module/loop", "loop present");
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	return done_testing();
}
