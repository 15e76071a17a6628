/*
 * Host tier: the uenv manager on real loop devices and squashfs, as root,
 * inside a private mount namespace (nothing leaks onto the host). Images
 * are built at test time with images/mkuenv.sh (mksquashfs). Loop devices
 * are shared with other users: we only count those whose backing file is
 * under our own temp dir. Waits are bounded loop_run_once rounds.
 */
#include "hostutil.h"
#include "tap.h"
#include "uenv_find.h"
#include "lib/loop.h"
#include "os/uenv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[128], images[160], base[160], outside[160];
static struct uenv_mgr m1, m2;

/* images/mkuenv.sh from the repository root, or relative to this binary (build/<dir>/<x>/). */
static const char *find_mkuenv(void)
{
	static char path[600];
	if (access("images/mkuenv.sh", X_OK) == 0)
		return "images/mkuenv.sh";
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (int up = 0; up < 4; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			return NULL;
		*slash = '\0';
		snprintf(path, sizeof path, "%s/images/mkuenv.sh", exe);
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

static int make_image(const char *path, const char *name)
{
	const char *argv[] = {find_mkuenv(), path, name, NULL};
	return run(argv);
}

static int copy_file(const char *from, const char *to)
{
	const char *argv[] = {"cp", from, to, NULL};
	return run(argv);
}

/* Mounts whose mount point is path (exact) or, with under, below it. */
static int count_mounts(const char *path, int under, int *mount_id, char *opts, size_t optcap)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	char line[4096], mp[4096], o[1024];
	int n = 0, id, parent;
	size_t len = strlen(path);
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%d %d %*s %*s %4095s %1023s", &id, &parent, mp, o) != 4)
			continue;
		int match =
		    under ? strncmp(mp, path, len) == 0 && mp[len] == '/' : strcmp(mp, path) == 0;
		if (!match)
			continue;
		n++;
		if (mount_id)
			*mount_id = id;
		if (opts)
			snprintf(opts, optcap, "%s", o);
	}
	fclose(f);
	return n;
}

/* Loop devices whose backing file lies under dir. */
static int count_loops_under(const char *dir)
{
	DIR *d = opendir("/sys/block");
	if (!d)
		return -1;
	int n = 0;
	size_t len = strlen(dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		char b[1024];
		FILE *f = fopen(pf("/sys/block/%s/loop/backing_file", de->d_name), "re");
		if (!f)
			continue;
		if (fgets(b, sizeof b, f) && strncmp(b, dir, len) == 0 && b[len] == '/')
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* 1 when loop device major:minor is bound to image, 0 when unbound or bound to something else. */
static int loop_bound_to(unsigned major, unsigned minor, const char *image)
{
	char b[1024];
	if (loopdev_backing_file("/sys", major, minor, b, sizeof b) < 0)
		return 0;
	return strcmp(b, image) == 0;
}

static int loop_status_errno(const char *loopname)
{
	int fd = open(pf("/dev/%s", loopname), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	struct loop_info64 info;
	int r = ioctl(fd, LOOP_GET_STATUS64, &info) < 0 ? errno : 0;
	close(fd);
	return r;
}

/* Drive the loop until the table is empty; bounded (about 5 s). */
static int run_until_empty(struct uenv_mgr *m)
{
	for (int i = 0; i < 50 && uenv_count(m) > 0; i++)
		loop_run_once(100);
	return (int)uenv_count(m);
}

static void init_mgr(struct uenv_mgr *m)
{
	struct uenv_config cfg = {.roots = {images}, .base = base, .hold_ms = 20};
	if (uenv_init(m, &cfg) < 0)
		printf("# uenv_init failed\n");
}

static void test_cycle(void)
{
	char a[256];
	snprintf(a, sizeof a, "%s/a.sqfs", images);
	struct uenv_handle h1, h2, h3;
	is_int(uenv_acquire(&m1, a, &h1), 0, "acquire a: %s", uenv_last_error(&m1));
	is_int(uenv_acquire(&m1, a, &h2), 0, "acquire a again");
	int id1 = -1, id2 = -2;
	char opts[256] = "";
	is_int(count_mounts(h1.mount_point, 0, &id1, opts, sizeof opts), 1,
	       "one mount in mountinfo at %s", h1.mount_point);
	ok(strncmp(opts, "ro", 2) == 0 && strstr(opts, "nosuid") && strstr(opts, "nodev"),
	   "mounted ro,nosuid,nodev (%s)", opts);
	char buf[64] = "";
	FILE *f = fopen(pf("%s/env/name", h1.mount_point), "re");
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			buf[0] = '\0';
		fclose(f);
	}
	is_str(buf, "a\n", "the image's content is visible");
	struct find_ctx fi = info_of(&m1, a);
	is_int(fi.got.refcount, 2, "count 2");
	ok(loop_bound_to(fi.got.major, fi.got.minor, a), "%s bound to the image", fi.got.loopdev);
	is_int(count_loops_under(tmp), 1, "exactly one loop device for it");
	is_int(uenv_release(&m1, &h2), 0, "release");
	is_int(info_of(&m1, a).got.refcount, 1, "count 1");
	is_int(uenv_release(&m1, &h1), 0, "release");
	fi = info_of(&m1, a);
	ok(fi.found && fi.got.refcount == 0 && fi.got.hold_left_ms >= 0,
	   "count 0 and the hold timer armed");
	is_int(count_mounts(h1.mount_point, 0, NULL, NULL, 0), 1, "still mounted during the hold");

	is_int(uenv_acquire(&m1, a, &h3), 0, "re-acquire inside the hold");
	struct find_ctx fi2 = info_of(&m1, a);
	ok(fi2.got.major == fi.got.major && fi2.got.minor == fi.got.minor,
	   "same loop device (%u:%u)", fi2.got.major, fi2.got.minor);
	is_int(count_mounts(h3.mount_point, 0, &id2, NULL, 0), 1, "no new mount");
	is_int(id2, id1, "same mount (mount id %d)", id1);
	is_int(fi2.got.hold_left_ms, -1, "hold timer cancelled");
	is_int(uenv_release(&m1, &h3), 0, "release");

	is_int(run_until_empty(&m1), 0, "hold time over: entry gone");
	is_int(count_mounts(h1.mount_point, 0, NULL, NULL, 0), 0, "unmounted");
	struct stat st;
	ok(stat(h1.mount_point, &st) < 0 && errno == ENOENT, "mount point removed");
	ok(!loop_bound_to(fi.got.major, fi.got.minor, a), "loop device freed (no backing file)");
	int e = loop_status_errno(fi.got.loopdev);
	ok(e == ENXIO || e == ENOENT || !loop_bound_to(fi.got.major, fi.got.minor, a),
	   "LOOP_GET_STATUS64 on %s: %s", fi.got.loopdev, strerror(e));
	is_int(count_loops_under(tmp), 0, "no loop device left");

	/* below zero */
	is_int(uenv_acquire(&m1, a, &h1), 0, "acquire for the below-zero check");
	is_int(uenv_release(&m1, &h1), 0, "release to zero");
	is_int(uenv_release(&m1, &h1), -ERANGE, "release below zero refused, no crash");
	fi = info_of(&m1, a);
	ok(fi.found && fi.got.refcount == 0 && fi.got.hold_left_ms >= 0, "state unchanged");
	is_int(run_until_empty(&m1), 0, "expired");
}

static void test_force(void)
{
	char b[256];
	snprintf(b, sizeof b, "%s/b.sqfs", images);
	struct uenv_handle h;
	is_int(uenv_acquire(&m1, b, &h), 0, "acquire b");
	struct find_ctx fi = info_of(&m1, b);
	is_int(uenv_force_unmount(&m1, b), -EPERM, "force refused outside an emergency");
	is_int(count_mounts(h.mount_point, 0, NULL, NULL, 0), 1, "still mounted");
	uenv_set_emergency(&m1, 1);
	is_int(uenv_force_unmount(&m1, b), 0, "force inside an emergency");
	uenv_set_emergency(&m1, 0);
	is_int(count_mounts(h.mount_point, 0, NULL, NULL, 0), 0, "unmounted at once");
	is_int(uenv_count(&m1), 0, "entry removed");
	ok(!loop_bound_to(fi.got.major, fi.got.minor, b), "loop device freed");
	is_int(uenv_release(&m1, &h), -ESTALE, "the holder's late release is refused (stale)");
	ok(strstr(uenv_last_error(&m1), "emergency") != NULL,
	   "and said to follow the emergency: %s", uenv_last_error(&m1));
}

static void test_bad_inputs(void)
{
	struct {
		const char *path;
		int err;
		const char *what;
	} cases[] = {
	    {pf("%s/bad.sqfs", images), -EMEDIUMTYPE, "not squashfs"},
	    {pf("%s/link.sqfs", images), -ELOOP, "a symlink"},
	    {pf("%s/ldir/a.sqfs", images), -ELOOP, "a symlink in a parent"},
	    {pf("%s/../images/a.sqfs", images), -EXDEV, "a .. component"},
	    {pf("%s/a.sqfs", outside), -EACCES, "outside the image root"},
	    {pf("%s/missing.sqfs", images), -ENOENT, "missing file"},
	    {pf("%s/sub", images), -EISDIR, "a directory"},
	};
	int errs[16], n = (int)(sizeof cases / sizeof cases[0]);
	struct uenv_handle h;
	for (int i = 0; i < n; i++) {
		errs[i] = uenv_acquire(&m1, cases[i].path, &h);
		is_int(errs[i], cases[i].err, "%s: %s", cases[i].what, uenv_last_error(&m1));
		ok(strstr(uenv_last_error(&m1), cases[i].path) != NULL, "message names the path");
	}
	int distinct = 1;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (errs[i] == errs[j] && strcmp(cases[i].what, "a symlink") != 0 &&
			    strcmp(cases[j].what, "a symlink in a parent") != 0)
				distinct = 0;
	ok(distinct, "each kind of bad input has its own error");
	is_int(count_loops_under(tmp), 0, "no loop device left behind");
	is_int(count_mounts(base, 1, NULL, NULL, 0), 0, "no mount left behind");
	is_int(uenv_count(&m1), 0, "no entry");
}

static void test_same_basename(void)
{
	struct uenv_handle h1, h2;
	is_int(uenv_acquire(&m1, pf("%s/a.sqfs", images), &h1), 0, "a.sqfs");
	is_int(uenv_acquire(&m1, pf("%s/sub/a.sqfs", images), &h2), 0, "sub/a.sqfs");
	ok(strcmp(h1.mount_point, h2.mount_point) != 0, "different mount points: %s",
	   h2.mount_point);
	is_int(count_mounts(base, 1, NULL, NULL, 0), 2, "two mounts");
	uenv_release(&m1, &h1);
	uenv_release(&m1, &h2);
	is_int(run_until_empty(&m1), 0, "both expired");
}

static void test_reconstruct(void)
{
	char a[256], b[256], c[256];
	snprintf(a, sizeof a, "%s/a.sqfs", images);
	snprintf(b, sizeof b, "%s/b.sqfs", images);
	snprintf(c, sizeof c, "%s/c.sqfs", images);
	struct uenv_handle h;
	uenv_acquire(&m1, a, &h);
	uenv_acquire(&m1, a, &h);
	uenv_acquire(&m1, b, &h);
	is_int(uenv_acquire(&m1, c, &h), 0, "a x2, b, c mounted");
	uenv_release(&m1, &h); /* c: count 0, in its hold */
	struct find_ctx before[3] = {info_of(&m1, a), info_of(&m1, b), info_of(&m1, c)};
	int ids[3];
	char loops[3][16];
	for (int i = 0; i < 3; i++) {
		count_mounts(before[i].got.mount_point, 0, &ids[i], NULL, 0);
		snprintf(loops[i], sizeof loops[i], "%s", before[i].got.loopdev);
	}
	uenv_fini(&m1); /* "restart": the table is gone, the mounts stay */
	is_int(count_mounts(base, 1, NULL, NULL, 0), 3, "three mounts left in the kernel table");

	init_mgr(&m2);
	const char *active[] = {a, b, a};
	is_int(uenv_reconstruct(&m2, active, 3), 3, "reconstruct adopts three mounts");
	const char *imgs[3] = {a, b, c};
	unsigned want[3] = {2, 1, 0};
	for (int i = 0; i < 3; i++) {
		struct find_ctx fi = info_of(&m2, imgs[i]);
		ok(fi.found && fi.got.refcount == want[i], "%s: count %u restored",
		   imgs[i] + strlen(images) + 1, want[i]);
		ok(fi.got.major == before[i].got.major && fi.got.minor == before[i].got.minor &&
		       strcmp(fi.got.loopdev, loops[i]) == 0,
		   "same loop device %s", fi.got.loopdev);
		int id = -1;
		count_mounts(fi.got.mount_point, 0, &id, NULL, 0);
		is_int(id, ids[i], "mount not disturbed (same mount id)");
		is_int(fi.got.hold_left_ms >= 0, want[i] == 0, "hold timer only for the orphan");
	}
	for (int i = 0; i < 3; i++) {
		struct uenv_handle hh;
		uenv_lookup(&m2, imgs[i], &hh);
		for (unsigned k = 0; k < want[i]; k++)
			uenv_release(&m2, &hh);
	}
	is_int(run_until_empty(&m2), 0, "all expire after the restart");
	is_int(count_mounts(base, 1, NULL, NULL, 0), 0, "nothing mounted");
	is_int(count_loops_under(tmp), 0, "no loop device left");
	uenv_fini(&m2);
}

static void test_burst(void)
{
	static struct uenv_handle hs[64];
	int made = 0, got = 0;
	for (int i = 0; i < 64; i++)
		made +=
		    copy_file(pf("%s/a.sqfs", images), pf("%s/burst/img%02d.sqfs", images, i)) == 0;
	is_int(made, 64, "64 images");
	for (int i = 0; i < 64; i++)
		got += uenv_acquire(&m1, pf("%s/burst/img%02d.sqfs", images, i), &hs[i]) == 0;
	is_int(got, 64, "64 acquired");
	is_int(count_mounts(base, 1, NULL, NULL, 0), 64, "64 mounts");
	is_int(count_loops_under(tmp), 64, "64 loop devices");
	int rel = 0;
	for (int i = 0; i < 64; i++)
		rel += uenv_release(&m1, &hs[i]) == 0;
	is_int(rel, 64, "64 released");
	is_int(run_until_empty(&m1), 0, "all expired");
	is_int(count_mounts(base, 1, NULL, NULL, 0), 0, "no mount left");
	is_int(count_loops_under(tmp), 0, "no leaked loop device");
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

static void test_async(void)
{
	char a[256], bad[256];
	snprintf(a, sizeof a, "%s/a.sqfs", images);
	snprintf(bad, sizeof bad, "%s/bad.sqfs", images);
	struct cbrec r1 = {0}, r2 = {0}, r3 = {0};
	is_int(uenv_acquire_async(&m1, a, rec_cb, &r1), 0, "async acquire (worker) started");
	is_int(uenv_acquire_async(&m1, a, rec_cb, &r2), 0, "a second caller waits");
	for (int i = 0; i < 50 && (r1.calls == 0 || r2.calls == 0); i++)
		loop_run_once(100);
	ok(r1.calls == 1 && r1.err == 0 && r2.calls == 1 && r2.err == 0,
	   "both called back with success (%d, %d)", r1.err, r2.err);
	is_int(count_mounts(r1.h.mount_point, 0, NULL, NULL, 0), 1,
	       "the worker's mount is in our namespace, once");
	is_int(count_loops_under(tmp), 1, "one loop device");
	struct find_ctx fi = info_of(&m1, a);
	ok(fi.found && fi.got.refcount == 2 && loop_bound_to(fi.got.major, fi.got.minor, a),
	   "count 2, loop device %s recorded", fi.found ? fi.got.loopdev : "?");
	uenv_release(&m1, &r1.h);
	uenv_release(&m1, &r2.h);
	is_int(run_until_empty(&m1), 0, "expired");
	is_int(count_mounts(base, 1, NULL, NULL, 0), 0, "unmounted");
	is_int(count_loops_under(tmp), 0, "loop device freed");
	is_int(uenv_acquire_async(&m1, bad, rec_cb, &r3), 0, "async acquire of a bad image");
	for (int i = 0; i < 50 && r3.calls == 0; i++)
		loop_run_once(100);
	is_int(r3.err, -EMEDIUMTYPE, "its error comes back: %s", uenv_last_error(&m1));
	is_int(count_loops_under(tmp) + count_mounts(base, 1, NULL, NULL, 0), 0,
	       "nothing left behind");
}

/* A squashfs image whose root holds only the symlink `name -> target`. */
static int make_link_image(const char *path, const char *name, const char *target)
{
	char src[300];
	snprintf(src, sizeof src, "%s/linksrc", tmp);
	const char *rm[] = {"rm", "-rf", src, NULL}, *md[] = {"mkdir", "-p", src, NULL};
	if (run(rm) || run(md) || symlink(target, pf("%s/%s", src, name)) < 0)
		return -1;
	const char *mk[] = {"mksquashfs", src,	       path,	     "-quiet", "-no-progress",
			    "-noappend",  "-all-root", "-no-xattrs", NULL};
	return run(mk);
}

/* 1 when path is itself a mount point of the test's namespace. */
static int is_mount_point(const char *path)
{
	return count_mounts(path, 0, NULL, NULL, 0) > 0;
}

/* The parent directory of a mount point path, as a string. */
static const char *parent_of(const char *p)
{
	static char buf[UENV_MOUNT_MAX];
	snprintf(buf, sizeof buf, "%s", p);
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return buf;
}

/* A manager on a base of its own, <tmp>/r<n>/uenv, for one case. */
static const char *fresh_base(struct uenv_mgr *m, int n)
{
	static char b[200];
	snprintf(b, sizeof b, "%s/r%d/uenv", tmp, n);
	const char *md[] = {"mkdir", "-p", b, NULL};
	run(md);
	struct uenv_config cfg = {.roots = {images}, .base = b, .hold_ms = 20};
	uenv_init(m, &cfg);
	return b;
}

/* Every mount of m: released, force-unmounted, forgotten. */
static void drop_all(struct uenv_mgr *m)
{
	struct uenv_handle h;
	uenv_set_emergency(m, 1);
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		if (m->e[i].used && uenv_lookup(m, m->e[i].image, &h) == 0)
			uenv_force_unmount(m, h.image_path);
	uenv_set_emergency(m, 0);
	uenv_fini(m);
}

/*
 * Image names that would lead a mount outside the base (the review's
 * findings: `..sqfs` over the base itself, `...sqfs` over its parent, and a
 * symlink planted by that image redirecting the next mount), and what may
 * be found under the base: a symlink, a non-empty leftover directory, a
 * mount. Each case on a base of its own.
 */
static void test_escapes(void)
{
	struct uenv_mgr *m = &m2;
	struct uenv_handle h, h2;
	struct stat st;
	char victim[200];
	snprintf(victim, sizeof victim, "%s/victim", tmp);
	mkdir(victim, 0755);
	mkdir(pf("%s/etc", victim), 0755);
	is_int(make_image(pf("%s/..sqfs", images), "dotdot"), 0, "an image named ..sqfs");
	is_int(make_link_image(pf("%s/...sqfs", images), "uenv", victim), 0,
	       "an image named ...sqfs holding the symlink uenv -> %s", victim);
	is_int(make_image(pf("%s/etc.sqfs", images), "etc"), 0, "an image named etc.sqfs");
	is_int(make_image(pf("%s/d.sqfs", images), "d"), 0, "an image named d.sqfs");

	/* "..": over the base itself */
	const char *b = fresh_base(m, 1);
	is_int(uenv_acquire(m, pf("%s/..sqfs", images), &h), 0, "..sqfs mounts: %s",
	       uenv_last_error(m));
	is_str(parent_of(h.mount_point), b, "..sqfs: its mount point is inside the base (%s)",
	       h.mount_point);
	ok(strncmp(h.mount_point + strlen(b), "/uenv-", 6) == 0, "..sqfs: under a hashed name");
	ok(!is_mount_point(b), "..sqfs: the base itself is not covered");
	drop_all(m);

	/* "...": over the base's parent, whose tree then holds uenv -> victim;
	 * the next image, etc.sqfs, must land in the base, not in victim/etc */
	b = fresh_base(m, 2);
	is_int(uenv_acquire(m, pf("%s/...sqfs", images), &h), 0, "...sqfs mounts: %s",
	       uenv_last_error(m));
	is_str(parent_of(h.mount_point), b, "...sqfs: its mount point is inside the base (%s)",
	       h.mount_point);
	ok(!is_mount_point(pf("%s/r2", tmp)), "...sqfs: the base's parent is not covered");
	ok(lstat(b, &st) == 0 && S_ISDIR(st.st_mode), "the base is still a directory");
	is_int(uenv_acquire(m, pf("%s/etc.sqfs", images), &h2), 0, "then etc.sqfs mounts: %s",
	       uenv_last_error(m));
	is_str(h2.mount_point, pf("%s/etc", b), "etc.sqfs: at <base>/etc");
	ok(!is_mount_point(pf("%s/etc", victim)),
	   "the symlink chain reached nothing outside (%s/etc is no mount point)", victim);
	drop_all(m);

	/* a symlink planted under the base: not followed, another name is taken */
	b = fresh_base(m, 3);
	ok(symlink(pf("%s/etc", victim), pf("%s/etc", b)) == 0, "a symlink <base>/etc -> %s/etc",
	   victim);
	is_int(uenv_acquire(m, pf("%s/etc.sqfs", images), &h), 0, "etc.sqfs mounts: %s",
	       uenv_last_error(m));
	ok(strncmp(h.mount_point, pf("%s/etc-", b), strlen(b) + 5) == 0,
	   "beside the symlink, under <base>/etc-<hash> (%s)", h.mount_point);
	ok(!is_mount_point(pf("%s/etc", victim)) && lstat(pf("%s/etc", b), &st) == 0 &&
	       S_ISLNK(st.st_mode),
	   "the symlink's target is not covered and the symlink is left alone");
	drop_all(m);

	/* a leftover directory with something in it is not covered */
	b = fresh_base(m, 4);
	mkdir(pf("%s/d", b), 0755);
	FILE *f = fopen(pf("%s/d/keep", b), "we");
	if (f)
		fclose(f);
	is_int(uenv_acquire(m, pf("%s/d.sqfs", images), &h), 0, "d.sqfs mounts: %s",
	       uenv_last_error(m));
	ok(strcmp(h.mount_point, pf("%s/d", b)) != 0, "not over the non-empty <base>/d (%s)",
	   h.mount_point);
	ok(access(pf("%s/d/keep", b), F_OK) == 0 && !is_mount_point(pf("%s/d", b)),
	   "the leftover's file is still visible");
	drop_all(m);

	/* an empty leftover directory is reused */
	b = fresh_base(m, 5);
	mkdir(pf("%s/d", b), 0755);
	is_int(uenv_acquire(m, pf("%s/d.sqfs", images), &h), 0, "d.sqfs mounts");
	is_str(h.mount_point, pf("%s/d", b), "over the empty leftover <base>/d");
	drop_all(m);

	/* something else mounted there: not covered */
	b = fresh_base(m, 6);
	mkdir(pf("%s/d", b), 0755);
	ok(mount("tmpfs", pf("%s/d", b), "tmpfs", 0, "size=64k") == 0, "a tmpfs on <base>/d");
	is_int(uenv_acquire(m, pf("%s/d.sqfs", images), &h), 0, "d.sqfs mounts: %s",
	       uenv_last_error(m));
	ok(strcmp(h.mount_point, pf("%s/d", b)) != 0 &&
	       count_mounts(pf("%s/d", b), 0, NULL, NULL, 0) == 1,
	   "beside the other mount (%s)", h.mount_point);
	umount2(pf("%s/d", b), MNT_DETACH);
	drop_all(m);

	/* a base that is a symlink is refused */
	ok(symlink(victim, pf("%s/baselink", tmp)) == 0, "a symlink for a base");
	struct uenv_config cfg = {.roots = {images}, .base = pf("%s/baselink", tmp), .hold_ms = 20};
	uenv_init(m, &cfg);
	ok(uenv_acquire(m, pf("%s/d.sqfs", images), &h) < 0 &&
	       strstr(uenv_last_error(m), "uenv base") != NULL,
	   "a base that is a symlink is refused: %s", uenv_last_error(m));
	drop_all(m);
	is_int(count_mounts(tmp, 1, NULL, NULL, 0), 0, "nothing left mounted under %s", tmp);
	is_int(count_loops_under(tmp), 0, "no loop device left");
}

static pid_t main_pid;

/* The real mount, then the worker dies before it can report. */
static int mount_then_die(void *ctx, const struct loopdev *lo, int target_fd, const char *target)
{
	int r = uenv_sys_real.mount(ctx, lo, target_fd, target);
	if (getpid() != main_pid)
		raise(SIGKILL);
	return r;
}

static void test_async_worker_dies(void)
{
	struct uenv_sys sys = uenv_sys_real;
	sys.mount = mount_then_die;
	struct uenv_config cfg = {.roots = {images}, .base = base, .hold_ms = 20, .sys = &sys};
	is_int(uenv_init(&m2, &cfg), 0, "a manager whose worker dies after mounting");
	char c[256];
	snprintf(c, sizeof c, "%s/c.sqfs", images);
	struct cbrec r = {0};
	is_int(uenv_acquire_async(&m2, c, rec_cb, &r), 0, "async acquire");
	for (int i = 0; i < 50 && r.calls == 0; i++)
		loop_run_once(100);
	is_int(r.err, 0, "the mount found in place is taken as success");
	struct find_ctx fi = info_of(&m2, c);
	ok(fi.found && fi.got.refcount == 1 && loop_bound_to(fi.got.major, fi.got.minor, c),
	   "adopted with its loop device (%s) from the mount point's st_dev",
	   fi.found ? fi.got.loopdev : "?");
	is_int(count_mounts(r.h.mount_point, 0, NULL, NULL, 0), 1, "mounted once");
	uenv_release(&m2, &r.h);
	is_int(run_until_empty(&m2), 0, "expired");
	is_int(count_loops_under(tmp) + count_mounts(base, 1, NULL, NULL, 0), 0,
	       "loop device and mount gone");
	uenv_fini(&m2);
}

/* In the worker: every fd it holds, as /proc shows it, into fdlist. */
static char fdlist[300];

static int mount_listing_fds(void *ctx, const struct loopdev *lo, int target_fd, const char *target)
{
	if (getpid() != main_pid) {
		FILE *f = fopen(fdlist, "we");
		DIR *dir = opendir("/proc/self/fd");
		for (struct dirent *e; f && dir && (e = readdir(dir));) {
			char link[300];
			ssize_t n =
			    readlink(pf("/proc/self/fd/%s", e->d_name), link, sizeof link - 1);
			if (n > 0)
				fprintf(f, "%s -> %.*s\n", e->d_name, (int)n, link);
		}
		if (dir)
			closedir(dir);
		if (f)
			fclose(f);
	}
	return uenv_sys_real.mount(ctx, lo, target_fd, target);
}

/* The mount worker holds none of the fds of the process that forked it
 * (PID 1's sockets and files), only what it needs. */
static void test_async_worker_fds(void)
{
	struct uenv_sys sys = uenv_sys_real;
	sys.mount = mount_listing_fds;
	struct uenv_config cfg = {.roots = {images}, .base = base, .hold_ms = 20, .sys = &sys};
	is_int(uenv_init(&m2, &cfg), 0, "a manager whose worker lists its fds");
	snprintf(fdlist, sizeof fdlist, "%s/worker-fds", tmp);
	int markers[8];
	for (int i = 0; i < 8; i++)
		markers[i] = memfd_create("pact-marker", MFD_CLOEXEC);
	struct cbrec r = {0};
	is_int(uenv_acquire_async(&m2, pf("%s/b.sqfs", images), rec_cb, &r), 0, "async acquire");
	for (int i = 0; i < 50 && r.calls == 0; i++)
		loop_run_once(100);
	is_int(r.err, 0, "mounted");
	char list[4096] = "";
	FILE *f = fopen(fdlist, "re");
	size_t n = f ? fread(list, 1, sizeof list - 1, f) : 0;
	list[n] = '\0';
	if (f)
		fclose(f);
	ok(n > 0, "the worker listed its fds");
	ok(strstr(list, "pact-marker") == NULL, "none of the parent's fds is among them");
	for (char *save, *l = strtok_r(list, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		printf("# worker fd %s\n", l);
	for (int i = 0; i < 8; i++)
		close(markers[i]);
	uenv_release(&m2, &r.h);
	is_int(run_until_empty(&m2), 0, "expired");
	uenv_fini(&m2);
}

static int setup(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP not root\n");
		return 1;
	}
	if (access("/dev/loop-control", R_OK | W_OK) < 0) {
		printf("1..0 # SKIP no /dev/loop-control\n");
		return 1;
	}
	if (!find_mkuenv() || system("command -v mksquashfs >/dev/null")) {
		printf("1..0 # SKIP images/mkuenv.sh or mksquashfs (squashfs-tools) not found\n");
		return 1;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		printf("1..0 # SKIP private mount namespace: %s\n", strerror(errno));
		return 1;
	}
	snprintf(tmp, sizeof tmp, "/tmp/pact-uenv-host-%d", (int)getpid());
	snprintf(images, sizeof images, "%s/images", tmp);
	snprintf(base, sizeof base, "%s/run/uenv", tmp);
	snprintf(outside, sizeof outside, "%s/outside", tmp);
	if (mkdir(tmp, 0700) < 0 || mkdir(images, 0755) < 0 || mkdir(outside, 0755) < 0 ||
	    mkdir(pf("%s/sub", images), 0755) < 0 || mkdir(pf("%s/burst", images), 0755) < 0) {
		printf("1..0 # SKIP temp dir: %s\n", strerror(errno));
		return 1;
	}
	if (make_image(pf("%s/a.sqfs", images), "a") || make_image(pf("%s/b.sqfs", images), "b") ||
	    make_image(pf("%s/c.sqfs", images), "c") ||
	    make_image(pf("%s/sub/a.sqfs", images), "sub-a") ||
	    make_image(pf("%s/a.sqfs", outside), "out")) {
		printf("1..0 # SKIP mkuenv.sh failed\n");
		return 1;
	}
	FILE *f = fopen(pf("%s/bad.sqfs", images), "we");
	if (f) {
		fputs("not a squashfs image\n", f);
		fclose(f);
	}
	if (symlink("a.sqfs", pf("%s/link.sqfs", images)) < 0 ||
	    symlink("sub", pf("%s/ldir", images)) < 0)
		printf("# symlink: %s\n", strerror(errno));
	return 0;
}

int main(void)
{
	main_pid = getpid();
	if (setup())
		return 0;
	ok(loop_init() == 0, "loop_init");
	init_mgr(&m1);
	test_cycle();
	test_force();
	test_bad_inputs();
	test_same_basename();
	test_escapes();
	test_async();
	test_async_worker_dies();
	test_async_worker_fds();
	test_reconstruct();
	init_mgr(&m1);
	test_burst();
	/* cleanup: anything left is force-unmounted; the namespace dies with us anyway */
	uenv_set_emergency(&m1, 1);
	struct uenv_handle h;
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		if (m1.e[i].used && uenv_lookup(&m1, m1.e[i].image, &h) == 0)
			uenv_force_unmount(&m1, h.image_path);
	uenv_fini(&m1);
	const char *rm[] = {"rm", "-rf", tmp, NULL};
	if (run(rm) != 0)
		printf("# cleanup of %s failed\n", tmp);
	return done_testing();
}
