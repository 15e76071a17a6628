/*
 * Bench: the uenv manager against util-linux, in the same run, on the same
 * image (made here with images/mkuenv.sh, or mksquashfs directly).
 *   uenv_first_mount_speedup: `mount -t squashfs -o loop,ro IMG DIR` (fork +
 *     exec, what an admin or a script pays) vs our first acquire (validate +
 *     LOOP_CONFIGURE + mount), alternating rounds, unmounted in between.
 *   uenv_first_mount_async_speedup: the same with acquire_async (worker child).
 *   uenv_hit_pair_us: acquire + release while the mount is held by another
 *     reference (the common case: a second allocation on a cached image).
 *   uenv_hit_pair_cold_us: the same from count 0 (cancel + re-arm the hold timer).
 *   uenv_unmount_us: the hold timer's expiry (umount2 MNT_DETACH + rmdir +
 *     loop autoclear) dispatched from the event loop, vs the same umount2 +
 *     rmdir inline on a util-linux mount (floor).
 * Each timed step starts after a 5 ms settle so that asynchronous kernel
 * work left by the other side (loop teardown, process exit) is not billed.
 * Runs in a private mount namespace as root; cleans up. Prints JSON lines.
 */
#include "bench.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "os/uenv.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 25
#define PAIRS  200000
#define BATCH  1000

static struct uenv_mgr mgr;
static char tmp[128], images[160], base[160], img[200], dir_ul[200];

static int run(const char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st = -1;
	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

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

static int make_image(void)
{
	const char *script[] = {find_mkuenv(), img, "bench", NULL};
	if (script[0])
		return run(script);
	char src[200];
	snprintf(src, sizeof src, "%s/src", tmp);
	if (mkdir(src, 0755) < 0)
		return -1;
	char f[240];
	snprintf(f, sizeof f, "%s/hello", src);
	if (write_file_atomic(f, "hello\n", 6, 0644) < 0)
		return -1;
	const char *argv[] = {"mksquashfs", src, img, "-quiet", "-noappend", "-no-progress", NULL};
	return run(argv);
}

static void cleanup(void)
{
	uenv_set_emergency(&mgr, 1);
	struct uenv_handle h;
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		if (mgr.e[i].used && uenv_lookup(&mgr, mgr.e[i].image, &h) == 0)
			uenv_force_unmount(&mgr, h.image_path);
	uenv_fini(&mgr);
	umount2(dir_ul, MNT_DETACH);
	umount2(tmp, MNT_DETACH);
	rmdir(tmp);
}

/*
 * Let the kernel finish what the previous step left behind (loop teardown,
 * the exited mount(8) process) so neither side pays for the other.
 */
static void settle(void)
{
	struct timespec ts = {0, 5000000};
	nanosleep(&ts, NULL);
}

/* Wait until the entry's hold deadline has passed without dispatching it. */
static void wait_past_deadline(void)
{
	uint64_t deadline = 0;
	for (int i = 0; i < UENV_MAX_ENTRIES; i++)
		if (mgr.e[i].used && timer_armed(&mgr.e[i].hold))
			deadline = mgr.e[i].hold.deadline_ms;
	while (now_ms() <= deadline) {
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
}

static int async_done;

static void async_cb(void *ctx, int err, const struct uenv_handle *h)
{
	async_done = err == 0 ? 1 : -1;
	if (h)
		*(struct uenv_handle *)ctx = *h;
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "uenv bench: needs root\n");
		return 1;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "uenv bench: private mount namespace: %s\n", strerror(errno));
		return 1;
	}
	snprintf(tmp, sizeof tmp, "/tmp/pact-uenv-bench-%d", (int)getpid());
	snprintf(images, sizeof images, "%s/images", tmp);
	snprintf(base, sizeof base, "%s/uenv", tmp);
	snprintf(img, sizeof img, "%s/bench.sqfs", images);
	snprintf(dir_ul, sizeof dir_ul, "%s/ul", tmp);
	/* a tmpfs, like /run in production, for the image and both mount points */
	if (mkdir(tmp, 0700) < 0 || mount("tmpfs", tmp, "tmpfs", 0, "mode=0700") < 0 ||
	    mkdir(images, 0755) < 0 || mkdir(dir_ul, 0755) < 0 || make_image() != 0) {
		fprintf(stderr, "uenv bench: cannot make the image in %s\n", tmp);
		cleanup();
		return 1;
	}
	/* the manager's log lines go to fd 2: keep them off the terminal, still written */
	int saved_err = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, 2);
	if (loop_init() < 0)
		return 1;
	struct uenv_config cfg = {.roots = {images}, .base = base, .hold_ms = 1};
	uenv_init(&mgr, &cfg);

	static uint64_t t_ours[ROUNDS], t_ul[ROUNDS], t_exp[ROUNDS], t_umfloor[ROUNDS];
	const char *mnt[] = {"mount", "-t", "squashfs", "-o", "loop,ro", img, dir_ul, NULL};
	struct uenv_handle h;
	int fails = 0;
	for (int i = -2; i < ROUNDS; i++) { /* two warm-up rounds */
		settle();
		uint64_t t0 = now_ns();
		int r = uenv_acquire(&mgr, img, &h);
		uint64_t t1 = now_ns();
		fails += r < 0;
		uenv_release(&mgr, &h);
		wait_past_deadline();
		uint64_t t2 = now_ns();
		loop_run_once(0); /* fires the expired hold timer */
		uint64_t t3 = now_ns();
		fails += uenv_count(&mgr) != 0;

		settle();
		uint64_t t4 = now_ns();
		r = run(mnt);
		uint64_t t5 = now_ns();
		fails += r != 0;
		uint64_t t6 = now_ns();
		r = umount2(dir_ul, MNT_DETACH);
		rmdir(dir_ul);
		uint64_t t7 = now_ns();
		mkdir(dir_ul, 0755);
		if (i >= 0) {
			t_ours[i] = t1 - t0;
			t_exp[i] = t3 - t2;
			t_ul[i] = t5 - t4;
			t_umfloor[i] = t7 - t6;
		}
	}

	/* the first mount through a worker child (acquire_async), until the callback */
	static uint64_t t_async[ROUNDS];
	for (int i = -2; i < ROUNDS; i++) {
		settle();
		async_done = 0;
		uint64_t t0 = now_ns();
		fails += uenv_acquire_async(&mgr, img, async_cb, &h) != 0;
		for (int k = 0; k < 100 && !async_done; k++)
			loop_run_once(50);
		uint64_t t1 = now_ns();
		fails += async_done != 1;
		uenv_release(&mgr, &h);
		wait_past_deadline();
		loop_run_once(0);
		fails += uenv_count(&mgr) != 0;
		if (i >= 0)
			t_async[i] = t1 - t0;
	}

	/* hit path, held by a base reference (1 -> 2 -> 1) */
	static uint64_t t_hit[PAIRS / BATCH], t_cold[PAIRS / BATCH];
	struct uenv_handle base_ref, hh;
	mgr.cfg.hold_ms = 60000;
	fails += uenv_acquire(&mgr, img, &base_ref) < 0;
	for (int b = 0; b < PAIRS / BATCH; b++) {
		uint64_t t0 = now_ns();
		for (int k = 0; k < BATCH; k++) {
			fails += uenv_acquire(&mgr, img, &hh) != 0;
			fails += uenv_release(&mgr, &hh) != 0;
		}
		t_hit[b] = now_ns() - t0;
	}
	/* from count 0 in its hold: cancel, then re-arm, the timer */
	uenv_release(&mgr, &base_ref);
	for (int b = 0; b < PAIRS / BATCH / 4; b++) {
		uint64_t t0 = now_ns();
		for (int k = 0; k < BATCH; k++) {
			fails += uenv_acquire(&mgr, img, &hh) != 0;
			fails += uenv_release(&mgr, &hh) != 0;
		}
		t_cold[b] = now_ns() - t0;
	}
	cleanup();
	if (saved_err >= 0)
		dup2(saved_err, 2);
	if (fails) {
		fprintf(stderr, "uenv bench: %d operations failed\n", fails);
		return 1;
	}

	double ours = median(t_ours, ROUNDS) / 1e3, ul = median(t_ul, ROUNDS) / 1e3;
	double exp_us = median(t_exp, ROUNDS) / 1e3, umf = median(t_umfloor, ROUNDS) / 1e3;
	double async_us = median(t_async, ROUNDS) / 1e3;
	double hit = median(t_hit, PAIRS / BATCH) / BATCH / 1e3;
	double cold = median(t_cold, PAIRS / BATCH / 4) / BATCH / 1e3;
	printf("{\"name\":\"uenv_first_mount_speedup\",\"value\":%.3f,\"unit\":\"ratio\","
	       "\"floor\":%.1f,\"ratio\":%.3f,\"note\":\"first acquire (validate + LOOP_CONFIGURE "
	       "ro autoclear + mount squashfs) %.1f us vs util-linux mount -t squashfs -o loop,ro "
	       "via fork+exec %.1f us (floor, us), medians of %d alternating rounds; ratio "
	       "util-linux time / ours, bigger is better; goal >= 3\"}\n",
	       ul / ours, ul, ul / ours, ours, ul, ROUNDS);
	printf("{\"name\":\"uenv_first_mount_us\",\"value\":%.1f,\"unit\":\"us\",\"floor\":null,"
	       "\"ratio\":null,\"note\":\"absolute first acquire time, median of %d\"}\n",
	       ours, ROUNDS);
	printf("{\"name\":\"uenv_first_mount_async_speedup\",\"value\":%.3f,\"unit\":\"ratio\","
	       "\"floor\":%.1f,\"ratio\":%.3f,\"note\":\"first acquire through acquire_async (fork "
	       "a worker that validates, attaches and mounts; reaped by the event loop) %.1f us vs "
	       "util-linux mount -o loop %.1f us (floor, us), medians of %d; ratio util-linux / "
	       "ours, bigger is better\"}\n",
	       ul / async_us, ul, ul / async_us, async_us, ul, ROUNDS);
	printf("{\"name\":\"uenv_hit_pair_us\",\"value\":%.3f,\"unit\":\"us\",\"floor\":null,"
	       "\"ratio\":null,\"note\":\"acquire+release of a mounted image held by another "
	       "reference (no syscalls), median of %d batches of %d; smaller is better; goal <= "
	       "10 us\"}\n",
	       hit, PAIRS / BATCH, BATCH);
	printf(
	    "{\"name\":\"uenv_hit_pair_cold_us\",\"value\":%.3f,\"unit\":\"us\",\"floor\":null,"
	    "\"ratio\":null,\"note\":\"acquire+release from count 0 during the hold (cancels and "
	    "re-arms the hold timer: two timerfd_settime), median of %d batches of %d\"}\n",
	    cold, PAIRS / BATCH / 4, BATCH);
	printf("{\"name\":\"uenv_unmount_us\",\"value\":%.1f,\"unit\":\"us\",\"floor\":%.1f,"
	       "\"ratio\":%.3f,\"note\":\"hold-timer expiry dispatched by the event loop (umount2 "
	       "MNT_DETACH + rmdir, loop autoclear) vs the same umount2 + rmdir inline on a "
	       "util-linux mount (floor, us), medians of %d; ratio floor / ours, bigger is "
	       "better\"}\n",
	       exp_us, umf, umf / exp_us, ROUNDS);
	return 0;
}
