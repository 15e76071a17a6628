/*
 * pact-init: PID 1 of a stateless HPC node.
 *
 * main() has two halves. Before the event loop starts, a hopeless error
 * may end the process (or, as PID 1, exec the emergency shell). Once the
 * loop runs, nothing exits: errors are logged, boot phases retry, and the
 * emergency shell is offered on the console. The only way out is a
 * shutdown, which ends in reboot(2).
 */
#include "node/boot.h"
#include "lib/config.h"
#include "node/console.h"
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "node/emergency.h"
#include "lib/fileio.h"
#include "handoff/server.h"
#include "node/hardware.h"
#include "node/identity.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "ctl/metrics.h"
#include "os/mounts.h"
#include "node/network.h"
#include "node/power.h"
#include "node/readiness.h"
#include "node/reexec.h"
#include "supervise/supervise.h"
#include "node/switchroot.h"
#include "node/uenv_node.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void read_kernel_cmdline(void)
{
	char text[4096];
	if (read_file(cfg.cmdline_path, text, sizeof text) > 0)
		config_parse_cmdline(&cfg, text);
}

static int step_run_dir(char *err, size_t errlen)
{
	int r = mkdir_p(cfg.run_dir, 0755);
	if (r < 0)
		snprintf(err, errlen, "mkdir %s: %s", cfg.run_dir, strerror(-r));
	return r;
}

static int step_identity(char *err, size_t errlen)
{
	return identity_load(err, errlen);
}

static void on_boot_settled(void)
{
	/* the console program runs once boot has come to a first verdict */
	if (boot_is_ready() || boot_has_failed())
		console_start_program();
}

int main(int argc, char **argv)
{
	boot_note_start();
	int pid1 = getpid() == 1;
	config_defaults(&cfg);
	if (config_parse_argv(&cfg, argc, argv, !pid1) < 0)
		return 2;
	umask(022);
	if (cfg.do_mounts && early_mounts() < 0)
		log_err("some early mounts failed; going on");
	console_setup();
	log_open(cfg.use_kmsg);
	read_kernel_cmdline();
	svc_register_config();
	network_register_config();
	uenv_node_register_config();
	metrics_register_config();
	handoff_register_config();
	config_load_file(&cfg);
	read_kernel_cmdline(); /* the kernel command line wins */
	log_set_debug(cfg.debug);
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
	/* who follows the boot and the shutdown, in the order they hear it */
	boot_subscribe(readiness_update);
	boot_subscribe(on_boot_settled);
	power_subscribe(readiness_withdraw);
	power_subscribe(console_shutdown);
	if (readiness_init() < 0)
		log_err("readiness socket unavailable; the ready file still works");
	ctl_reexec_init();
	ctl_status_init();
	ctl_power_init();
	if (ctl_init() < 0)
		log_err("control socket unavailable; signals still work");
	power_register_stop(ctl_stop);
	if (handoff_init() < 0)
		log_err("handoff socket unavailable; consumers fall back to their own namespaces");
	ctl_allocations_init();

	boot_reexec_register();
	console_reexec(rx < 0);
	boot_add_step(PHASE_INIT_HARDWARE, "run directory", step_run_dir);
	hardware_init();
	network_init();
	ctl_watchdog_init();
	boot_add_step(PHASE_LOAD_IDENTITY, "node id", step_identity);
	svc_init();
	svc_reexec_init();
	boot_add_step(PHASE_START_SERVICES, "adopt services", svc_step_adopt);
	boot_add_step(PHASE_START_SERVICES, "services", svc_step_start);
	power_register_stop(svc_stop_all);
	ctl_services_init();
	emergency_init();
	ctl_emergency_init();
	ctl_debug_init();
	uenv_node_init();
	ctl_mounts_init();
	metrics_init();
	if (rx == 1 && boot_restore()) {
		/* a live re-exec of a ready node: nothing to boot */
		network_after_reexec();
	} else {
		boot_start();
	}
	reexec_finish();
	/* from here on, PID 1 never exits */
	loop_run();
	return 0;
}
