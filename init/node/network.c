/*
 * The network phase: the plan comes from init.conf's net.* keys and the
 * kernel's ip= (which wins for its device); lo always comes up, with one
 * netlink request from PID 1 when nothing else is configured. Applying more
 * blocks for up to the carrier timeout (net.carrier_timeout_ms) plus
 * bounded netlink round trips, so it runs in a forked child: the event loop
 * goes on petting the watchdog (whatever its timeout) and answering the
 * control and readiness sockets meanwhile. The child shares our network
 * namespace and reports through a pipe: its error line, or on success the
 * device it chose for an ip= that names none. Interfaces whose address
 * comes from DHCP are only brought up by the child; their clients then run
 * in this process's loop (network_dhcp.c) and the step ends when each has
 * a lease, or fails after net.dhcp_timeout_ms (F28). The watchdog is
 * opened in InitHardware when we are the machine's PID 1; power.c disarms
 * it with the magic close right before reboot(2).
 */
#include "node/network.h"
#include "node/boot.h"
#include "node/network_dhcp.h"
#include "lib/config.h"
#include "os/netplan.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "os/netconf.h"
#include "os/watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child bounds itself (carrier deadline + NL_TIMEOUT_MS per request);
 * this is the parent's backstop on top of the carrier deadline. */
#define NET_CHILD_SLACK_MS 30000u

static struct net_plan plan;
static struct net_plan step_plan; /* the plan of the running step, ip= and BOOTIF= in */
static char cmdline_host[NET_HOSTNAME_MAX + 1]; /* ip='s host name field */
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

static pid_t net_pid;
static int net_pipe = -1;
static int net_timed_out;
static struct timer net_deadline;

/* In the child: apply, send the error line or the device chosen, exit
 * with the errno. */
static void net_child(struct net_plan *p, int wfd)
{
	char err[NET_ERR_MAX] = "";
	int r = 0;
	if (p->has_cmdline && !p->cmdline.ifname[0])
		r = net_pick_device(p, p->cmdline.ifname, (int)p->carrier_timeout_ms, err,
				    sizeof err);
	if (r == 0)
		r = net_apply(p, err, sizeof err);
	const char *say = r < 0 ? err : p->cmdline.ifname;
	(void)write_all(wfd, say, strlen(say));
	_exit(r < 0 ? (-r < 256 ? -r : EIO) : 0); /* child */
}

/* The child configured what is static: the DHCP clients take over. */
static void start_dhcp(const char *picked)
{
	struct net_plan *p = &step_plan;
	struct net_iface ifs[NET_MAX_IFACES + 1];
	if (p->has_cmdline && !p->cmdline.ifname[0] && strlen(picked) < sizeof p->cmdline.ifname)
		memcpy(p->cmdline.ifname, picked, strlen(picked) + 1);
	int n = netplan_interfaces(p, ifs, NET_MAX_IFACES + 1);
	network_dhcp_set_static(p, p->cmdline.ifname, cmdline_host);
	network_dhcp_publish(); /* ip='s name and time servers, if it gave any */
	network_dhcp_acquire(ifs, n < 0 ? 0 : n, p->dhcp_timeout_ms, boot_step_finished);
}

static void net_child_done(void *ctx, pid_t pid, int status)
{
	(void)ctx;
	(void)pid;
	timer_cancel(&net_deadline);
	char err[NET_ERR_MAX + 64] = "";
	ssize_t n = read(net_pipe, err, NET_ERR_MAX - 1); /* all it wrote is there */
	err[n > 0 ? n : 0] = '\0';
	close_fd(net_pipe);
	net_pipe = -1;
	net_pid = 0;
	int r = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		start_dhcp(err);
		return;
	}
	if (WIFEXITED(status)) {
		r = -WEXITSTATUS(status);
		if (!err[0])
			snprintf(err, sizeof err, "network configuration: %s", strerror(-r));
	} else {
		r = net_timed_out ? -ETIMEDOUT : -EINTR;
		snprintf(err, sizeof err, "network configuration %s (signal %d)",
			 net_timed_out ? "timed out" : "was killed",
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	boot_step_finished(r, err);
}

static void net_child_timeout(void *ctx)
{
	(void)ctx;
	if (net_pid > 0) {
		log_err("network: configuration still running after its deadline; killing pid %d",
			(int)net_pid);
		net_timed_out = 1;
		kill(net_pid, SIGKILL); /* net_child_done reports it when reaped */
	}
}

/* The plan with the command line's ip= and BOOTIF= in. */
static int cmdline_plan(struct net_plan *p, char *err, size_t errlen)
{
	*p = plan; /* a retry starts from the configuration again */
	if (cfg.ip_arg[0] && netplan_parse_ip(p, cfg.ip_arg, err, errlen) < 0)
		return -EINVAL;
	if (cfg.bootif[0] && netplan_parse_bootif(p, cfg.bootif, err, errlen) < 0)
		return -EINVAL;
	snprintf(cmdline_host, sizeof cmdline_host, "%s", p->hostname);
	return 0;
}

const char *network_cmdline_hostname(void)
{
	return cmdline_host[0] ? cmdline_host : NULL;
}

/* Nothing but lo: one netlink request from here, no child to fork (and
 * nothing that could block). */
static int lo_only(char *err, size_t errlen)
{
	int r = net_lo_up(err, errlen);
	if (r < 0)
		return r;
	network_dhcp_set_static(&step_plan, "", cmdline_host);
	network_dhcp_publish();
	return 0;
}

int network_step_configure(char *err, size_t errlen)
{
	if (cmdline_plan(&step_plan, err, errlen) < 0)
		return -EINVAL;
	struct net_iface ifs[NET_MAX_IFACES + 1];
	if (!step_plan.has_cmdline && netplan_interfaces(&step_plan, ifs, NET_MAX_IFACES + 1) == 0)
		return lo_only(err, errlen);
	struct net_plan p = step_plan;
	int fds[2];
	/* the read end does not block: a child forked meanwhile (before its
	 * exec) may still hold the write end when ours is reaped */
	if (pipe2(fds, O_CLOEXEC) < 0) {
		int e = errno;
		snprintf(err, errlen, "network: pipe: %s", strerror(e));
		return -e;
	}
	(void)fcntl(fds[0], F_SETFL, O_NONBLOCK); /* cannot fail on a fresh pipe */
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close_fd(fds[0]);
		close_fd(fds[1]);
		snprintf(err, errlen, "network: fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		close(fds[0]);
		net_child(&p, fds[1]);
	}
	close_fd(fds[1]);
	net_pipe = fds[0];
	net_pid = pid;
	net_timed_out = 0;
	if (loop_watch_child(pid, net_child_done, NULL) < 0) {
		/* cannot learn when it ends: wait for it here, it is bounded */
		int status = 0;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		net_child_done(NULL, pid, status);
		return 1;
	}
	timer_arm(&net_deadline, (uint64_t)p.carrier_timeout_ms + NET_CHILD_SLACK_MS,
		  net_child_timeout, NULL);
	return 1; /* net_child_done() finishes the step */
}

int network_step_watchdog(char *err, size_t errlen)
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

const char *network_watchdog_path(void)
{
	return wd_path;
}

void network_after_reexec(void)
{
	/* the old image's watchdog fd closed at exec without the magic close,
	 * so the watchdog runs on: open it again before it expires */
	network_step_watchdog(NULL, 0);
	/* the leases go on being kept; ip= says again what it adds to them */
	char err[NET_ERR_MAX];
	struct net_iface ifs[NET_MAX_IFACES + 1];
	if (cmdline_plan(&step_plan, err, sizeof err) < 0)
		return;
	struct net_iface *c = &step_plan.cmdline;
	if (step_plan.has_cmdline && !c->ifname[0]) /* the child chose it: again, the same */
		(void)net_pick_device(&step_plan, c->ifname, 0, err, sizeof err);
	int n = netplan_interfaces(&step_plan, ifs, NET_MAX_IFACES + 1);
	network_dhcp_set_static(&step_plan, step_plan.cmdline.ifname, cmdline_host);
	network_dhcp_restore(ifs, n < 0 ? 0 : n);
}
