/*
 * Host tier: the pieces of stage 1 (init/switchroot.c) on the real kernel,
 * as root, in a private mount namespace: waiting for a path, the squashfs
 * check, mounting an image file (loop device) with its tmpfs overlay and
 * undoing it, resolving the new root's init inside it, and freeing an old
 * root without crossing mounts. The switch itself (chroot + exec as PID 1)
 * is tested in QEMU (test/vm/cases/root-*).
 */
#include "hostutil.h"
#include "tap.h"
#include "lib/loop.h"
#include "node/switchroot.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[128];

static int put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int is_mounted(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mp[4096];
	int n = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) == 1 && strcmp(mp, path) == 0)
			n++;
	if (f)
		fclose(f);
	return n;
}

static void test_wait_path(void)
{
	uint64_t t0 = now_ms();
	is_int(switchroot_wait_path(pf("%s/no/such/dev", tmp), 150), -ETIMEDOUT,
	       "a path that never appears: -ETIMEDOUT");
	uint64_t took = now_ms() - t0;
	ok(took >= 150 && took < 2000, "the wait is bounded by its deadline (%llu ms)",
	   (unsigned long long)took);
	is_int(switchroot_wait_path(tmp, 0), 0, "an existing path: at once, even with no wait");

	/* the device's directory may not exist yet either: watch the ancestor */
	pid_t pid = fork();
	if (pid == 0) {
		mkdir(pf("%s/late", tmp), 0755);
		mkdir(pf("%s/late/sub", tmp), 0755);
		_exit(put(pf("%s/late/sub/vda", tmp), "", 0644) == 0 ? 0 : 1);
	}
	int r = switchroot_wait_path(pf("%s/late/sub/vda", tmp), 5000);
	int st = -1;
	waitpid(pid, &st, 0);
	is_int(r, 0, "a path that appears (directories and all) while waiting");
}

static void test_check_squashfs(const char *image)
{
	char err[256] = "";
	int fd = open(image, O_RDONLY | O_CLOEXEC);
	is_int(switchroot_check_squashfs(fd, err, sizeof err), 0, "a squashfs image passes");
	close(fd);
	put(pf("%s/junk", tmp), "#!/bin/sh\n", 0644);
	fd = open(pf("%s/junk", tmp), O_RDONLY | O_CLOEXEC);
	is_int(switchroot_check_squashfs(fd, err, sizeof err), -EINVAL, "a text file does not");
	close(fd);
	ok(strstr(err, "not a squashfs image (starts 23 21 2f 62") != NULL,
	   "and the reason shows what it starts with: %s", err);
}

static void test_mount(const char *image)
{
	const struct switchroot_paths p = {
	    .dev_dir = "/dev",
	    .stage_dir = pf("%s/stage", tmp),
	    .new_root = pf("%s/new", tmp),
	};
	char err[512] = "";
	int r = switchroot_mount(image, &p, err, sizeof err);
	is_int(r, 0, "mount an image file with its overlay (%s)", err);
	if (r < 0) {
		for (int i = 0; i < 5; i++)
			skip("the mount failed", "mount check %d", i + 1);
		return;
	}
	is_int(is_mounted(pf("%s/ro", p.stage_dir)), 1, "the image is mounted at <stage>/ro");
	ok(access(pf("%s/sbin/init", p.new_root), X_OK) == 0, "the new root shows the image");
	ok(put(pf("%s/usr/written", p.new_root), "x", 0644) == 0, "a write to the new root works");
	ok(access(pf("%s/rw/upper/usr/written", p.stage_dir), F_OK) == 0 &&
	       access(pf("%s/ro/usr/written", p.stage_dir), F_OK) < 0,
	   "it lands in the tmpfs upper layer, not in the image");
	ok(put(pf("%s/ro/usr/x", p.stage_dir), "x", 0644) < 0 && errno == EROFS,
	   "the image itself is read-only (EROFS)");
	switchroot_unmount(&p);
	ok(!is_mounted(p.new_root) && !is_mounted(pf("%s/ro", p.stage_dir)) &&
	       !is_mounted(pf("%s/rw", p.stage_dir)),
	   "switchroot_unmount undoes all three mounts");
}

static void test_mount_failures(void)
{
	const struct switchroot_paths p = {
	    .dev_dir = "/dev",
	    .stage_dir = pf("%s/stage2", tmp),
	    .new_root = pf("%s/new2", tmp),
	};
	char err[512] = "";
	is_int(switchroot_mount(pf("%s/missing.sqfs", tmp), &p, err, sizeof err), -ENOENT,
	       "a missing image: -ENOENT");
	ok(strstr(err, "missing.sqfs") != NULL, "the reason names it: %s", err);
	is_int(switchroot_mount(pf("%s/junk", tmp), &p, err, sizeof err), -EINVAL,
	       "a file that is not squashfs: -EINVAL");
	ok(strstr(err, "not a squashfs image") != NULL, "the reason says so: %s", err);
	ok(!is_mounted(pf("%s/ro", p.stage_dir)) && !is_mounted(p.new_root),
	   "nothing is left mounted after a failure");
	is_int(switchroot_mount("/dev/null", &p, err, sizeof err), -ENOTBLK,
	       "a character device: -ENOTBLK");
}

static void test_has_init(void)
{
	char *root = pf("%s/hr", tmp);
	mkdir(root, 0755);
	mkdir(pf("%s/sbin", root), 0755);
	/* an absolute symlink that only resolves inside the new root */
	char *target = pf("/pact-test-init-%d", getpid());
	put(pf("%s%s", root, target), "", 0755);
	symlink(target, pf("%s/sbin/init", root));
	put(pf("%s/sbin/noexec", root), "", 0644);
	is_int(switchroot_has_init(root, "/sbin/init"), 0,
	       "/sbin/init -> /absolute resolves inside the new root");
	is_int(switchroot_has_init(root, "/sbin/noexec"), -EACCES, "not executable: -EACCES");
	is_int(switchroot_has_init(root, "/sbin/none"), -ENOENT, "missing: -ENOENT");
}

static void test_delete_tree(void)
{
	char *old = pf("%s/old", tmp);
	mkdir(old, 0755);
	if (mount("tmpfs", old, "tmpfs", 0, "mode=0755") < 0) {
		for (int i = 0; i < 3; i++)
			skip("cannot mount a tmpfs", "delete check %d", i + 1);
		return;
	}
	mkdir(pf("%s/a", old), 0755);
	mkdir(pf("%s/a/b", old), 0755);
	put(pf("%s/a/b/f", old), "x", 0644);
	put(pf("%s/top", old), "x", 0644);
	symlink("/etc/passwd", pf("%s/a/link", old));
	mkdir(pf("%s/mnt", old), 0755);
	mount("tmpfs", pf("%s/mnt", old), "tmpfs", 0, "mode=0755");
	put(pf("%s/mnt/keep", old), "x", 0644);
	struct stat st;
	stat(old, &st);
	long n = switchroot_delete_tree(open(old, O_RDONLY | O_DIRECTORY | O_CLOEXEC), st.st_dev);
	is_int((int)n, 5, "five entries removed (a, a/b, a/b/f, a/link, top)");
	ok(access(pf("%s/a", old), F_OK) < 0 && access(pf("%s/top", old), F_OK) < 0,
	   "the old root's own files are gone");
	ok(access(pf("%s/mnt/keep", old), F_OK) == 0 && access("/etc/passwd", F_OK) == 0,
	   "another mount and a symlink's target are untouched");
	umount2(pf("%s/mnt", old), MNT_DETACH);
	umount2(old, MNT_DETACH);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root (mounts, loop devices)\n");
		return 0;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		printf("1..0 # SKIP no private mount namespace: %s\n", strerror(errno));
		return 0;
	}
	snprintf(tmp, sizeof tmp, "/tmp/pact-switchroot-%d", getpid());
	mkdir(tmp, 0755);
	/* the image: a tiny root with an executable /sbin/init */
	char *tree = pf("%s/tree", tmp), *image = pf("%s/root.sqfs", tmp);
	mkdir(tree, 0755);
	mkdir(pf("%s/sbin", tree), 0755);
	mkdir(pf("%s/usr", tree), 0755);
	put(pf("%s/sbin/init", tree), "#!/bin/sh\n", 0755);
	const char *mk[] = {"mksquashfs", tree, image, "-noappend", "-quiet", NULL};
	int have_image = run(mk) == 0;

	test_wait_path();
	if (have_image) {
		test_check_squashfs(image);
		test_mount(image);
	} else {
		for (int i = 0; i < 9; i++)
			skip("mksquashfs failed", "image check %d", i + 1);
	}
	test_mount_failures();
	test_has_init();
	test_delete_tree();

	const char *rm[] = {"rm", "-rf", tmp, NULL};
	run(rm);
	return done_testing();
}
