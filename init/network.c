/*
 * The network phase: the plan comes from init.conf's net.* keys and the
 * kernel's ip= (which wins for its device); lo always comes up. Applying it
 * blocks for at most the carrier timeout (net.carrier_timeout_ms) plus
 * bounded netlink round trips; the watchdog's pet interval is kept above
 * that by its own default (see docs/network.md). The watchdog is opened in
 * InitHardware when we are the machine's PID 1; power.c disarms it with the
 * magic close right before reboot(2).
 */
#include "network.h"
#include "boot.h"
#include "config.h"
#include "control.h"
#include "ipconf.h"
#include "log.h"
#include "netconf.h"
#include "watchdog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct net_plan plan;
static char wd_path[256] = WATCHDOG_DEFAULT_PATH;
static unsigned wd_timeout_s = WATCHDOG_DEFAULT_TIMEOUT_S;
static int wd_enabled = 1;

static int conf_net(const char *key, const char *value, char *err, size_t errlen)
{
	return netplan_set(&plan, key, value, err, errlen);
}

static int conf_watchdog(const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "watchdog.device") == 0) {
		snprintf(wd_path, sizeof wd_path, "%s", value);
		wd_enabled = strcmp(value, "none") != 0;
		return 0;
	}
	if (strcmp(key, "watchdog.timeout_s") == 0) {
		char *end;
		unsigned long v = strtoul(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v > 3600)
			return snprintf(err, errlen, "want seconds (0..3600)"), -EINVAL;
		wd_timeout_s = (unsigned)v;
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

void network_register_config(void)
{
	netplan_init(&plan);
	config_register_keys("net.", conf_net);
	config_register_keys("watchdog.", conf_watchdog);
}

static int step_network(char *err, size_t errlen)
{
	struct net_plan p = plan; /* a retry starts from the configuration again */
	if (cfg.ip_arg[0] && ipconf_parse(&p, cfg.ip_arg, err, errlen) < 0)
		return -EINVAL;
	int r = netconf_apply(&p, err, errlen);
	if (r < 0)
		return r;
	/* a hostname given in ip= names the node when nothing else does */
	if (p.hostname[0] && !cfg.hostname[0])
		snprintf(cfg.hostname, sizeof cfg.hostname, "%s", p.hostname);
	return 0;
}

static int step_watchdog(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	/* only the machine's init owns the watchdog; a test instance must not */
	if (!wd_enabled || getpid() != 1 || !cfg.do_reboot)
		return 0;
	int r = watchdog_start(wd_path, wd_timeout_s);
	if (r < 0)
		log_err("watchdog %s unusable (%s); running without one", wd_path, strerror(-r));
	return 0;
}

static int cmd_net(struct ctl_req *req)
{
	struct json_writer *w = req->w;
	json_w_obj_begin(w);
	json_w_key(w, "watchdog");
	if (watchdog_active()) {
		json_w_obj_begin(w);
		json_w_key(w, "device");
		json_w_string(w, wd_path);
		json_w_key(w, "timeout_s");
		json_w_u64(w, watchdog_timeout());
		json_w_obj_end(w);
	} else {
		json_w_null(w);
	}
	json_w_obj_end(w);
	return 0;
}

void network_init(void)
{
	boot_add_step(PHASE_INIT_HARDWARE, "watchdog", step_watchdog);
	boot_add_step(PHASE_CONFIGURE_NETWORK, "network", step_network);
	control_register("watchdog", cmd_net, "watchdog: the watchdog device and its timeout");
}

void network_after_reexec(void)
{
	/* the old image's watchdog fd closed at exec without the magic close,
	 * so the watchdog runs on: open it again before it expires */
	step_watchdog(NULL, 0);
}
