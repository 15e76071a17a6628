/*
 * The services at boot: init.conf's keys, the loading of the units, the
 * StartServices step and its verdict (which services must be ready), and
 * the sd_notify messages that make a Type=notify service ready.
 */
#include "supervise/supervise_int.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "node/boot.h"
#include "node/hardware.h"
#include "node/power.h"
#include "supervise/notify.h"
#include "supervise/svc_child.h"
#include "supervise/svc_exec.h"
#include "supervise/svc_kinds.h"
#include "supervise/svc_units.h"
#include "supervise/svc_system_slice.h"
#include "supervise/svc_tasks.h"
#include "supervise/svclog.h"
#include "units/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_INSTANCES 32

static char instances[MAX_INSTANCES][UNIT_NAME_MAX] PAGE_ALIGNED;
static int n_instances;
static char required[512] = "target";
static char services_dir[256]; /* "" = <config_dir>/services */
static int system_slice;       /* services_system_slice = yes */
static int boot_waiting;
static int services_began; /* StartServices ran once: units may start */
/* Inside step_services: a verdict reached there is its return value, not a
 * boot_step_finished() call (boot.c would count the step done twice). */
static int in_step, step_result;
static char step_reason[1024];

/* ---- sd_notify ---- */

/* The service whose main process is pid or pid's parent (`pactctl
 * notify` run by it), wherever it runs: it may have left its scope. */
static struct svc *svc_of_main(pid_t pid)
{
	char path[64], text[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	const char *p = read_file(path, text, sizeof text) > 0 ? strrchr(text, ')') : NULL;
	pid_t ppid = p ? (pid_t)atoi(p + 4) : 0; /* ") S <ppid>" */
	for (int i = 0; i < svc_n; i++)
		if (svc_table[i].pid > 0 && (svc_table[i].pid == pid || svc_table[i].pid == ppid))
			return &svc_table[i];
	return NULL;
}

static struct svc *svc_of_pid(pid_t pid)
{
	struct svc *main = svc_of_main(pid);
	if (main)
		return main;
	char path[64], text[512];
	snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
	if (read_file(path, text, sizeof text) <= 0)
		return NULL;
	char *p = strstr(text, "0::/");
	if (!p)
		return NULL;
	p += 4;
	p[strcspn(p, "\n")] = '\0';
	for (int i = 0; i < svc_n; i++) {
		const struct svc *s = &svc_table[i];
		size_t l = strlen(s->scope.rel);
		/* the scope itself or a cgroup below it */
		if (s->have_scope && strncmp(p, s->scope.rel, l) == 0 &&
		    (p[l] == '\0' || p[l] == '/'))
			return &svc_table[i];
	}
	return NULL;
}

static int on_notify(pid_t sender, char *msg, size_t len)
{
	(void)len;
	struct svc *s = svc_of_pid(sender);
	if (!s)
		return -ESRCH; /* said by the notify server, rate-limited */
	char v[128];
	if (notify_get(msg, "STATUS", v, sizeof v))
		snprintf(s->status_text, sizeof s->status_text, "%s", v);
	if (notify_get(msg, "MAINPID", v, sizeof v))
		log_info("service %s: MAINPID=%s noted (the supervised pid stays %d)", s->u->name,
			 v, s->pid);
	unsigned long long usec;
	if (notify_get(msg, "WATCHDOG_USEC", v, sizeof v) && parse_u64(v, &usec) == 0)
		svc_watchdog_ping(s, usec);
	else if (notify_get(msg, "WATCHDOG", v, sizeof v) && strcmp(v, "1") == 0)
		svc_watchdog_ping(s, 0);
	if (notify_get(msg, "EXTEND_TIMEOUT_USEC", v, sizeof v) && parse_u64(v, &usec) == 0) {
		struct timer *t = s->state == SVC_STARTING   ? &s->start_timer
				  : s->state == SVC_STOPPING ? &s->stop_timer
							     : NULL;
		if (t && timer_armed(t)) /* the running timeout waits that much longer from now */
			timer_arm(t, (usec + 999) / 1000, t->cb, t->ctx);
	}
	if (notify_get(msg, "READY", v, sizeof v) && strcmp(v, "1") == 0 &&
	    s->state == SVC_STARTING && s->ctl_kind == UNIT_CMD_START && s->pid > 0)
		svc_became_ready(s, "READY=1");
	return 0;
}

/* ---- boot ---- */

static int is_required(const struct svc *s)
{
	if (strcmp(required, "target") == 0) /* what is enabled into the node's target */
		return s->u->in_target;
	if (strcmp(required, "all") == 0)
		return 1;
	if (strcmp(required, "none") == 0)
		return 0;
	char base[UNIT_NAME_MAX];
	svc_base_name(s, base, sizeof base);
	for (const char *p = required; *p;) {
		size_t n = strcspn(p, " ,");
		if ((n == strlen(base) && strncmp(p, base, n) == 0) ||
		    (n == strlen(s->u->name) && strncmp(p, s->u->name, n) == 0))
			return 1;
		p += n;
		p += strspn(p, " ,");
	}
	return 0;
}

int svc_services_began(void)
{
	return services_began;
}

int svc_is_required(const struct svc *s)
{
	return is_required(s);
}

/* Not ready, and not because a condition skipped it. */
static int svc_ok(const struct svc *s)
{
	return s->state == SVC_RUNNING || s->state == SVC_EXITED || s->state == SVC_SKIPPED;
}

int svc_degraded(void)
{
	int n = 0;
	for (int i = 0; i < svc_n; i++)
		n += !svc_ok(&svc_table[i]) && svc_table[i].settled && !svc_table[i].admin_stop &&
		     !is_required(&svc_table[i]);
	return n;
}

/*
 * The boot waits for the services that decide readiness (services_required;
 * by default `target`: the units enabled into the node's target, as the
 * unit set marks them) until each is ready or has failed; a service that
 * is not required is waited for only while its first start runs (one
 * waiting behind a crash-looping dependency, or crash-looping itself,
 * does not hold the node). A failed one that is not required leaves the node ready but
 * degraded. The reason names every failing service first, then why.
 */
void svc_check_boot(void)
{
	if (!boot_waiting)
		return;
	char names[400] = "", whys[560] = "";
	size_t nu = 0, wu = 0;
	int nfailed = 0;
	for (int i = 0; i < svc_n; i++) {
		const struct svc *s = &svc_table[i];
		if (!s->u->boot)
			continue; /* started by a socket, a timer or a request */
		int ok = svc_ok(s), req = is_required(s);
		if (!ok && !s->settled && (req || s->state == SVC_STARTING))
			return; /* still starting */
		if (ok || !req || !s->settled)
			continue;
		nfailed++;
		if (nu < sizeof names)
			nu += (size_t)snprintf(names + nu, sizeof names - nu, "%s%s",
					       nu ? ", " : "", s->u->name);
		if (wu < sizeof whys)
			wu += (size_t)snprintf(whys + wu, sizeof whys - wu, "%s%s: %s",
					       wu ? "; " : "", s->u->name, s->why);
	}
	boot_waiting = 0;
	step_result = nfailed ? -EIO : 0;
	snprintf(step_reason, sizeof step_reason, "%d services failed: %s (%s)", nfailed, names,
		 whys);
	if (nfailed)
		log_err("services: %s", step_reason);
	else if (svc_degraded())
		log_warn("services: %d not required failed: the node is ready but degraded",
			 svc_degraded());
	if (!in_step)
		boot_step_finished(step_result, nfailed ? step_reason : NULL);
}

int svc_step_start(char *err, size_t errlen)
{
	/* a retry of the phase gives failed services another try */
	for (int i = 0; i < svc_n; i++) {
		if (svc_table[i].state == SVC_FAILED && !svc_table[i].admin_stop) {
			svc_table[i].state = SVC_INACTIVE;
			svc_table[i].settled = 0;
			svc_table[i].limit_since = 0;
		}
	}
	svc_tasks_apply(); /* the slices exist by now (InitHardware) */
	svc_system_slice_make(system_slice);
	boot_waiting = 1;
	step_result = 0;
	in_step = 1;
	services_began = 1;
	svc_start_ready();
	in_step = 0;
	if (boot_waiting)
		return 1; /* svc_check_boot() finishes the step later */
	if (step_result < 0)
		snprintf(err, errlen, "%s", step_reason);
	return step_result;
}

/* ---- configuration and init ---- */

static int conf_key(const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "instances") == 0) {
		char buf[1024];
		snprintf(buf, sizeof buf, "%s", value);
		n_instances = 0;
		for (char *save, *w = strtok_r(buf, " \t,", &save); w;
		     w = strtok_r(NULL, " \t,", &save)) {
			if (n_instances == MAX_INSTANCES || strlen(w) >= UNIT_NAME_MAX)
				return snprintf(err, errlen, "too many or too long"), -E2BIG;
			snprintf(instances[n_instances++], UNIT_NAME_MAX, "%s", w);
		}
		return 0;
	}
	if (strcmp(key, "services_tasks_max") == 0)
		return svc_tasks_conf(value, err, errlen);
	if (strcmp(key, "services_required") == 0) {
		snprintf(required, sizeof required, "%s", value);
		return 0;
	}
	if (strcmp(key, "services_system_slice") == 0) {
		int b = unit_parse_bool(value);
		if (b < 0)
			return snprintf(err, errlen, "yes or no"), -EINVAL;
		system_slice = b;
		return 0;
	}
	if (strcmp(key, "services_dir") == 0) {
		if ((size_t)snprintf(services_dir, sizeof services_dir, "%s", value) >=
		    sizeof services_dir) {
			services_dir[0] = '\0';
			return snprintf(err, errlen, "path too long"), -ENAMETOOLONG;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

void svc_register_config(void)
{
	config_register_keys("instances", conf_key);
	config_register_keys("services_", conf_key);
	svc_child_register_config();
	svc_units_register_config();
}

/* ---- units without a process (svc_kinds.c) ---- */

static void kind_ready(struct svc *s, const char *how)
{
	s->state = SVC_STARTING;
	svc_became_ready(s, how);
}

static void kind_failed(struct svc *s, const char *why)
{
	svc_failed(s, "%s", why);
}

/* A socket or a timer starts its service, unless it runs or was stopped
 * by the operator. */
static void kind_activate(const char *service, const char *by)
{
	struct svc *s = svc_find(service), *trigger = svc_find(by);
	if (power_pending() || (trigger && trigger->state != SVC_RUNNING))
		return; /* shutting down, or the socket or timer was stopped */
	if (!s || s->u->load_state != UNIT_LOADED) {
		log_warn("%s: its service %s is not loaded", by, service);
		return;
	}
	if (s->admin_stop || s->state == SVC_STARTING || s->state == SVC_RUNNING ||
	    s->state == SVC_STOPPING || s->state == SVC_RESTART_WAIT)
		return;
	s->state = SVC_INACTIVE;
	svc_start(s);
}

static const struct svc_kind_ops kind_ops = {kind_ready, kind_failed, kind_activate};

void svc_slot_init(int i)
{
	char logs[512], base[UNIT_NAME_MAX];
	struct svc *s = &svc_table[i];
	memset(s, 0, sizeof *s);
	s->u = &svc_units[i];
	s->last_status = -1;
	run_path(logs, sizeof logs, "logs");
	svc_base_name(s, base, sizeof base);
	/* its pipe may have come across a re-exec; else a new one */
	if (svclog_restore(&s->log, logs, base, s->u->name) < 0 &&
	    svclog_open(&s->log, logs, base) < 0)
		log_warn("service %s: no log capture", s->u->name);
	if (s->u->load_state != UNIT_LOADED) {
		snprintf(s->why, sizeof s->why, "%s", s->u->load_error);
		s->state = SVC_FAILED;
		s->settled = 1;
	}
}

void svc_init(void)
{
	char dir[512], logs[512];
	if (services_dir[0] == '/')
		path_fmt(dir, sizeof dir, "%s", services_dir);
	else /* relative to the configuration directory, like the default */
		path_fmt(dir, sizeof dir, "%s/%s", cfg.config_dir,
			 services_dir[0] ? services_dir : "services");
	run_path(logs, sizeof logs, "logs");
	mkdir_p(logs, 0755);
	const char *inst[MAX_INSTANCES];
	for (int i = 0; i < n_instances; i++)
		inst[i] = instances[i];
	struct unit_diag diag = {0};
	int n = svc_units_load(dir, inst, n_instances, svc_units, UNITS_MAX, &diag);
	svc_n = n;
	/* the slots past n held units the load dropped (targets nothing orders) */
	table_release_tail(svc_units, (size_t)n * sizeof svc_units[0], sizeof svc_units);
	svc_kinds_init(&kind_ops);
	depgraph_build(&svc_graph, svc_units, n);
	for (int i = 0; i < n; i++)
		svc_slot_init(i);
	log_info("services: %d loaded from %s (%d errors, %d warnings)", n, dir, diag.nerr,
		 diag.nwarn);
	svc_tasks_apply(); /* after a re-exec: for the services it restarts */
	if (notify_init(on_notify) < 0)
		log_err("notify socket unavailable: Type=notify services cannot signal readiness");
}
