/*
 * System settings (see settings.h), in order: API filesystems (configfs
 * loaded first when it is a module), machine-id, the kernel's hostname
 * from /etc/hostname when it has none (the identity step may give it
 * another), sysctl.d (after the devices, so a NIC's keys exist), and
 * tmpfiles.d (after the local filesystems, and with %m known). A worker
 * does it: a tmpfiles.d tree can be large, and what it reads goes with it.
 */
#include "node/settings.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/table.h"
#include "lib/worker.h"
#include "node/boot.h"
#include "os/apifs.h"
#include "os/kmod.h"
#include "os/sysctl.h"
#include "os/sysid.h"
#include "os/tmpfiles.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SETTINGS_DEADLINE_MS 60000u
#define TEXT_MAX	     65536

static struct worker worker;

static void api_filesystems(void)
{
	static char mountinfo[TEXT_MAX] PAGE_ALIGNED, filesystems[4096] PAGE_ALIGNED;
	if (read_file("/proc/filesystems", filesystems, sizeof filesystems) > 0 &&
	    !strstr(filesystems, "\tconfigfs\n")) {
		struct kmod_opts o = {.modules_dir = cfg.modules_dir[0] ? cfg.modules_dir : NULL,
				      .quiet_missing = 1};
		if (kmod_load_opts("configfs", &o) == 0)
			read_file("/proc/filesystems", filesystems, sizeof filesystems);
	}
	if (read_file("/proc/self/mountinfo", mountinfo, sizeof mountinfo) > 0)
		apifs_mount("", mountinfo, filesystems);
}

static void hostname(void)
{
	char now[65] = "", name[65];
	gethostname(now, sizeof now - 1);
	if (now[0] && strcmp(now, "(none)") && strcmp(now, "localhost"))
		return; /* set already (stage 1, DHCP, the kernel's hostname=) */
	int r = hostname_read("", name, sizeof name);
	if (r == -EINVAL)
		log_err("/etc/hostname: not a valid host name");
	else if (r == 0 && sethostname(name, strlen(name)) < 0)
		log_err("sethostname %s: %s", name, strerror(errno));
	else if (r == 0)
		log_info("hostname %s (from /etc/hostname)", name);
}

static int work(void *arg)
{
	(void)arg;
	char err[300];
	api_filesystems();
	int r = machineid_setup("", err, sizeof err);
	if (r < 0)
		log_err("machine-id: %s", err);
	else if (r > 0)
		log_info("machine-id: none in /etc; made /run/machine-id and bound it there");
	hostname();
	sysctl_apply("");
	tmpfiles_apply("");
	return 0;
}

static void done(struct worker *w, int r, const char *msg)
{
	(void)w;
	if (r < 0)
		log_err("system settings: %s%s%s; going on", strerror(-r), msg[0] ? ": " : "", msg);
	boot_step_finished(0, NULL);
}

int settings_step_apply(char *err, size_t errlen)
{
	(void)err, (void)errlen;
	/* only the machine's init: a test instance must not set the host's */
	if (getpid() != 1 || !cfg.do_reboot || !cfg.do_mounts)
		return 0;
	int r =
	    worker_start(&worker, "system settings", work, NULL, SETTINGS_DEADLINE_MS, done, NULL);
	if (r < 0) {
		log_err("system settings: cannot start a worker: %s; going on", strerror(-r));
		return 0;
	}
	return 1;
}
