/*
 * pact-init: PID 1 of a stateless HPC node, and the map of the daemon.
 *
 * The tables below are its shape: the boot's steps in order, what stops
 * first at shutdown, the control verbs, the init.conf keys and who
 * follows whose state (observers). Each name leads to a layer folder
 * (README.md: Layout): lib/ os/ units/ node/ supervise/ handoff/ ctl/.
 *
 * main() has two halves. Before the event loop starts, a hopeless error
 * may end the process (or, as PID 1, exec the emergency shell). Once the
 * loop runs, nothing exits: errors are logged, boot phases retry, and the
 * emergency shell is offered on the console. The only way out is a
 * shutdown, which ends in reboot(2).
 */
#include "ctl/control.h"
#include "ctl/metrics.h"
#include "ctl/verbs.h"
#include "handoff/alloc.h"
#include "handoff/server.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/stacktrim.h"
#include "lib/table.h"
#include "node/boot.h"
#include "node/console.h"
#include "node/devices.h"
#include "node/emergency.h"
#include "node/filesystems.h"
#include "node/hardware.h"
#include "node/identity.h"
#include "node/logs.h"
#include "node/network.h"
#include "node/power.h"
#include "node/readiness.h"
#include "node/reexec.h"
#include "node/settings.h"
#include "node/switchroot.h"
#include "node/uenv_node.h"
#include "os/mounts.h"
#include "supervise/supervise.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int step_run_dir(char *err, size_t errlen);

/* The boot (node/boot.c, PB3): every step in order; a phase is its steps.
 * A failed step stops the walk; the retry resumes at it (F33). */
static const struct {
	enum boot_phase phase;
	const char *name; /* in the failure reason: "InitHardware: cgroups: ..." */
	boot_step_fn fn;
} boot_steps[] = {
    {PHASE_INIT_HARDWARE, "run directory", step_run_dir},
    {PHASE_INIT_HARDWARE, "kernel modules", devices_step_start}, /* a worker: goes on alongside */
    {PHASE_INIT_HARDWARE, "cgroups", hardware_step_cgroups},	 /* cgroup2, the slices (RI1) */
    {PHASE_INIT_HARDWARE, "oom protection", hardware_step_oom},	 /* RI4 */
    {PHASE_INIT_HARDWARE, "run directories", hardware_step_dirs},
    {PHASE_INIT_HARDWARE, "devices", devices_step_settle}, /* drivers loaded, events settled */
    {PHASE_INIT_HARDWARE, "local filesystems", filesystems_step_local}, /* fstab */
    {PHASE_INIT_HARDWARE, "system settings", settings_step_apply},	/* sysctl.d, tmpfiles.d */
    {PHASE_INIT_HARDWARE, "watchdog", network_step_watchdog},
    {PHASE_CONFIGURE_NETWORK, "network", network_step_configure}, /* F28 */
    {PHASE_LOAD_IDENTITY, "node id", identity_load},
    {PHASE_START_SERVICES, "remote filesystems", filesystems_step_remote}, /* remote-fs.target */
    {PHASE_START_SERVICES, "adopt services", svc_step_adopt}, /* a re-exec lost its state */
    {PHASE_START_SERVICES, "services", svc_step_start},
};

/* Shutdown (node/power.c): these stop first, in this order, within the
 * grace time; then SIGTERM and SIGKILL for every process left. */
static const power_stop_fn stop_order[] = {
    svc_stop_all, /* services, in reverse dependency order (PS3) */
    handoff_stop, /* handoff clients and socket */
    ctl_stop,	  /* no new control clients; the open ones still get status */

    filesystems_stop, /* fstab's mounts, in reverse, bounded */
};

/* The control verbs (ctl/), one group per file, in the order `help` lists them. */
static int (*const ctl_groups[])(void) = {
    ctl_reexec_init,	  ctl_status_init,   ctl_power_init,	  ctl_help_init,
    ctl_allocations_init, ctl_watchdog_init, ctl_services_init,	  ctl_emergency_init,
    ctl_debug_init,	  ctl_mounts_init,   metrics_init,	  ctl_net_init,
    ctl_units_init,	  ctl_sysslice_init, ctl_unit_files_init,
};

/* Modules that claim init.conf keys (lib/config.c), before the file is read. */
static void (*const config_keys[])(void) = {
    svc_register_config,	 /* instances, services_* */
    network_register_config,	 /* net.*, watchdog.* */
    uenv_node_register_config,	 /* uenv.* */
    metrics_register_config,	 /* metrics.* */
    handoff_register_config,	 /* handoff.* */
    ctl_register_config,	 /* control.* */
    devices_register_config,	 /* devices.* */
    filesystems_register_config, /* mounts.* */
    logs_register_config,	 /* log.* */
};

/* The console program runs once boot has come to a first verdict. */
static void console_on_boot(void)
{
	if (boot_is_ready() || boot_has_failed())
		console_start_program();
}

/* Ready: the boot's deep frames (unit files and init.conf parsed on the
 * stack) are garbage; their pages go back before anyone measures us. The
 * trim runs from a timer, at the loop's own depth: the verdict is heard
 * inside the boot's call chain, and what its observers still do after
 * this one (the ready file) would fault pages back in below it. */
static void trim_stack(void *ctx)
{
	(void)ctx;
	long r = stack_trim();
	log_debug("stack: %ld bytes given back", r);
}

static void trim_on_ready(void)
{
	static struct timer trim;
	if (boot_is_ready())
		timer_arm(&trim, 0, trim_stack, NULL);
}

/* Who follows whose state: observer lists live where the state changes. */
static void wire(void)
{
	/* the boot's verdict (ready, failed, retrying), heard in this order */
	boot_subscribe(trim_on_ready);
	boot_subscribe(readiness_update); /* ready file, ready.sock, NOTIFY_SOCKET */
	boot_subscribe(console_on_boot);
	boot_subscribe(handoff_on_boot); /* requests queued before readiness */
	boot_subscribe(devices_on_boot); /* devices.wait_drivers = no: the drivers now */
	/* a shutdown has begun */
	power_subscribe(readiness_withdraw); /* the node is not ready any more */
	power_subscribe(console_shutdown);   /* nothing respawns on the console */
	power_set_stop_order(stop_order, COUNT(stop_order));
	/* an emergency declared or ended (RI3) */
	emergency_subscribe(hardware_on_emergency); /* workload.slice writable, or not */
}

/* Signals follow the conventions of sysvinit/busybox init and systemd. */
static void on_signal(int sig)
{
	if (sig == SIGUSR2 || sig == SIGPWR || sig == SIGRTMIN + 4)
		power_request(POWER_OFF, strsignal(sig));
	else if (sig == SIGTERM || sig == SIGINT || sig == SIGRTMIN + 5)
		power_request(POWER_REBOOT, sig == SIGINT ? "ctrl-alt-del" : strsignal(sig));
	else if (sig == SIGUSR1 || sig == SIGRTMIN + 3)
		power_request(POWER_HALT, strsignal(sig));
	else if (sig == SIGHUP)
		reexec_defer("SIGHUP");
	else
		log_debug("signal %d (%s) ignored", sig, strsignal(sig));
}

/* Before the loop: as PID 1 there is nothing to return to. */
static void hopeless(const char *what)
{
	log_err("cannot start: %s: %s", what, strerror(errno));
	if (getpid() != 1)
		_exit(1); /* not PID 1, before the loop */
	char *argv[] = {cfg.emergency_shell, NULL};
	execv(argv[0], argv);
	for (;;)
		pause(); /* no shell either: keep the kernel from panicking */
}

static int step_run_dir(char *err, size_t errlen)
{
	int r = mkdir_p(cfg.run_dir, 0755);
	if (r < 0)
		snprintf(err, errlen, "mkdir %s: %s", cfg.run_dir, strerror(-r));
	return r;
}

static void read_kernel_cmdline(int quiet)
{
	char text[4096];
	if (read_file(cfg.cmdline_path, text, sizeof text) <= 0)
		return;
	if (quiet)
		config_parse_cmdline_quiet(&cfg, text);
	else
		config_parse_cmdline(&cfg, text);
}

/* argv, then init.conf, then the kernel command line (which wins). */
static int configure(int argc, char **argv, int pid1)
{
	config_defaults(&cfg);
	if (config_parse_argv(&cfg, argc, argv, !pid1) < 0)
		return -EINVAL;
	umask(022);
	if (cfg.do_mounts && early_mounts() < 0)
		log_err("some early mounts failed; going on");
	console_setup();
	log_open(cfg.use_kmsg);
	read_kernel_cmdline(0);
	for (int i = 0; i < COUNT(config_keys); i++)
		config_keys[i]();
	config_load_file(&cfg);
	read_kernel_cmdline(1); /* the kernel command line wins; warned once */
	log_set_debug(cfg.debug);
	return 0;
}

/* Every module set up, in order: each takes back what a live re-exec
 * carried for it (rx: 1 restoring, 0 a boot, -1 state lost). */
static void start_modules(int rx)
{
	logs_init(); /* first: what the others say is forwarded */
	if (readiness_init() < 0)
		log_err("readiness socket unavailable; the ready file still works");
	if (ctl_init() < 0)
		log_err("control socket unavailable; signals still work");
	if (handoff_init() < 0)
		log_err("handoff socket unavailable; consumers fall back to their own namespaces");
	alloc_reexec_init(); /* before uenv_node_init: its recount comes first */
	boot_reexec_register();
	console_reexec(rx < 0);
	hardware_init();
	svc_init();
	svc_reexec_init();
	emergency_init();
	uenv_node_init();
	for (int i = 0; i < COUNT(ctl_groups); i++)
		ctl_groups[i]();
	for (int i = 0; i < COUNT(boot_steps); i++)
		boot_add_step(boot_steps[i].phase, boot_steps[i].name, boot_steps[i].fn);
}

int main(int argc, char **argv)
{
	boot_note_start();
	int pid1 = getpid() == 1;
	if (configure(argc, argv, pid1) < 0)
		return 2;
	log_notice("starting (pid %d)", getpid());
	switchroot_boot(argv); /* pact.root= on an initramfs: does not return on success */
	if (pid1)
		reboot(RB_DISABLE_CAD); /* ctrl-alt-del arrives as SIGINT */
	if (loop_init() < 0)
		hopeless("event loop");
	reexec_init(argc, argv);
	int rx = reexec_load();
	loop_set_signal_handler(on_signal);
	if (mkdir_p(cfg.run_dir, 0755) < 0)
		log_err("mkdir %s: %s", cfg.run_dir, strerror(errno));
	wire();
	start_modules(rx);
	if (table_refusals() > 0) { /* a bug: better no node than one missing a part */
		errno = ENOSPC;
		hopeless("a registration table is full (the BUG line above says which)");
	}
	if (rx == 1 && boot_restore()) {
		network_after_reexec(); /* a live re-exec of a ready node: nothing to boot */
		devices_after_reexec();
		filesystems_after_reexec();
	} else
		boot_start();
	reexec_finish();
	/* from here on, PID 1 never exits */
	loop_run();
	return 0;
}
