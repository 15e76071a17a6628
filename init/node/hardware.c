/*
 * The InitHardware phase, as boot steps: mount cgroup2 and build the
 * contract's hierarchy, protect PID 1 from the OOM killer, and create the
 * run directories (kernel modules: node/devices.c). Each step fails the
 * phase with a reason that names what failed; cgroups are essential to
 * the node, so they do.
 */
#include "node/hardware.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "os/initns.h"
#include "os/uenv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct cg_ctx node_cg;

int hardware_step_cgroups(char *err, size_t errlen)
{
	int r = 0;
	char why[200];
	if (!initns_may_build_cgroups(why, sizeof why)) {
		snprintf(err, errlen, "cgroup hierarchy: %s", why);
		return -EPERM;
	}
	if (mkdir_p(cfg.cgroup_root, 0755) < 0)
		r = -errno;
	if (r == 0)
		r = cg_mount(cfg.cgroup_root);
	if (r < 0) {
		snprintf(err, errlen, "cgroup2 at %s: %s", cfg.cgroup_root, strerror(-r));
		return r;
	}
	r = cg_create_hierarchy(&node_cg);
	if (r < 0) {
		snprintf(err, errlen, "cgroup hierarchy under %s: %s", cfg.cgroup_root,
			 strerror(-r));
		return r;
	}
	return 0;
}

int hardware_step_oom(char *err, size_t errlen)
{
	/* RI4; only PID 1 of the machine has CAP_SYS_RESOURCE for sure */
	int r = cg_oom_protect(NULL);
	if (r < 0 && getpid() == 1 && cfg.do_reboot) {
		snprintf(err, errlen, "oom_score_adj -1000: %s", strerror(-r));
		return r;
	}
	if (r < 0)
		log_warn("oom_score_adj -1000: %s (not the machine's PID 1)", strerror(-r));
	return 0;
}

int hardware_step_dirs(char *err, size_t errlen)
{
	char logs[512];
	int r = uenv_prepare_dirs(cfg.run_dir);
	if (r == 0 && run_path(logs, sizeof logs, "logs") == 0)
		r = mkdir_p(logs, 0755);
	if (r < 0)
		snprintf(err, errlen, "directories under %s: %s", cfg.run_dir, strerror(-r));
	return r;
}

void hardware_init(void)
{
	/* the context is only paths: others need it before the steps run
	 * (a live re-exec restores scopes without booting) */
	if (cg_ctx_init(&node_cg, cfg.cgroup_root) < 0)
		log_err("cgroup root %s: path too long", cfg.cgroup_root);
}

void hardware_on_emergency(int on, const char *why)
{
	cg_set_emergency(&node_cg, on, why);
}
