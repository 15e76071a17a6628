/*
 * Devices (see devices.h). PID 1 keeps only the rules and a small queue of
 * events; module loading runs in one worker at a time, because
 * finit_module blocks for as long as a driver's init takes (a GPU's can
 * take seconds, a broken one forever) and because modules.alias (a
 * megabyte on a distribution kernel) is read there and freed with the
 * process. Device node permissions are applied by PID 1 itself as events
 * arrive: a few syscalls on devtmpfs, which never block.
 *
 * The boot waits for the lists (what the configuration names), the rules
 * and, unless devices.wait_drivers = no, the drivers found by walking the
 * devices: a NIC or GPU driver's probe can take longer than the rest of
 * the boot, which a node whose fstab, network, sysctl and services use no
 * such device need not wait for. With no, the walk starts once the boot
 * has come to its verdict (it would compete for the CPU and hold locks the
 * boot's own steps take: rtnl while a NIC registers).
 *
 * The listener is opened before the first walk, so a device that appears
 * while it runs is heard; a queued device that has a driver by the time
 * its turn comes is dropped (the walk found it). A full queue, or events
 * the kernel dropped (ENOBUFS), turn into one more walk instead.
 */
#include "node/devices.h"
#include "lib/confdir.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "lib/worker.h"
#include "node/boot.h"
#include "node/power.h"
#include "os/coldplug.h"
#include "os/devrules.h"
#include "os/kmod.h"
#include "os/modprobe.h"
#include "os/uevent.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#define QUEUE_MAX	    32
#define EVENTS_PER_WAKEUP   64
#define HOTPLUG_DEADLINE_MS 120000u

enum job { JOB_BOOT, JOB_RESCAN, JOB_HOTPLUG };
enum boot_job { BJ_NONE, BJ_QUEUED, BJ_RUNNING, BJ_OK, BJ_FAILED };

static int coldplug_on = 1;
static int wait_drivers = 1; /* devices.wait_drivers */
static unsigned timeout_s = 60;
static char rules_path[PATH_MAX] PAGE_ALIGNED;

static struct devrules rules PAGE_ALIGNED;
static int listen_fd = -1;
static struct worker worker;
static enum job job;
static struct {
	unsigned long long seqnum;
	char devpath[256];
	char alias[768];
} queue[QUEUE_MAX] PAGE_ALIGNED;
static int n_queue, rescan, dropped;
static unsigned long long walked_seq; /* events up to it: devices a walk saw */
static enum boot_job boot_job;
static int boot_r, settling;
static int wait_all = 1;     /* this boot's settle waits for the drivers too */
static int walk_at_verdict;  /* the drivers' walk waits for the boot's verdict */
static int walk_is_coldplug; /* the rescan running is that walk: its log says coldplug */
static char boot_reason[WORKER_MSG_MAX];
static struct timer settle_timer;

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = {"yes", "on", "true", "1"}, *const no[] = {"no", "off",
										    "false", "0"};
	for (int i = 0; i < 4; i++) {
		if (!strcmp(v, yes[i]))
			return *out = 1, 0;
		if (!strcmp(v, no[i]))
			return *out = 0, 0;
	}
	return -EINVAL;
}

static int conf_devices(const char *key, const char *v, char *err, size_t errlen)
{
	unsigned long long n;
	if (!strcmp(key, "devices.coldplug")) {
		if (parse_bool(v, &coldplug_on) < 0)
			return snprintf(err, errlen, "want yes or no"), -EINVAL;
	} else if (!strcmp(key, "devices.wait_drivers")) {
		if (parse_bool(v, &wait_drivers) < 0)
			return snprintf(err, errlen, "want yes or no"), -EINVAL;
	} else if (!strcmp(key, "devices.rules")) {
		snprintf(rules_path, sizeof rules_path, "%s", v);
	} else if (!strcmp(key, "devices.timeout_s")) {
		if (parse_u64(v, &n) < 0 || n < 1 || n > 3600)
			return snprintf(err, errlen, "want seconds (1..3600)"), -EINVAL;
		timeout_s = (unsigned)n;
	} else {
		return snprintf(err, errlen, "unknown key '%s'", key), -ENOENT;
	}
	return 0;
}

void devices_register_config(void)
{
	config_register_keys("devices.", conf_devices);
}

/* Only the machine's init loads modules for devices (a test instance in a
 * PID namespace must not load into the host's kernel). Asked in PID 1:
 * a worker's pid is not 1. */
static int machine;

static int machine_init(void)
{
	return machine;
}

/* modprobe.d and the kernel command line, read by PID 1 (once per boot or
 * re-exec: its errors are said once) for the workers to inherit */
static struct modprobe_conf mconf PAGE_ALIGNED;

/* ---- the worker: everything below until "PID 1" runs in the child ---- */

static struct kmod_opts kopts;
static int explicit_r;
static char explicit_msg[WORKER_MSG_MAX];

static void load_listed(const char *name, int essential)
{
	if (essential) /* what the deadline's message names, should it hang */
		worker_say("kernel module %s: loading", name);
	int r = kmod_load_opts(name, &kopts);
	if (r < 0 && essential && !explicit_r) {
		explicit_r = r;
		snprintf(explicit_msg, sizeof explicit_msg, "kernel module %s: %s", name,
			 strerror(-r));
	}
}

static void cmdline_module(void *ctx, const char *w)
{
	(void)ctx;
	load_listed(w, 0);
}

static int modules_load_line(void *ctx, char *line, int no, char *err, size_t errlen)
{
	(void)ctx, (void)no, (void)err, (void)errlen;
	load_listed(line, 0);
	return 0;
}

static int modules_load_file(void *ctx, const char *path)
{
	(void)ctx;
	confdir_lines(path, "#;", modules_load_line, NULL);
	return 0;
}

static void walking(unsigned long long seqnum)
{
	worker_say("walked %llu", seqnum);
}

static int work(void *arg)
{
	(void)arg;
	static char dir[PATH_MAX] PAGE_ALIGNED;
	uint64_t t0 = now_ms();
	if (cfg.modules_dir[0])
		snprintf(dir, sizeof dir, "%s", cfg.modules_dir);
	else if (kmod_default_dir(dir, sizeof dir) < 0)
		return -ENAMETOOLONG;
	kopts = (struct kmod_opts){.modules_dir = dir, .conf = &mconf};
	if (job == JOB_BOOT) {
		for (int i = 0; i < cfg.n_modules; i++)
			load_listed(cfg.modules[i], 1);
	}
	if (job == JOB_BOOT && machine_init()) {
		static char cmdline[4096] PAGE_ALIGNED;
		if (read_file(cfg.cmdline_path, cmdline, sizeof cmdline) < 0)
			cmdline[0] = '\0';
		confdir_each("", "modules-load.d", ".conf", modules_load_file, NULL);
		cmdline_each_word(cmdline, "modules-load=", cmdline_module, NULL);
		cmdline_each_word(cmdline, "rd.modules-load=", cmdline_module, NULL);
		/* the nodes that exist now; the drivers' own come as events */
		coldplug_rules(&rules, "/sys", "/dev");
	}
	if (coldplug_on && machine_init() && !(job == JOB_BOOT && walk_at_verdict)) {
		struct coldplug c = {
		    .sysfs = "/sys", .modules_dir = dir, .conf = &mconf, .walking = walking};
		if (job == JOB_HOTPLUG) {
			static struct modalias_dev d[QUEUE_MAX];
			for (int i = 0; i < n_queue; i++)
				d[i] = (struct modalias_dev){queue[i].alias, queue[i].devpath};
			coldplug_load(&c, d, n_queue);
		} else if (coldplug_run(&c) >= 0) {
			log_info(
			    "devices: %s: %d devices, %d modules loaded, %d missing, %d failed, "
			    "%d blacklisted in %llu ms",
			    job == JOB_BOOT || walk_is_coldplug ? "coldplug" : "rescan", c.devices,
			    c.loaded, c.missing, c.failed, c.blacklisted,
			    (unsigned long long)(now_ms() - t0));
		}
	}
	if (job != JOB_HOTPLUG && machine_init()) /* again: nodes whose events were dropped */
		coldplug_rules(&rules, "/sys", "/dev");
	if (explicit_r)
		worker_say("%s", explicit_msg); /* the last line: the reason */
	return explicit_r;
}

/* ---- PID 1 ---- */

static int idle(void)
{
	return !worker_running(&worker) && boot_job != BJ_QUEUED && !n_queue && !rescan;
}

/* The boot's part done: all of it, or the lists and rules when the
 * drivers are not waited for (events may be queued meanwhile). */
static int settled(void)
{
	return (!wait_all && boot_job == BJ_OK) || idle();
}

static void check_settled(void)
{
	if (!settling || !settled())
		return;
	settling = 0;
	timer_cancel(&settle_timer);
	boot_step_finished(boot_job == BJ_FAILED ? boot_r : 0, boot_reason);
}

static void job_done(struct worker *w, int r, const char *msg);

static void job_line(struct worker *w, const char *line)
{
	(void)w;
	if (!strncmp(line, "walked ", 7))
		walked_seq = strtoull(line + 7, NULL, 10);
}

/* A queued event older than the last walk is of a device it saw. */
static void drop_walked(void)
{
	int k = 0;
	for (int i = 0; i < n_queue; i++)
		if (queue[i].seqnum > walked_seq)
			queue[k++] = queue[i];
	n_queue = k;
}

static void kick(void)
{
	if (worker_running(&worker) || power_pending())
		return;
	unsigned deadline = HOTPLUG_DEADLINE_MS;
	if (boot_job == BJ_QUEUED && !machine_init() && !cfg.n_modules) {
		boot_job = BJ_OK; /* nothing to load: no worker */
		check_settled();
		return;
	}
	if (boot_job == BJ_QUEUED) {
		job = JOB_BOOT;
		deadline = timeout_s * 1000u;
	} else if (walk_at_verdict) {
		return; /* devices_on_boot() starts it */
	} else if (rescan) {
		job = JOB_RESCAN;
		rescan = 0;
		n_queue = 0; /* the walk covers them */
	} else {
		drop_walked();
		if (!n_queue) {
			check_settled();
			return;
		}
		job = JOB_HOTPLUG;
	}
	int r = worker_start(&worker, "devices", work, NULL, deadline, job_done, NULL);
	if (r < 0) {
		log_err("devices: cannot start a worker: %s", strerror(-r));
		if (job == JOB_BOOT) {
			boot_job = BJ_FAILED;
			boot_r = r;
			snprintf(boot_reason, sizeof boot_reason, "fork: %s", strerror(-r));
		}
		n_queue = 0;
		check_settled();
		return;
	}
	worker.on_line = job_line;
	if (job == JOB_BOOT)
		boot_job = BJ_RUNNING;
	n_queue = 0; /* the worker has its copy */
}

static void job_done(struct worker *w, int r, const char *msg)
{
	(void)w;
	if (job == JOB_RESCAN)
		walk_is_coldplug = 0;
	if (job == JOB_BOOT) {
		/* past the deadline, only a module of init.conf's list stops the boot */
		int fatal = r < 0 && (r != -ETIMEDOUT || !strncmp(msg, "kernel module", 13));
		boot_job = fatal ? BJ_FAILED : BJ_OK;
		boot_r = r;
		snprintf(boot_reason, sizeof boot_reason, "%s%s",
			 r == -ETIMEDOUT ? "still loading after the deadline: " : "",
			 msg[0] ? msg : strerror(-r));
		if (r == -ETIMEDOUT && !fatal)
			log_warn("devices: %s; going on", boot_reason);
	} else if (r < 0) {
		log_err("devices: %s worker: %s", job == JOB_RESCAN ? "rescan" : "hotplug",
			msg[0] ? msg : strerror(-r));
	}
	kick();
	check_settled();
}

static void enqueue(const struct uevent *ev)
{
	for (int i = 0; i < n_queue; i++)
		if (!strcmp(queue[i].alias, ev->modalias))
			return;
	if (n_queue == QUEUE_MAX || strlen(ev->devpath) >= sizeof queue[0].devpath ||
	    strlen(ev->modalias) >= sizeof queue[0].alias) {
		if (!dropped++)
			log_warn("devices: event queue full; the devices will be walked again");
		rescan = 1;
		return;
	}
	queue[n_queue].seqnum = ev->seqnum;
	snprintf(queue[n_queue].devpath, sizeof queue[0].devpath, "%s", ev->devpath);
	snprintf(queue[n_queue++].alias, sizeof queue[0].alias, "%s", ev->modalias);
}

static void on_uevent(void *ctx, int fd, uint32_t events)
{
	(void)ctx, (void)events;
	static char buf[UEVENT_BUF] PAGE_ALIGNED;
	for (int i = 0; i < EVENTS_PER_WAKEUP; i++) {
		ssize_t n = uevent_recv(fd, buf, sizeof buf);
		if (n == -EAGAIN)
			break;
		if (n == -ENOBUFS) {
			log_warn(
			    "devices: the kernel dropped device events; walking the devices again");
			rescan = 1;
			continue;
		}
		struct uevent ev;
		if (n <= 0 || uevent_parse(buf, (size_t)n, '\0', &ev) < 0)
			continue;
		if (ev.devname && rules.n)
			devrules_apply(&rules, "/dev", &ev);
		if (coldplug_on && ev.modalias && !strcmp(ev.action, "add"))
			enqueue(&ev);
	}
	kick();
}

/* modprobe.d, the rules and the listener (PID 1 of the machine only). */
static void listen_events(void)
{
	char path[PATH_MAX];
	modprobe_load(&mconf, "");
	char cmdline[4096]; /* on the stack: PID 1 keeps no copy */
	if (read_file(cfg.cmdline_path, cmdline, sizeof cmdline) < 0)
		cmdline[0] = '\0';
	modprobe_parse_cmdline(&mconf, cmdline);
	if (!rules_path[0])
		path_fmt(path, sizeof path, "%s/devices.rules", cfg.config_dir);
	else if (rules_path[0] != '/')
		path_fmt(path, sizeof path, "%s/%s", cfg.config_dir, rules_path);
	else
		path_fmt(path, sizeof path, "%s", rules_path);
	int bad = devrules_load(&rules, "", path);
	if (bad < 0)
		log_err("devices: %s: %s", path, strerror(-bad));
	else if (rules.n)
		log_info("devices: %d rules from %s%s", rules.n, path,
			 bad ? " (some lines refused)" : "");
	if (listen_fd >= 0 || (!coldplug_on && !rules.n))
		return;
	listen_fd = uevent_open();
	if (listen_fd < 0 || loop_add_fd(listen_fd, EPOLLIN, on_uevent, NULL) < 0) {
		log_err("devices: cannot follow device events (%s): devices that appear later get "
			"no driver",
			strerror(listen_fd < 0 ? -listen_fd : ENOSPC));
		close_fd(listen_fd);
		listen_fd = -1;
	}
}

int devices_step_start(char *err, size_t errlen)
{
	(void)err, (void)errlen;
	machine = getpid() == 1 && cfg.do_reboot && cfg.do_mounts;
	if (machine_init())
		listen_events();
	walk_at_verdict = machine_init() && coldplug_on && !wait_drivers;
	if (walk_at_verdict)
		log_info("devices: the drivers found by device load once the boot has come to its "
			 "verdict (devices.wait_drivers = no)");
	boot_job = BJ_QUEUED;
	boot_reason[0] = '\0';
	kick();
	return 0;
}

/* Events that keep coming (a flapping device) must not hold the boot. */
static void settle_timeout(void *ctx)
{
	(void)ctx;
	if (!settling)
		return;
	settling = 0;
	log_warn("devices: still busy after %u s (%s); going on", timeout_s,
		 worker.msg[0] ? worker.msg : "loading modules");
	boot_step_finished(0, NULL);
}

int devices_step_settle(char *err, size_t errlen)
{
	if (boot_job == BJ_FAILED) { /* a retry: load again */
		boot_job = BJ_QUEUED;
		kick();
	}
	wait_all = wait_drivers;
	if (settled()) {
		if (boot_job != BJ_FAILED)
			return 0;
		snprintf(err, errlen, "%s", boot_reason);
		return boot_r;
	}
	settling = 1;
	timer_arm(&settle_timer, timeout_s * 1000u + 1000u, settle_timeout, NULL);
	return 1;
}

void devices_on_boot(void)
{
	if (!walk_at_verdict || (!boot_is_ready() && !boot_has_failed()))
		return;
	walk_at_verdict = 0;
	walk_is_coldplug = rescan = 1;
	kick();
}

void devices_after_reexec(void)
{
	machine = getpid() == 1 && cfg.do_reboot && cfg.do_mounts;
	if (!machine_init())
		return;
	listen_events();
	rescan = 1;
	kick();
}
