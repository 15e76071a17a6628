/*
 * Unit tests of the module loader on a fake /lib/modules tree: dependency
 * order from modules.dep, EEXIST and built-in as success, a missing module
 * as a named error, compressed files flagged, with finit_module replaced.
 */
#include "tap.h"
#include "os/kmod.h"
#include "os/modprobe.h"

#include <errno.h>
#include <linux/module.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static char order[1024];
static int calls, last_flags;
static char last_params[256];

/* Fake finit_module: records the order; "needs_a" fails until "a" is in. */
static int fake_loader(void *ctx, int fd, const char *path, const char *params, int flags)
{
	(void)ctx;
	if (fd < 0)
		return -EBADF;
	calls++;
	last_flags = flags;
	snprintf(last_params, sizeof last_params, "%s", params);
	const char *b = strrchr(path, '/') + 1;
	if (strncmp(b, "needs_a", 7) == 0 && !strstr(order, " a.ko"))
		return -ENOENT; /* "unknown symbol" until a is loaded */
	if (strncmp(b, "loaded", 6) == 0)
		return -EEXIST;
	if (strncmp(b, "broken", 6) == 0)
		return -ENOEXEC;
	size_t n = strlen(order);
	snprintf(order + n, sizeof order - n, " %s", b);
	return 0;
}

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	char cmd[600];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
	if (system(cmd) != 0)
		return;
	*slash = '/';
	FILE *f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int load(const char *name)
{
	struct kmod_opts o = {.modules_dir = dir,
			      .sys_module_dir = "",
			      .proc_filesystems = "",
			      .loader = fake_loader};
	order[0] = '\0';
	calls = 0;
	return kmod_load_opts(name, &o);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test-kmod-unit-%d", (int)getpid());
	put("modules.dep", "kernel/drivers/block/loop.ko:\n"
			   "kernel/fs/overlayfs/overlay.ko:\n"
			   "kernel/x/top.ko: kernel/x/mid.ko kernel/x/base.ko\n"
			   "kernel/x/mid.ko: kernel/x/base.ko\n"
			   "kernel/x/base.ko:\n"
			   "kernel/y/odd.ko: kernel/y/a.ko kernel/y/needs_a.ko\n"
			   "kernel/y/a.ko:\n"
			   "kernel/y/needs_a.ko: kernel/y/a.ko\n"
			   "kernel/z/virtio-net.ko.xz:\n"
			   "kernel/z/loaded.ko:\n"
			   "kernel/z/broken.ko:\n"
			   "kernel/z/usesbroken.ko: kernel/z/broken.ko\n"
			   "kernel/z/nofile.ko:\n");
	put("modules.builtin", "kernel/fs/squashfs/squashfs.ko\nkernel/fs/ext4/ext4.ko\n");
	const char *files[] = {"kernel/drivers/block/loop.ko",
			       "kernel/fs/overlayfs/overlay.ko",
			       "kernel/x/top.ko",
			       "kernel/x/mid.ko",
			       "kernel/x/base.ko",
			       "kernel/y/odd.ko",
			       "kernel/y/a.ko",
			       "kernel/y/needs_a.ko",
			       "kernel/z/virtio-net.ko.xz",
			       "kernel/z/loaded.ko",
			       "kernel/z/broken.ko",
			       "kernel/z/usesbroken.ko"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		put(files[i], "\x7f"
			      "ELF");

	is_int(load("loop"), 0, "loop loads");
	is_str(order, " loop.ko", "one finit_module");
	is_int(last_flags, 0, "plain .ko: no flags");
	is_int(load("squashfs"), 0, "built in: success");
	is_int(calls, 0, "built in: nothing loaded");
	is_int(load("top"), 0, "module with dependencies");
	is_str(order, " base.ko mid.ko top.ko", "dependencies first, deepest first");
	is_int(load("odd"), 0, "dependencies in an unhelpful order");
	is_str(order, " a.ko needs_a.ko odd.ko", "a later pass loads what failed first");
	is_int(load("virtio_net"), 0, "'_' finds virtio-net.ko.xz");
	is_int(last_flags, MODULE_INIT_COMPRESSED_FILE, "compressed file flagged");
	is_int(load("loaded"), 0, "EEXIST is success");
	is_int(load("nosuch"), -ENOENT, "missing module: -ENOENT");
	is_int(load("nofile"), -ENOENT, "listed but the file is missing: -ENOENT");
	is_int(load("broken"), -ENOEXEC, "a load failure is returned");
	is_int(load("usesbroken"), -ENOEXEC, "a dependency's failure is returned");
	ok(strstr(order, "usesbroken") == NULL, "the module is not tried without its dependency");
	is_int(load(""), -EINVAL, "empty name");

	struct kmod_opts o = {.modules_dir = dir,
			      .sys_module_dir = "",
			      .proc_filesystems = "",
			      .loader = fake_loader};
	const char *list[] = {"loop", "squashfs", "overlay"};
	order[0] = '\0';
	is_int(kmod_load_list(list, 3, &o), 0, "boot list loop, squashfs, overlay");
	is_str(order, " loop.ko overlay.ko", "the two modules loaded");
	const char *bad[] = {"nosuch", "loop"};
	order[0] = '\0';
	is_int(kmod_load_list(bad, 2, &o), -ENOENT, "a list reports the first error");
	is_str(order, " loop.ko", "and still loads the rest");

	/* /sys/module/<name> present: nothing to do */
	char sysmod[300];
	snprintf(sysmod, sizeof sysmod, "%s/sysmod", dir);
	put("sysmod/loop/refcnt", "0\n");
	o.sys_module_dir = sysmod;
	calls = 0;
	is_int(kmod_load_opts("loop", &o), 0, "already present in /sys/module");
	is_int(calls, 0, "not loaded again");

	/* a filesystem the kernel has built in, with no modules tree at all */
	char fs[300];
	snprintf(fs, sizeof fs, "%s/filesystems", dir);
	put("filesystems", "nodev\tsysfs\n\text4\nnodev\toverlay\n");
	struct kmod_opts nomods = {.modules_dir = "/nonexistent",
				   .sys_module_dir = "",
				   .proc_filesystems = fs,
				   .loader = fake_loader};
	calls = 0;
	is_int(kmod_load_opts("overlay", &nomods), 0, "no modules.dep, overlay in filesystems: ok");
	is_int(kmod_load_opts("ext4", &nomods), 0, "the same for a non-nodev filesystem");
	is_int(kmod_load_opts("squashfs", &nomods), -ENOENT, "squashfs missing: -ENOENT");
	is_int(kmod_load_opts("sysf", &nomods), -ENOENT, "whole names only");
	is_int(calls, 0, "nothing loaded");

	/* modprobe.d: options reach finit_module; install NAME /bin/true disables */
	static struct modprobe_conf conf;
	char l1[] = "options top  a=1 b=two", l2[] = "options base c=3",
	     l3[] = "install mid /bin/true", e[64];
	modprobe_parse_line(&conf, l1, e, sizeof e);
	modprobe_parse_line(&conf, l2, e, sizeof e);
	struct kmod_opts withconf = {.modules_dir = dir,
				     .sys_module_dir = "",
				     .proc_filesystems = "",
				     .loader = fake_loader,
				     .conf = &conf};
	order[0] = '\0';
	is_int(kmod_load_opts("top", &withconf), 0, "top loads with options");
	is_str(last_params, "a=1 b=two", "its options are passed to finit_module");
	is_int(kmod_load_opts("base", &withconf), 0, "base loads");
	is_str(last_params, "c=3", "each module its own options");
	modprobe_parse_line(&conf, l3, e, sizeof e);
	calls = 0;
	is_int(kmod_load_opts("mid", &withconf), -EPERM, "a disabled module is refused by name");
	is_int(calls, 0, "... without a finit_module");

	char def[256];
	ok(kmod_default_dir(def, sizeof def) > 0 && strncmp(def, "/lib/modules/", 13) == 0,
	   "default dir %s", def);
	o.modules_dir = "/nonexistent";
	o.sys_module_dir = "";
	is_int(kmod_load_opts("loop", &o), -ENOENT, "no modules.dep: -ENOENT");

	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	return done_testing();
}
