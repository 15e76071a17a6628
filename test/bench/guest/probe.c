/*
 * In-guest side of the peer boots of `make bench` (test/bench/peers): each
 * init (pact-init and its peers) runs this once it has written its ready
 * line. It prints `BENCH <key> <value>` lines on /dev/console, which
 * test/bench/peers/boot-peers reads from the serial log:
 *   1. init_to_ready_us: from the kernel log's own timestamps (printk time,
 *      so QEMU's start and the host's noise do not count), the record
 *      "Run /init as init process" to the init's ready record: pact-init's
 *      "node ... ready in N ms", or a peer's "bench: ready" (waited for,
 *      bounded);
 *   2. pid1_rss_kib, pid1_pss_kib, pid1_anon_kib: /proc/1/smaps_rollup;
 *   3. -l N: the start links of the N-long chain of oneshot services the
 *      init ran (LINK_CHAIN, written by linkstamp), then the same N links
 *      of a plain fork + exec + waitpid loop run here (LINK_FLOOR):
 *      link_chain_us, link_floor_us (medians), link_ratio;
 *   4. -i S: PID 1's voluntary + nonvoluntary context switches over S
 *      seconds of idle, once the boot's deferred work is done (pact-init's
 *      driver walk after ready, waited for in the kernel log, bounded) and
 *      after a settle of SETTLE_MS (this process waits on the clock: it is
 *      the measurement, not synchronisation):
 *      pid1_idle_switches, pid1_idle_wakeups_per_s;
 *   5. services_running: how many cgroups below pact.slice's sub-slices
 *      hold processes (the demo's 7 long-running services: a boot whose
 *      services did not start is no measurement);
 *   6. -p: sync and power off when done (for inits whose own poweroff path
 *      is not under test).
 *   probe [-i SECONDS] [-l N] [-p]
 * The kernel command line's bench.idle=SECONDS and bench.links=N give -i and
 * -l too (unknown dotted keys are ignored by every init), so one image
 * serves every kind of boot.
 *   probe -r   writes a peer's ready line to the kernel log and exits
 * Exits 0 when every asked-for figure was printed, 1 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_WAIT_MS	 120000
#define SETTLE_MS	 2000
#define DEFERRED_WAIT_MS 120000
#define LINK_MAX	 128
#define LINK_STAMP	 "/bench/linkstamp"
#define LINK_CHAIN	 "/run/bench-link.chain"
#define LINK_FLOOR	 "/run/bench-link.floor"
#define READY_LINE	 "bench: ready: 8 services started"
#define SLICES		 "/sys/fs/cgroup/pact.slice"

static FILE *out;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fflush(out);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_ready_line(const char *msg)
{
	return strstr(msg, READY_LINE) ||
	       (strstr(msg, "pact-init: node ") && strstr(msg, " ready in "));
}

/*
 * Reads kernel log records (/dev/kmsg: "prio,seq,usec,flags;text") from the
 * start of the buffer, each given to fn (its printk time and text), until fn
 * says it has seen what it waits for (1) or wait_ms run out. 0 or -1.
 */
static int scan_kmsg(int (*fn)(void *ctx, uint64_t usec, const char *text), void *ctx,
		     int64_t wait_ms)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		say("# probe: /dev/kmsg: %s\n", strerror(errno));
		return -1;
	}
	int done = 0;
	int64_t deadline = mono_ms() + wait_ms;
	char rec[8192];
	while (!done) {
		ssize_t n = read(fd, rec, sizeof rec - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* records overwritten under us: go on with the next */
		if (n < 0 && errno == EAGAIN) {
			int left = (int)(deadline - mono_ms());
			if (left <= 0)
				break;
			struct pollfd p = {.fd = fd, .events = POLLIN};
			(void)poll(&p, 1, left);
			continue;
		}
		if (n <= 0)
			break;
		rec[n] = '\0';
		unsigned long long usec;
		char *text = strchr(rec, ';');
		if (!text || sscanf(rec, "%*u,%*u,%llu", &usec) != 1)
			continue;
		char *nl = strchr(++text, '\n');
		if (nl)
			*nl = '\0';
		done = fn(ctx, usec, text);
	}
	close(fd);
	return done ? 0 : -1;
}

struct marks {
	uint64_t init_us, ready_us;
	int have_init, have_ready;
};

static int on_mark(void *ctx, uint64_t usec, const char *text)
{
	struct marks *m = ctx;
	if (!m->have_init && strstr(text, "Run /init as init process")) {
		m->init_us = usec;
		m->have_init = 1;
	} else if (!m->have_ready && is_ready_line(text)) {
		m->ready_us = usec;
		m->have_ready = 1;
		say("# probe: ready record: %s\n", text);
	}
	return m->have_init && m->have_ready;
}

static int find_marks(uint64_t *init_us, uint64_t *ready_us)
{
	struct marks m = {0};
	if (scan_kmsg(on_mark, &m, READY_WAIT_MS) < 0) {
		say("# probe: no %s record in the kernel log\n",
		    m.have_init ? "ready" : "\"Run /init as init process\"");
		return -1;
	}
	*init_us = m.init_us;
	*ready_us = m.ready_us;
	return 0;
}

/* pact-init with devices.wait_drivers = no walks the devices for drivers
 * once it is ready: work of the boot, done after it, whose module loads,
 * uevents and worker are no idle wakeups. Its end is the walk's summary. */
struct deferred {
	int walk, done;
	uint64_t done_us;
};

static int on_deferred(void *ctx, uint64_t usec, const char *text)
{
	struct deferred *w = ctx;
	if (strstr(text, "pact-init: devices: the drivers found by device load once the boot"))
		w->walk = 1;
	else if (strstr(text, "pact-init: devices: coldplug: ")) {
		w->done = 1;
		w->done_us = usec;
	}
	return w->done;
}

static void wait_deferred_work(uint64_t ready_us)
{
	struct deferred w = {0};
	/* all records so far: is there a walk at all? */
	if (scan_kmsg(on_deferred, &w, 0) == 0 || !w.walk)
		goto out;
	if (scan_kmsg(on_deferred, &w, DEFERRED_WAIT_MS) < 0) {
		say("# probe: the driver walk after ready did not end within %d ms\n",
		    DEFERRED_WAIT_MS);
		return;
	}
out:
	if (w.done)
		say("# probe: driver walk after ready ended %lld ms after ready\n",
		    ready_us ? ((long long)w.done_us - (long long)ready_us) / 1000 : -1ll);
}

/* The value of "Key:" in a /proc file of "Key: value ..." lines, or -1. */
static long long proc_field(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char line[256];
	long long v = -1;
	size_t n = strlen(key);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int print_memory(void)
{
	/* smaps_rollup walks the page tables; VmRSS in status lags (per-cpu counters) */
	long long rss = proc_field("/proc/1/smaps_rollup", "Rss");
	long long pss = proc_field("/proc/1/smaps_rollup", "Pss");
	long long anon = proc_field("/proc/1/smaps_rollup", "Anonymous");
	if (rss < 0 || pss < 0 || anon < 0) {
		say("# probe: /proc/1/smaps_rollup: cannot read Rss/Pss/Anonymous\n");
		return -1;
	}
	say("BENCH pid1_rss_kib %lld\nBENCH pid1_pss_kib %lld\nBENCH pid1_anon_kib %lld\n", rss,
	    pss, anon);
	/* page faults cost most of what TCG adds to a boot: say how many */
	char st[1024];
	FILE *f = fopen("/proc/1/stat", "re");
	if (f && fgets(st, sizeof st, f)) {
		unsigned long long minflt = 0;
		const char *p = strrchr(st, ')');
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu", &minflt) == 1)
			say("# probe: PID 1 minor page faults at ready: %llu\n", minflt);
	}
	if (f)
		fclose(f);
	return 0;
}

/* Does this cgroup directory hold a process? */
static int populated(const char *dir)
{
	char path[512], buf[16];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf);
	close(fd);
	return n > 0;
}

/* The populated cgroups two levels below pact.slice (slice/service). */
static int count_services(void)
{
	int n = 0;
	DIR *top = opendir(SLICES);
	struct dirent *s, *e;
	while (top && (s = readdir(top))) {
		char slice[300];
		if (s->d_type != DT_DIR || s->d_name[0] == '.')
			continue;
		snprintf(slice, sizeof slice, "%s/%.100s", SLICES, s->d_name);
		DIR *d = opendir(slice);
		while (d && (e = readdir(d))) {
			char svc[420];
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			snprintf(svc, sizeof svc, "%s/%.100s", slice, e->d_name);
			if (populated(svc))
				n++;
			else
				say("# probe: no process in %s\n", svc);
		}
		if (d)
			closedir(d);
	}
	if (top)
		closedir(top);
	return n;
}

static int write_ready_line(void)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	static const char line[] = "<5>" READY_LINE "\n";
	int ok = fd >= 0 && write(fd, line, sizeof line - 1) == (ssize_t)(sizeof line - 1);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : 1;
}

static long long pid1_switches(void)
{
	long long v = proc_field("/proc/1/status", "voluntary_ctxt_switches");
	long long nv = proc_field("/proc/1/status", "nonvoluntary_ctxt_switches");
	return v < 0 || nv < 0 ? -1 : v + nv;
}

static void wait_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static int measure_idle(int seconds)
{
	wait_ms(SETTLE_MS);
	long long before = pid1_switches();
	int64_t t0 = mono_ms();
	wait_ms((int64_t)seconds * 1000);
	long long after = pid1_switches();
	int64_t t1 = mono_ms();
	if (before < 0 || after < 0) {
		say("# probe: /proc/1/status: no ctxt_switches\n");
		return -1;
	}
	say("BENCH pid1_idle_switches %lld\nBENCH pid1_idle_window_ms %lld\n", after - before,
	    (long long)(t1 - t0));
	say("BENCH pid1_idle_wakeups_per_s %.3f\n",
	    (double)(after - before) * 1000.0 / (double)(t1 - t0));
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * The links of n stamps in path: slot i+1's start minus slot i's end, in
 * ns, into links[0..n-1); their median in us, or -1 if a stamp is missing.
 */
static double links_median(const char *path, int n, const char *what)
{
	uint64_t slots[2 * LINK_MAX], links[LINK_MAX];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : pread(fd, slots, sizeof(uint64_t) * 2 * (size_t)n, 0);
	if (fd >= 0)
		close(fd);
	if (got != (ssize_t)(sizeof(uint64_t) * 2 * (size_t)n)) {
		say("# probe: %s: %s\n", path, got < 0 ? strerror(errno) : "short");
		return -1;
	}
	for (int i = 0; i + 1 < n; i++) {
		if (!slots[2 * i + 1] || !slots[2 * (i + 1)] ||
		    slots[2 * (i + 1)] < slots[2 * i + 1]) {
			say("# probe: %s: stamp %d or %d missing\n", path, i, i + 1);
			return -1;
		}
		links[i] = slots[2 * (i + 1)] - slots[2 * i + 1];
	}
	qsort(links, (size_t)n - 1, sizeof links[0], cmp_u64);
	say("# probe: %s links (us): min %.1f median %.1f max %.1f, of %d\n", what,
	    (double)links[0] / 1e3, (double)links[(n - 1) / 2] / 1e3, (double)links[n - 2] / 1e3,
	    n - 1);
	return (double)links[(n - 1) / 2] / 1e3;
}

/* The floor: the same stamp program started n times by fork + exec + waitpid. */
static int run_floor(int n)
{
	for (int i = 0; i < n; i++) {
		char idx[16];
		snprintf(idx, sizeof idx, "%d", i);
		pid_t pid = fork();
		if (pid == 0) {
			execl(LINK_STAMP, LINK_STAMP, LINK_FLOOR, idx, (char *)NULL);
			_exit(127);
		}
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			say("# probe: fork+exec %s: link %d failed\n", LINK_STAMP, i);
			return -1;
		}
	}
	return 0;
}

static int measure_links(int n)
{
	double chain = links_median(LINK_CHAIN, n, "init's chain");
	if (chain < 0 || run_floor(n) < 0)
		return -1;
	double floor = links_median(LINK_FLOOR, n, "fork+exec loop");
	if (floor <= 0)
		return -1;
	say("BENCH link_chain_us %.1f\nBENCH link_floor_us %.1f\nBENCH link_ratio %.3f\n", chain,
	    floor, chain / floor);
	return 0;
}

/* bench.idle= and bench.links= from the kernel command line */
static void cmdline_options(int *idle_s, int *links)
{
	char buf[4096];
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *w = strtok(buf, " \n"); w; w = strtok(NULL, " \n")) {
		if (strncmp(w, "bench.idle=", 11) == 0)
			*idle_s = atoi(w + 11);
		else if (strncmp(w, "bench.links=", 12) == 0)
			*links = atoi(w + 12);
	}
}

int main(int argc, char **argv)
{
	int idle_s = 0, links = 0, poweroff = 0, o;
	cmdline_options(&idle_s, &links);
	while ((o = getopt(argc, argv, "i:l:pr")) != -1) {
		switch (o) {
		case 'r':
			return write_ready_line();
		case 'i':
			idle_s = atoi(optarg);
			break;
		case 'l':
			links = atoi(optarg);
			break;
		case 'p':
			poweroff = 1;
			break;
		default:
			return 2;
		}
	}
	if (idle_s < 0 || idle_s > 600 || links < 0 || links == 1 || links > LINK_MAX) {
		fprintf(stderr, "usage: probe [-i SECONDS (0..600)] [-l N (2..%d)] [-p]\n",
			LINK_MAX);
		return 2;
	}
	out = fopen("/dev/console", "we");
	if (!out)
		out = stdout;
	int fails = 0;
	uint64_t init_us = 0, ready_us = 0;
	if (find_marks(&init_us, &ready_us) == 0)
		say("BENCH init_to_ready_us %llu\n", (unsigned long long)(ready_us - init_us));
	else
		fails++;
	fails += print_memory() < 0;
	say("BENCH services_running %d\n", count_services());
	if (links)
		fails += measure_links(links) < 0;
	if (idle_s) {
		wait_deferred_work(ready_us);
		fails += measure_idle(idle_s) < 0;
	}
	say("BENCH probe_done %d\n", fails);
	if (poweroff) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return fails ? 1 : 0;
}
