/*
 * Fuzz the uenv manager's mount-table reader: the input is a
 * /proc/self/mountinfo; a fake sysfs maps 7:0..7:3 to image paths, so
 * lines naming those devices reach adoption, the octal unescaping and the
 * refcount restore. No syscall touches a real mount (fake ops).
 */
#include "lib/loop.h"
#include "os/uenv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int f_attach(void *c, const char *d, int fd, const char *i, struct loopdev *lo)
{
	(void)c, (void)d, (void)fd, (void)i, (void)lo;
	return -ENODEV;
}
static int f_mount(void *c, const struct loopdev *lo, int fd, const char *t)
{
	(void)c, (void)lo, (void)fd, (void)t;
	return -ENODEV;
}
static void f_lo(void *c, struct loopdev *lo)
{
	(void)c, (void)lo;
}
static int f_umount(void *c, const char *t)
{
	(void)c, (void)t;
	return 0;
}
static const struct uenv_sys fake = {f_attach, f_mount, f_lo, f_lo, f_umount};

static struct uenv_mgr mgr;
static char sysdir[128], mi[64];
static int memfd = -1;

static void setup(void)
{
	char tmp[] = "/tmp/fuzz-uenv-XXXXXX";
	if (!mkdtemp(tmp))
		abort();
	snprintf(sysdir, sizeof sysdir, "%s/sys", tmp);
	static const char *img[] = {"/images/a.sqfs", "/images/b.sqfs (deleted)",
				    "/images/sub/a.sqfs", "relative"};
	for (int i = 0; i < 4; i++) {
		char p[256];
		snprintf(p, sizeof p, "mkdir -p %s/dev/block/7:%d/loop", sysdir, i);
		if (system(p) != 0)
			abort();
		snprintf(p, sizeof p, "%s/dev/block/7:%d/loop/backing_file", sysdir, i);
		FILE *f = fopen(p, "w");
		if (!f)
			abort();
		fprintf(f, "%s\n", img[i]);
		fclose(f);
	}
	memfd = memfd_create("mountinfo", MFD_CLOEXEC);
	snprintf(mi, sizeof mi, "/proc/self/fd/%d", memfd);
	loop_init();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memfd < 0)
		setup();
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		return 0;
	struct uenv_config cfg = {
	    .roots = {"/images"},
	    .base = "/run/pact/uenv",
	    .sys = &fake,
	    .sys_dir = sysdir,
	    .mountinfo = mi,
	};
	if (uenv_init(&mgr, &cfg) < 0)
		abort();
	const char *active[] = {"/images/a.sqfs", "/images//a.sqfs", "/images/b.sqfs", "x"};
	int n = uenv_reconstruct(&mgr, active, 4);
	if (n > 0 && (size_t)n != uenv_count(&mgr))
		abort(); /* every adopted mount is in the table */
	struct uenv_handle h;
	if (uenv_lookup(&mgr, "/images/a.sqfs", &h) == 0) {
		while (uenv_release(&mgr, &h) == 0)
			;
	}
	uenv_fini(&mgr);
	return 0;
}
