/*
 * Unit tests of the uenv manager's state machine: refcounts, hold timers,
 * WI2 refusals, RI3 emergency gating, names, validation and reconstruct,
 * with the loop/mount syscalls replaced by fakes (no root needed). Image
 * files are real files in a temp dir so the path checks run for real.
 */
#include "tap.h"
#include "uenv_find.h"
#include "lib/loop.h"
#include "os/uenv.h"
#include "os/uenv_path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct fake {
	int attaches, mounts, unbinds, closes, umounts;
	int fail_mount;	 /* next mount fails with this -errno */
	int fail_umount; /* next umount fails with this -errno */
	int next_index;
	int block; /* mount blocks for good (a hung image server): the worker is killed */
};

static int f_attach(void *ctx, const char *dev_dir, int image_fd, const char *image,
		    struct loopdev *lo)
{
	struct fake *f = ctx;
	(void)image;
	if (image_fd < 0)
		return -EBADF;
	f->attaches++;
	lo->fd = -1;
	lo->index = f->next_index++;
	lo->major = 7;
	lo->minor = (unsigned)lo->index;
	snprintf(lo->path, sizeof lo->path, "%s/loop%d", dev_dir, lo->index);
	return 0;
}

static int f_mount(void *ctx, const struct loopdev *lo, int target_fd, const char *target)
{
	struct fake *f = ctx;
	(void)lo;
	(void)target;
	if (target_fd < 0)
		return -EBADF;
	if (f->block)
		for (;;)
			pause();
	if (f->fail_mount) {
		int r = f->fail_mount;
		f->fail_mount = 0;
		return r;
	}
	f->mounts++;
	return 0;
}

static void f_unbind(void *ctx, struct loopdev *lo)
{
	((struct fake *)ctx)->unbinds++;
	lo->fd = -1;
}

static void f_close(void *ctx, struct loopdev *lo)
{
	((struct fake *)ctx)->closes++;
	lo->fd = -1;
}

static int f_umount(void *ctx, const char *target)
{
	struct fake *f = ctx;
	(void)target;
	if (f->fail_umount) {
		int r = f->fail_umount;
		f->fail_umount = 0;
		return r;
	}
	f->umounts++;
	return 0;
}

static const struct uenv_sys fake_sys = {f_attach, f_mount, f_unbind, f_close, f_umount};

static struct fake *fk; /* shared with acquire_async workers */
static struct uenv_mgr mgr, mgr2;
static char tmp[256], images[300], base[300];
static int emergency_flag;

static int emergency_cb(void *ctx)
{
	return *(int *)ctx;
}

static void write_img(const char *path, const char *magic)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, magic, strlen(magic)) < 0)
			perror("write");
		close(fd);
	}
}

__attribute__((format(printf, 1, 2))) static char *pathf(const char *fmt, ...)
{
	static char bufs[16][600];
	static int i;
	char *b = bufs[i++ % 16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, 600, fmt, ap);
	va_end(ap);
	return b;
}

static void run_until_empty(struct uenv_mgr *m, int budget)
{
	while (uenv_count(m) > 0 && budget-- > 0)
		loop_run_once(100);
}

static void init_mgr(struct uenv_mgr *m, uint64_t hold_ms)
{
	struct uenv_config cfg = {
	    .roots = {images},
	    .base = base,
	    .hold_ms = hold_ms,
	    .sys = &fake_sys,
	    .sys_ctx = fk,
	    .in_emergency = emergency_cb,
	    .emergency_ctx = &emergency_flag,
	};
	int r = uenv_init(m, &cfg);
	if (r < 0)
		printf("# uenv_init: %s\n", strerror(-r));
}

static void test_refcounts(void)
{
	struct uenv_handle h1, h2, h3;
	const char *a = pathf("%s/a.sqfs", images);
	memset(fk, 0, sizeof *fk);
	is_int(uenv_acquire(&mgr, a, &h1), 0, "first acquire");
	is_str(h1.image_path, a, "handle image path");
	is_str(h1.mount_point, pathf("%s/a", base), "mount point is <base>/<name without .sqfs>");
	struct stat st;
	ok(stat(h1.mount_point, &st) == 0 && S_ISDIR(st.st_mode), "mount point directory made");
	is_int(uenv_acquire(&mgr, a, &h2), 0, "second acquire");
	is_int(fk->attaches, 1, "one loop attach for two references");
	is_int(fk->mounts, 1, "one mount for two references");
	is_int(fk->closes, 1, "loop fd closed after the mount");
	is_int(info_of(&mgr, a).got.refcount, 2, "count 2");
	is_int(uenv_release(&mgr, &h2), 0, "release one");
	is_int(info_of(&mgr, a).got.refcount, 1, "count 1");
	is_int(info_of(&mgr, a).got.hold_left_ms, -1, "no hold timer while referenced");
	is_int(uenv_release(&mgr, &h1), 0, "release two");
	struct find_ctx f = info_of(&mgr, a);
	ok(f.found && f.got.refcount == 0, "count 0, entry kept during the hold");
	ok(f.got.hold_left_ms >= 0 && f.got.hold_left_ms <= 50, "hold timer armed (%lld ms)",
	   (long long)f.got.hold_left_ms);
	is_int(fk->umounts, 0, "not unmounted during the hold");

	/* re-acquire inside the hold: reuse, no syscalls */
	is_int(uenv_acquire(&mgr, pathf("%s//./a.sqfs", images), &h3), 0,
	       "re-acquire during the hold (other spelling of the same path)");
	is_int(fk->attaches, 1, "no new attach");
	is_int(fk->mounts, 1, "no new mount");
	is_str(h3.mount_point, h1.mount_point, "same mount point");
	is_int(info_of(&mgr, a).got.hold_left_ms, -1, "hold timer cancelled");
	is_int(uenv_release(&mgr, &h3), 0, "release again");

	/* expiry */
	run_until_empty(&mgr, 20);
	is_int(uenv_count(&mgr), 0, "entry gone after the hold time");
	is_int(fk->umounts, 1, "unmounted once on expiry");
	ok(stat(h1.mount_point, &st) < 0 && errno == ENOENT, "mount point removed");

	/* a handle of an expired mount instance, used on a new one */
	struct uenv_handle old = h1, fresh;
	is_int(uenv_acquire(&mgr, a, &fresh), 0, "mount a again");
	is_int(uenv_release(&mgr, &old), -ESTALE, "a handle of the earlier mount is refused");
	ok(strstr(uenv_last_error(&mgr), "refcount inconsistency") != NULL,
	   "as a refcount inconsistency: %s", uenv_last_error(&mgr));
	is_int(info_of(&mgr, a).got.refcount, 1, "the new mount's count untouched");
	is_int(uenv_release(&mgr, &fresh), 0, "release the new one");
	run_until_empty(&mgr, 20);
	is_int(uenv_acquire(&mgr, a, NULL), -EINVAL, "NULL handle refused");
	is_int(uenv_release(&mgr, NULL), -EINVAL, "NULL handle release refused");

	/* WI2: below zero and unknown */
	is_int(uenv_release(&mgr, &h1), -ENOENT, "release of an unmounted image refused");
	ok(strstr(uenv_last_error(&mgr), "refcount inconsistency") != NULL,
	   "logged as a refcount inconsistency: %s", uenv_last_error(&mgr));
	is_int(uenv_acquire(&mgr, a, &h1), 0, "acquire for the below-zero test");
	is_int(uenv_release(&mgr, &h1), 0, "release to zero");
	is_int(uenv_release(&mgr, &h1), -ERANGE, "release below zero refused");
	ok(strstr(uenv_last_error(&mgr), "refcount inconsistency") &&
	       strstr(uenv_last_error(&mgr), "below zero"),
	   "says below zero: %s", uenv_last_error(&mgr));
	f = info_of(&mgr, a);
	ok(f.found && f.got.refcount == 0 && f.got.hold_left_ms >= 0,
	   "state unchanged (count 0, timer still armed)");

	/* umount failure on expiry: kept and retried */
	fk->fail_umount = -EPERM;
	int before = fk->umounts;
	for (int i = 0; i < 20 && fk->fail_umount; i++)
		loop_run_once(100);
	is_int(uenv_count(&mgr), 1, "entry kept after a failed unmount");
	ok(info_of(&mgr, a).got.hold_left_ms >= 0, "timer re-armed for a retry");
	run_until_empty(&mgr, 20);
	is_int(fk->umounts, before + 1, "retry unmounted it");
}

static void test_force(void)
{
	struct uenv_handle h1, h2, h3;
	const char *b = pathf("%s/b.sqfs", images);
	memset(fk, 0, sizeof *fk);
	emergency_flag = 0;
	is_int(uenv_acquire(&mgr, b, &h1), 0, "acquire b");
	is_int(uenv_acquire(&mgr, b, &h2), 0, "acquire b again");
	is_int(uenv_force_unmount(&mgr, b), -EPERM, "force refused outside an emergency");
	ok(strstr(uenv_last_error(&mgr), "emergency") != NULL, "error says why: %s",
	   uenv_last_error(&mgr));
	is_int(info_of(&mgr, b).got.refcount, 2, "still mounted with its count");
	is_int(fk->umounts, 0, "nothing unmounted");
	emergency_flag = 1;
	is_int(uenv_force_unmount(&mgr, b), 0, "force inside an emergency");
	is_int(fk->umounts, 1, "unmounted now");
	is_int(uenv_count(&mgr), 0, "entry removed");
	is_int(uenv_force_unmount(&mgr, b), -ENOENT, "second force: not mounted");
	emergency_flag = 0;
	is_int(uenv_acquire(&mgr, b, &h3), 0, "mount it again");
	is_int(uenv_release(&mgr, &h1), -ESTALE, "a holder's release after the force is stale");
	ok(strstr(uenv_last_error(&mgr), "after its emergency force unmount") != NULL,
	   "recognised as following the force: %s", uenv_last_error(&mgr));
	is_int(uenv_release(&mgr, &h2), -ESTALE, "the second holder's too");
	is_int(info_of(&mgr, b).got.refcount, 1, "and does not touch the new mount");
	is_int(uenv_release(&mgr, &h3), 0, "release the new one");
	/* the flag variant */
	mgr.cfg.in_emergency = NULL;
	is_int(uenv_force_unmount(&mgr, b), -EPERM, "flag off: refused");
	uenv_set_emergency(&mgr, 1);
	is_int(uenv_force_unmount(&mgr, b), 0, "flag on: done, timer cancelled");
	uenv_set_emergency(&mgr, 0);
	mgr.cfg.in_emergency = emergency_cb;
	loop_run_once(0);
	is_int(fk->umounts, 2, "no second unmount from a cancelled timer");
}

static void test_names(void)
{
	struct uenv_handle h1, h2, h3;
	memset(fk, 0, sizeof *fk);
	is_int(uenv_acquire(&mgr, pathf("%s/a.sqfs", images), &h1), 0, "a.sqfs");
	is_int(uenv_acquire(&mgr, pathf("%s/sub/a.sqfs", images), &h2), 0, "sub/a.sqfs");
	ok(strcmp(h1.mount_point, h2.mount_point) != 0, "same basename, different mount points");
	char want[700];
	snprintf(want, sizeof want, "%s/a-", base);
	ok(strncmp(h2.mount_point, want, strlen(want)) == 0 &&
	       strlen(h2.mount_point) == strlen(want) + 16,
	   "second is <name>-<16 hex>: %s", h2.mount_point);
	is_int(uenv_acquire(&mgr, pathf("%s/plain", images), &h3), 0, "no .sqfs suffix");
	is_str(h3.mount_point, pathf("%s/plain", base), "name kept whole");
	uenv_release(&mgr, &h1);
	uenv_release(&mgr, &h2);
	uenv_release(&mgr, &h3);
	emergency_flag = 1;
	uenv_force_unmount(&mgr, h1.image_path);
	uenv_force_unmount(&mgr, h2.image_path);
	uenv_force_unmount(&mgr, h3.image_path);
	emergency_flag = 0;
	is_int(uenv_count(&mgr), 0, "cleaned up");

	/* a mount failure leaves nothing behind */
	fk->fail_mount = -EINVAL;
	is_int(uenv_acquire(&mgr, pathf("%s/a.sqfs", images), &h1), -EINVAL, "mount fails");
	is_int(fk->unbinds, 1, "loop device unbound");
	struct stat st;
	ok(stat(pathf("%s/a", base), &st) < 0, "mount point removed");
	is_int(uenv_count(&mgr), 0, "no entry");
}

/* Names from image file names: a bounded charset, else the hashed form. */
static void test_name_rules(void)
{
	static const struct {
		const char *image, *want; /* want NULL: the hashed form */
	} cases[] = {
	    {"/i/tools.sqfs", "tools"},
	    {"/i/py-3.11_x+y.sqfs", "py-3.11_x+y"},
	    {"/i/plain", "plain"},
	    {"/i/a.sqfs.sqfs", "a.sqfs"},
	    {"/i/..sqfs", NULL},
	    {"/i/...sqfs", NULL},
	    {"/i/.sqfs", NULL},
	    {"/i/.hidden.sqfs", NULL},
	    {"/i/-opt.sqfs", NULL},
	    {"/i/a b.sqfs", NULL},
	    {"/i/a\tb.sqfs", NULL},
	    {"/i/a\nb.sqfs", NULL},
	    {"/i/caf\xc3\xa9.sqfs", NULL},
	    {"/i/\xff\xfe.sqfs", NULL},
	    {"/i/a:b.sqfs", NULL},
	    {"/i/a\\b.sqfs", NULL},
	    {"/i/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sqfs",
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
	    {"/i/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxy.sqfs", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[UENV_NAME_MAX + 40], hashed[40], alt[UENV_NAME_MAX + 40];
		uenv_path_mount_name(cases[i].image, 0, name, sizeof name);
		snprintf(hashed, sizeof hashed, "uenv-%016llx", uenv_path_hash(cases[i].image));
		char shown[100]; /* the image path without control characters, for TAP */
		snprintf(shown, sizeof shown, "%s", cases[i].image);
		for (char *c = shown; *c; c++)
			if ((unsigned char)*c < 0x20)
				*c = '?';
		is_str(name, cases[i].want ? cases[i].want : hashed, "name of %s", shown);
		uenv_path_mount_name(cases[i].image, 1, alt, sizeof alt);
		ok(strncmp(alt, name, strlen(name)) == 0 && alt[strlen(name)] == '-' &&
		       strlen(alt) == strlen(name) + 17,
		   "its alternative is <name>-<16 hex>: %s", alt);
	}
	/* through the manager: ..sqfs lands in the base, under the hashed name */
	struct uenv_handle h;
	memset(fk, 0, sizeof *fk);
	write_img(pathf("%s/..sqfs", images), "hsqs....");
	is_int(uenv_acquire(&mgr, pathf("%s/..sqfs", images), &h), 0, "..sqfs acquired");
	char want[700];
	snprintf(want, sizeof want, "%s/uenv-%016llx", base,
		 uenv_path_hash(pathf("%s/..sqfs", images)));
	is_str(h.mount_point, want, "..sqfs: mount point <base>/uenv-<hash>");
	/* a non-empty leftover directory is not reused */
	mkdir(pathf("%s/b", base), 0755);
	write_img(pathf("%s/b/keep", base), "x");
	struct uenv_handle h2;
	is_int(uenv_acquire(&mgr, pathf("%s/b.sqfs", images), &h2), 0, "b.sqfs acquired");
	ok(strncmp(h2.mount_point, pathf("%s/b-", base), strlen(base) + 3) == 0,
	   "beside the non-empty leftover <base>/b: %s", h2.mount_point);
	emergency_flag = 1;
	uenv_force_unmount(&mgr, h.image_path);
	uenv_force_unmount(&mgr, h2.image_path);
	emergency_flag = 0;
	unlink(pathf("%s/b/keep", base));
	rmdir(pathf("%s/b", base));
	unlink(pathf("%s/..sqfs", images));
	is_int(uenv_count(&mgr), 0, "cleaned up");
}

static void test_validation(void)
{
	struct uenv_handle h;
	struct {
		const char *path;
		int err;
		const char *what;
	} cases[] = {
	    {pathf("%s/bad.sqfs", images), -EMEDIUMTYPE, "not squashfs"},
	    {pathf("%s/short.sqfs", images), -EMEDIUMTYPE, "shorter than the magic"},
	    {pathf("%s/link.sqfs", images), -ELOOP, "a symlink"},
	    {pathf("%s/ldir/a.sqfs", images), -ELOOP, "a symlink in a parent"},
	    {pathf("%s/../images/a.sqfs", images), -EXDEV, "a .. component"},
	    {pathf("%s/outside.sqfs", tmp), -EACCES, "outside the image root"},
	    {pathf("%s2/a.sqfs", images), -EACCES, "root prefix but not a component"},
	    {pathf("%s/missing.sqfs", images), -ENOENT, "missing file"},
	    {pathf("%s/sub", images), -EISDIR, "a directory"},
	    {pathf("%s/fifo.sqfs", images), -ENODEV, "a fifo"},
	    {pathf("%s/a.sqfs/x", images), -ENOTDIR, "a file as a parent"},
	    {"images/a.sqfs", -EINVAL, "relative"},
	    {"/", -EINVAL, "no file name"},
	    {images, -EACCES, "the root itself"},
	};
	memset(fk, 0, sizeof *fk);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = uenv_acquire(&mgr, cases[i].path, &h);
		is_int(r, cases[i].err, "%s: %s", cases[i].what, strerror(-r));
		ok(strstr(uenv_last_error(&mgr), "mount failed for") != NULL, "message: %s",
		   uenv_last_error(&mgr));
	}
	ok(strstr(uenv_last_error(&mgr), images) != NULL, "message names the path");
	char longp[UENV_IMAGE_MAX + 10];
	memset(longp, 'x', sizeof longp - 1);
	longp[0] = '/';
	longp[sizeof longp - 1] = '\0';
	is_int(uenv_acquire(&mgr, longp, &h), -ENAMETOOLONG, "too long");
	is_int(uenv_acquire(&mgr, NULL, &h), -EINVAL, "NULL");
	is_int(fk->attaches + fk->mounts, 0, "no loop device, no mount for any bad input");
	is_int(uenv_count(&mgr), 0, "no entry");
}

static void test_full(void)
{
	struct uenv_handle h;
	memset(fk, 0, sizeof *fk);
	int r = 0, n = 0;
	for (int i = 0; i < UENV_MAX_ENTRIES && r == 0; i++) {
		char p[600];
		snprintf(p, sizeof p, "%s/many/m%03d.sqfs", images, i);
		write_img(p, "hsqs");
		r = uenv_acquire(&mgr, p, &h);
		n += r == 0;
	}
	is_int(n, UENV_MAX_ENTRIES, "the table holds %d images", UENV_MAX_ENTRIES);
	is_int(uenv_acquire(&mgr, pathf("%s/a.sqfs", images), &h), -ENOSPC, "one more: ENOSPC");
	is_int(fk->attaches, UENV_MAX_ENTRIES, "no attach for the refused one");
	uenv_fini(&mgr); /* forget (the fake has nothing mounted) */
	is_int(uenv_count(&mgr), 0, "fini empties the table");
	init_mgr(&mgr, 10);
}

static void test_reconstruct(void)
{
	/* a fake mount table and sysfs */
	char mi[600], sys[600], p[900];
	snprintf(mi, sizeof mi, "%s/mountinfo", tmp);
	snprintf(sys, sizeof sys, "%s/sys", tmp);
	FILE *f = fopen(mi, "w");
	fprintf(f, "22 1 0:21 / / rw - ext4 /dev/vda rw\n");
	fprintf(f, "40 22 7:12 / %s/a rw,nosuid,nodev shared:5 - squashfs /dev/loop12 ro\n", base);
	fprintf(f, "41 22 7:13 / %s/b\\040x ro master:1 - squashfs /dev/loop13 ro\n", base);
	fprintf(f, "42 22 7:14 / %s/deep/c ro - squashfs /dev/loop14 ro\n", base);
	fprintf(f, "43 22 7:15 / %s/d ro - ext4 /dev/loop15 ro\n", base);
	fprintf(f, "44 22 8:1 / %s/e ro - squashfs /dev/sda1 ro\n", base);
	fprintf(f, "45 22 7:16 / %s-other/f ro - squashfs /dev/loop16 ro\n", base);
	fclose(f);
	const char *devs[][2] = {{"7:12", "a.sqfs"}, {"7:13", "b.sqfs (deleted)"}};
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s/dev/block/%s/loop", sys, devs[i][0]);
		char cmd[1000];
		snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
		if (system(cmd) != 0)
			printf("# mkdir failed\n");
		snprintf(p, sizeof p, "%s/dev/block/%s/loop/backing_file", sys, devs[i][0]);
		f = fopen(p, "w");
		fprintf(f, "%s/%s\n", images, devs[i][1]);
		fclose(f);
	}
	struct uenv_config cfg = {
	    .roots = {images},
	    .base = base,
	    .hold_ms = 10,
	    .sys = &fake_sys,
	    .sys_ctx = fk,
	    .sys_dir = sys,
	    .mountinfo = mi,
	};
	is_int(uenv_init(&mgr2, &cfg), 0, "a new manager (restart)");
	memset(fk, 0, sizeof *fk);
	const char *a = pathf("%s/a.sqfs", images), *b = pathf("%s/b.sqfs", images);
	const char *active[] = {a, pathf("%s/./a.sqfs", images), pathf("%s/gone.sqfs", images)};
	is_int(uenv_reconstruct(&mgr2, active, 3), 2, "two mounts adopted");
	struct find_ctx fa = info_of(&mgr2, a), fb = info_of(&mgr2, b);
	ok(fa.found && fa.got.refcount == 2 && fa.got.hold_left_ms == -1,
	   "a: count 2 from two allocations, no timer");
	is_int(fa.got.minor, 12, "a: loop device 7:12 recorded");
	is_str(fa.found ? fa.got.mount_point : "", pathf("%s/a", base), "a: mount point");
	ok(fb.found && fb.got.refcount == 0 && fb.got.hold_left_ms >= 0,
	   "b (image deleted, escaped mount point): count 0 and a hold timer (WI6)");
	is_str(fb.found ? fb.got.mount_point : "", pathf("%s/b x", base), "b: unescaped");
	is_int(fk->attaches + fk->mounts + fk->umounts, 0, "nothing mounted or unmounted");
	is_int(uenv_reconstruct(&mgr2, active, 3), 0, "a second scan adopts nothing new");
	struct uenv_handle h;
	is_int(uenv_lookup(&mgr2, a, &h), 0, "lookup a handle for a restored reference");
	is_int(uenv_release(&mgr2, &h), 0, "release it");
	is_int(uenv_release(&mgr2, &h), 0, "release the second");
	is_int(uenv_release(&mgr2, &h), -ERANGE, "a third is below zero");
	run_until_empty(&mgr2, 20);
	is_int(fk->umounts, 2, "both unmounted after the hold");
	uenv_fini(&mgr2);
	cfg.mountinfo = "/nonexistent/mountinfo";
	uenv_init(&mgr2, &cfg);
	is_int(uenv_reconstruct(&mgr2, NULL, 0), -ENOENT, "missing mount table: error");
}

static void test_config(void)
{
	struct uenv_mgr *m = &mgr2;
	is_int(uenv_init(m, NULL), 0, "defaults");
	is_str(m->cfg.base, "/run/pact/uenv", "default base");
	is_str(m->cfg.roots[0], "/images", "default root");
	is_int(m->cfg.hold_ms, 60000, "default hold 60 s");
	struct uenv_config bad = {.roots = {"relative"}};
	is_int(uenv_init(m, &bad), -EINVAL, "relative root refused");
	struct uenv_config two = {.roots = {"/a/", "/b"}, .base = "/x//"};
	is_int(uenv_init(m, &two), 0, "two roots");
	is_int(m->cfg.nroots, 2, "both kept");
	is_str(m->cfg.roots[0], "/a", "trailing slash dropped");
	uenv_fini(m);
}

static void test_json(void)
{
	struct uenv_info i = {.image = "/images/a \"q\".sqfs",
			      .mount_point = "/run/pact/uenv/a\n",
			      .loopdev = "loop3",
			      .major = 7,
			      .minor = 3,
			      .refcount = 2,
			      .hold_left_ms = -1};
	char buf[512];
	int n = uenv_info_json(&i, buf, sizeof buf);
	is_str(buf,
	       "{\"image_path\":\"/images/a \\\"q\\\".sqfs\",\"mount_point\":\"/run/pact/uenv/"
	       "a\\n\",\"loop_device\":\"loop3\",\"dev\":\"7:3\",\"refcount\":2,"
	       "\"hold_remaining_ms\":null}",
	       "listing as JSON, escaped");
	is_int(n, (int)strlen(buf), "length returned");
	i.hold_left_ms = 1500;
	size_t full = (size_t)uenv_info_json(&i, buf, sizeof buf);
	ok(strstr(buf, "\"hold_remaining_ms\":1500}") != NULL, "hold time left");
	int small = 0;
	for (size_t cap = 1; cap <= full; cap++)
		small += uenv_info_json(&i, buf, cap) == -ENOSPC;
	is_int(small, (int)full, "every short buffer: -ENOSPC");
	is_int(uenv_info_json(&i, buf, full + 1), (int)full, "an exact buffer fits");
	/* a backing file's path is whatever the loop device says: not always UTF-8 */
	i.image = "/images/caf\xc3\xa9-\xff.sqfs";
	ok(uenv_info_json(&i, buf, sizeof buf) > 0 &&
	       strstr(buf, "\"image_path\":\"/images/caf\xc3\xa9-\xef\xbf\xbd.sqfs\"") != NULL,
	   "a path that is not UTF-8 is listed with U+FFFD for its bad byte");
}

/* The keys of a flat JSON object, in order, each followed by a blank. */
static void json_keys(const char *obj, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (const char *p = obj; (p = strchr(p, '"')) != NULL;) {
		const char *e = strchr(p + 1, '"');
		if (!e)
			break;
		if (e[1] == ':')
			used += (size_t)snprintf(out + used, cap - used, "%.*s ", (int)(e - p - 1),
						 p + 1);
		p = e + 1;
		if (*p == ':' && p[1] == '"') /* a string value: skip it */
			p = strchr(p + 2, '"') ? strchr(p + 2, '"') + 1 : p + 2;
	}
}

/* docs/uenv.md's example of a listed mount (what `pactctl --json mounts`
 * gives) names the fields the code writes: one set of names */
static void test_json_documented(void)
{
	static char doc[65536];
	FILE *f = fopen("docs/uenv.md", "r");
	size_t n = f ? fread(doc, 1, sizeof doc - 1, f) : 0;
	if (f)
		fclose(f);
	doc[n] = '\0';
	const char *ex = strstr(doc, "`{\"image_path\"");
	ok(ex != NULL, "docs/uenv.md shows a listed mount as JSON");
	char documented[256] = "", written[256] = "", buf[512];
	if (ex) {
		char line[400];
		snprintf(line, sizeof line, "%.*s", (int)strcspn(ex + 1, "`"), ex + 1);
		json_keys(line, documented, sizeof documented);
	}
	struct uenv_info i = {.image = "/images/a.sqfs",
			      .mount_point = "/run/pact/uenv/a",
			      .loopdev = "loop3",
			      .major = 7,
			      .minor = 3,
			      .refcount = 2,
			      .hold_left_ms = -1};
	uenv_info_json(&i, buf, sizeof buf);
	json_keys(buf, written, sizeof written);
	is_str(written, "image_path mount_point loop_device dev refcount hold_remaining_ms ",
	       "the fields written");
	is_str(documented, written, "docs/uenv.md documents those fields, in that order");
}

struct cbrec {
	int calls, err;
	struct uenv_handle h;
};

static void rec_cb(void *ctx, int err, const struct uenv_handle *h)
{
	struct cbrec *r = ctx;
	r->calls++;
	r->err = err;
	if (h)
		r->h = *h;
}

static void run_until_called(struct cbrec *r)
{
	for (int i = 0; i < 50 && r->calls == 0; i++)
		loop_run_once(100);
}

static void test_async(void)
{
	char a[600], b[600], bad[600];
	snprintf(a, sizeof a, "%s/a.sqfs", images);
	snprintf(b, sizeof b, "%s/b.sqfs", images);
	snprintf(bad, sizeof bad, "%s/bad.sqfs", images);
	struct cbrec r1 = {0}, r2 = {0}, r3 = {0}, r4 = {0}, r5 = {0}, r6 = {0};
	struct uenv_handle h;
	memset(fk, 0, sizeof *fk);
	is_int(uenv_acquire_async(&mgr, a, rec_cb, &r1), 0, "async: first acquire started");
	is_int(r1.calls, 0, "async: pending, callback not yet called");
	is_int(uenv_acquire_async(&mgr, a, rec_cb, &r2), 0, "async: a second caller waits too");
	is_int(uenv_acquire(&mgr, a, &h), -EBUSY, "async: sync acquire while pending is -EBUSY");
	is_int(info_of(&mgr, a).found, 0, "async: a pending mount is not listed");
	memset(&h, 0, sizeof h);
	snprintf(h.image_path, sizeof h.image_path, "%.500s", a);
	h.slot = -1;
	is_int(uenv_release(&mgr, &h), -ENOENT, "async: nothing to release while pending");
	run_until_called(&r1);
	ok(r1.calls == 1 && r1.err == 0, "async: first caller done (%d)", r1.err);
	ok(r2.calls == 1 && r2.err == 0, "async: second caller done");
	is_str(r1.h.mount_point, pathf("%s/a", base), "async: mount point");
	is_str(r2.h.mount_point, r1.h.mount_point, "async: one mount for both");
	is_int(fk->attaches, 1, "async: one attach (in the worker)");
	is_int(fk->mounts, 1, "async: one mount (in the worker)");
	is_int(info_of(&mgr, a).got.refcount, 2, "async: count 2");
	is_int(uenv_acquire_async(&mgr, a, rec_cb, &r3), 0, "async: hit");
	is_int(r3.calls, 1, "async: a hit calls back at once");
	is_int(info_of(&mgr, a).got.refcount, 3, "async: count 3");
	uenv_release(&mgr, &r1.h);
	uenv_release(&mgr, &r2.h);
	is_int(uenv_release(&mgr, &r3.h), 0, "async: handles release normally");
	run_until_empty(&mgr, 20);
	is_int(fk->umounts, 1, "async: unmounted after the hold");

	is_int(uenv_acquire_async(&mgr, bad, rec_cb, &r4), 0, "async: a bad image starts");
	run_until_called(&r4);
	is_int(r4.err, -EMEDIUMTYPE, "async: the worker's error reaches the caller");
	ok(strstr(uenv_last_error(&mgr), "not a squashfs image") != NULL, "async: message: %s",
	   uenv_last_error(&mgr));
	is_int(uenv_count(&mgr), 0, "async: no entry left");
	struct stat st;
	ok(stat(pathf("%s/bad", base), &st) < 0, "async: mount point removed");
	is_int(uenv_acquire_async(&mgr, "rel.sqfs", rec_cb, &r4), -EINVAL,
	       "async: path errors are immediate");
	is_int(uenv_acquire_async(&mgr, pathf("%s/x.sqfs", tmp), rec_cb, &r4), -EACCES,
	       "async: outside the roots is immediate");
	is_int(r4.calls, 1, "async: and do not call back");

	/* a hung mount: the worker is killed at the timeout */
	fk->block = 1;
	mgr.cfg.mount_timeout_ms = 50;
	is_int(uenv_acquire_async(&mgr, b, rec_cb, &r5), 0, "async: a mount that hangs");
	run_until_called(&r5);
	is_int(r5.err, -ETIMEDOUT, "async: -ETIMEDOUT after mount_timeout_ms");
	ok(strstr(uenv_last_error(&mgr), "timed out") != NULL, "async: message: %s",
	   uenv_last_error(&mgr));
	is_int(uenv_acquire_async(&mgr, b, rec_cb, &r6), -EBUSY,
	       "async: refused while the killed worker is not reaped");
	run_until_empty(&mgr, 20);
	is_int(uenv_count(&mgr), 0, "async: the killed worker's slot is freed when reaped");
	is_int(fk->mounts, 1, "async: it never mounted");
	fk->block = 0;
	mgr.cfg.mount_timeout_ms = 30000;
	is_int(uenv_acquire_async(&mgr, b, rec_cb, &r6), 0, "async: retry");
	run_until_called(&r6);
	is_int(r6.err, 0, "async: mounted this time");
	emergency_flag = 1;
	is_int(uenv_force_unmount(&mgr, b), 0, "async: force unmount of an async mount");
	emergency_flag = 0;

	/* fini with a worker running: forgotten, nothing crashes */
	struct cbrec r7 = {0};
	is_int(uenv_acquire_async(&mgr, a, rec_cb, &r7), 0, "async: start, then fini");
	uenv_fini(&mgr);
	for (int i = 0; i < 5; i++)
		loop_run_once(20);
	is_int(r7.calls, 0, "async: a forgotten worker never calls back");
	init_mgr(&mgr, 10);
}

static void test_prepare_dirs(void)
{
	char run[600];
	snprintf(run, sizeof run, "%s/run/pact", tmp);
	is_int(uenv_prepare_dirs(run), 0, "prepare dirs");
	struct stat st;
	ok(stat(pathf("%s/run/pact/uenv", tmp), &st) == 0 &&
	       stat(pathf("%s/run/pact/workdir", tmp), &st) == 0 &&
	       stat(pathf("%s/run/pact/data", tmp), &st) == 0,
	   "uenv, workdir, data exist");
}

int main(void)
{
	snprintf(tmp, sizeof tmp, "/tmp/test-uenv-unit-%d", (int)getpid());
	snprintf(images, sizeof images, "%s/images", tmp);
	snprintf(base, sizeof base, "%s/base", tmp);
	mkdir(tmp, 0755);
	mkdir(images, 0755);
	mkdir(pathf("%s/sub", images), 0755);
	mkdir(pathf("%s/many", images), 0755);
	mkdir(pathf("%s2", images), 0755);
	write_img(pathf("%s/a.sqfs", images), "hsqs....");
	write_img(pathf("%s/b.sqfs", images), "hsqs....");
	write_img(pathf("%s/plain", images), "hsqs....");
	write_img(pathf("%s/sub/a.sqfs", images), "hsqs....");
	write_img(pathf("%s2/a.sqfs", images), "hsqs....");
	write_img(pathf("%s/outside.sqfs", tmp), "hsqs....");
	write_img(pathf("%s/bad.sqfs", images), "\x7f"
						"ELF....");
	write_img(pathf("%s/short.sqfs", images), "hs");
	if (symlink("a.sqfs", pathf("%s/link.sqfs", images)) < 0)
		perror("symlink");
	if (symlink("sub", pathf("%s/ldir", images)) < 0)
		perror("symlink");
	if (mkfifo(pathf("%s/fifo.sqfs", images), 0644) < 0)
		perror("mkfifo");

	fk = mmap(NULL, sizeof *fk, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fk == MAP_FAILED)
		return 1;
	ok(loop_init() == 0, "loop_init");
	init_mgr(&mgr, 10);
	test_config();
	test_refcounts();
	test_force();
	test_names();
	test_name_rules();
	test_validation();
	test_full();
	test_reconstruct();
	test_prepare_dirs();
	test_json();
	test_json_documented();
	test_async();
	uenv_fini(&mgr);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# cleanup of %s failed\n", tmp);
	return done_testing();
}
