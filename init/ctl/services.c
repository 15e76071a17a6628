/*
 * The supervisor's control commands (pactctl services, start, stop,
 * restart, logs) and its line in pactctl status: what a site admin sees of
 * each service. The state machine itself lives in supervise.c.
 */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "ctl/metrics.h"
#include "lib/fileio.h"
#include "lib/table.h"
#include "node/hardware.h"
#include "lib/json.h"
#include "lib/loop.h"
#include "node/power.h"
#include "supervise/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOGS_REPLY_MAX 60000 /* a logs reply's text, escaped: within one frame */

static struct svc *find_svc(struct ctl_req *req)
{
	if (req->argc < 1) {
		ctl_fail(req, "Usage", "%s: which service?", req->command);
		return NULL;
	}
	struct svc *s = svc_find(req->argv[0]);
	if (!s)
		ctl_fail(req, "NotFound", "no service named '%s'", req->argv[0]);
	return s;
}

static void write_svc(struct json_writer *w, struct svc *s)
{
	struct cg_metrics m = {0};
	if (s->have_scope)
		cg_read_metrics(&node_cg, s->scope.rel, &m);
	json_w_obj_begin(w);
	json_w_key(w, "name");
	json_w_string(w, s->u->name);
	json_w_key(w, "state");
	json_w_string(w, s->u->load_state == UNIT_LOADED ? svc_state_name(s->state) : "load-error");
	json_w_key(w, "pid");
	if (s->pid > 0)
		json_w_i64(w, s->pid);
	else
		json_w_null(w);
	json_w_key(w, "slice");
	json_w_string(w, unit_slice_path(s->u->slice));
	json_w_key(w, "scope");
	json_w_string_or_null(w, s->have_scope ? s->scope.rel : NULL);
	char now[CG_PATH_MAX]; /* where the main process is (it may have left its scope) */
	json_w_key(w, "cgroup");
	json_w_string_or_null(w, svc_follow_cgroup(s, now, sizeof now) == 0 ? now : NULL);
	json_w_key(w, "restarts");
	json_w_u64(w, s->restarts);
	json_w_key(w, "memory_bytes");
	json_w_u64(w, m.memory_current);
	json_w_key(w, "cpu_usec");
	json_w_u64(w, m.cpu_usage_usec);
	json_w_key(w, "tasks"); /* pids.current; without the pids controller, its processes */
	json_w_u64(w, m.pids_set ? m.pids_current : m.nr_processes);
	json_w_key(w, "oom_kills");
	json_w_u64(w, s->oom_kills + m.oom_kills); /* earlier scopes and this one */
	json_w_key(w, "ready");
	json_w_bool(w, s->state == SVC_RUNNING || s->state == SVC_EXITED);
	json_w_key(w, "type");
	json_w_string(w, unit_type_name(s->u->type));
	json_w_key(w, "status"); /* the service's own words (sd_notify STATUS=) */
	json_w_string_or_null(w, s->status_text[0] ? s->status_text : NULL);
	char last[96] = "";
	if (s->last_status >= 0)
		svc_describe_status(s->last_status, last, sizeof last);
	json_w_key(w, "last_exit");
	json_w_string_or_null(w, last[0] ? last : NULL);
	json_w_key(w, "why");
	json_w_string_or_null(w, s->why[0] ? s->why : NULL);
	json_w_key(w, "since_ms"); /* how long ago its current run was started */
	if (s->started_ms && s->pid > 0)
		json_w_u64(w, now_ms() - s->started_ms);
	else
		json_w_null(w);
	json_w_key(w, "unit_file");
	json_w_string_or_null(w, s->u->source);
	json_w_key(w, "log_file");
	json_w_string(w, s->log.path);
	json_w_obj_end(w);
}

static int cmd_services(struct ctl_req *req)
{
	json_w_arr_begin(req->w);
	for (int i = 0; i < svc_count(); i++)
		write_svc(req->w, svc_at(i));
	json_w_arr_end(req->w);
	return 0;
}

static int cmd_start(struct ctl_req *req)
{
	struct svc *s = find_svc(req);
	if (!s)
		return -1;
	if (s->u->load_state != UNIT_LOADED)
		return ctl_fail(req, "LoadError", "%s", s->u->load_error);
	if (power_pending())
		return ctl_fail(req, "ShuttingDown", "the node is shutting down");
	if (svc_admin_start(s) < 0)
		return ctl_fail(req, "StartFailed", "%s: %s", s->u->name, s->why);
	write_svc(req->w, s);
	return 0;
}

static int cmd_stop(struct ctl_req *req)
{
	struct svc *s = find_svc(req);
	if (!s)
		return -1;
	svc_admin_stop(s);
	write_svc(req->w, s);
	return 0;
}

static int cmd_restart(struct ctl_req *req)
{
	struct svc *s = find_svc(req);
	if (!s)
		return -1;
	if (s->u->load_state != UNIT_LOADED)
		return ctl_fail(req, "LoadError", "%s", s->u->load_error);
	svc_admin_restart(s);
	write_svc(req->w, s);
	return 0;
}

static int cmd_reload(struct ctl_req *req)
{
	struct svc *s = find_svc(req);
	if (!s)
		return -1;
	char err[256];
	if (svc_reload(s, err, sizeof err) < 0)
		return ctl_fail(req, "ReloadFailed", "%s", err);
	write_svc(req->w, s);
	return 0;
}

/* The last cap-1 bytes of a file (a log is up to log.max_bytes, far
 * more than a reply holds), from the start of a line. */
static ssize_t read_tail(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	off_t from = 0;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t)(cap - 1))
		from = st.st_size - (off_t)(cap - 1);
	size_t used = 0;
	while (used < cap - 1) {
		ssize_t n = pread(fd, buf + used, cap - 1 - used, from + (off_t)used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close_fd(fd);
	buf[used] = '\0';
	char *nl = from > 0 ? memchr(buf, '\n', used) : NULL;
	if (nl) { /* drop the partial first line */
		used -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, used + 1);
	}
	return (ssize_t)used;
}

/* The last lines of text[..end) that fit a reply once escaped: a line of
 * control characters (colours) takes up to six times its size in JSON. */
static const char *fit_escaped(const char *text, const char *end)
{
	size_t cost = json_escaped_len(text, (size_t)(end - text));
	while (cost > LOGS_REPLY_MAX) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		const char *next = nl ? nl + 1 : end;
		cost -= json_escaped_len(text, (size_t)(next - text));
		text = next;
	}
	return text;
}

static int cmd_logs(struct ctl_req *req)
{
	struct svc *s = find_svc(req);
	if (!s)
		return -1;
	const char *lines = ctl_opt(req, "--lines");
	long want = lines ? atol(lines) : 50;
	static char text[LOGS_REPLY_MAX] PAGE_ALIGNED;
	ssize_t n = read_tail(s->log.path, text, sizeof text);
	if (n < 0)
		return ctl_fail(req, "NotFound", "%s: %s", s->log.path, strerror((int)-n));
	/* a NUL a service wrote would end the string: sent as U+FFFD, like
	 * any other byte that is not UTF-8 */
	for (ssize_t i = 0; i < n; i++)
		if (text[i] == '\0')
			text[i] = (char)0xff;
	/* the file is capped; send its last lines that fit */
	char *start = text + n;
	for (long k = 0; start > text && k <= want; start--)
		if (start[-1] == '\n' && ++k > want)
			break;
	const char *from = fit_escaped(start, text + n);
	json_w_string_n(req->w, from, (size_t)(text + n - from));
	return 0;
}

static void status_counts(struct json_writer *w)
{
	int running = 0, failed = 0, restarting = 0, skipped = 0;
	for (int i = 0; i < svc_count(); i++) {
		skipped += svc_at(i)->state == SVC_SKIPPED;
		running += svc_at(i)->state == SVC_RUNNING;
		failed += svc_at(i)->state == SVC_FAILED;
		restarting += svc_at(i)->state == SVC_RESTART_WAIT;
	}
	json_w_key(w, "services");
	json_w_obj_begin(w);
	json_w_key(w, "total");
	json_w_u64(w, (uint64_t)svc_count());
	json_w_key(w, "running");
	json_w_u64(w, (uint64_t)running);
	json_w_key(w, "failed");
	json_w_u64(w, (uint64_t)failed);
	json_w_key(w, "restarting");
	json_w_u64(w, (uint64_t)restarting);
	json_w_key(w, "skipped");
	json_w_u64(w, (uint64_t)skipped);
	/* ready but degraded: services that are not required have failed */
	json_w_key(w, "degraded");
	json_w_u64(w, (uint64_t)svc_degraded());
	/* the ones to look at, and why (the first 16: status stays small) */
	json_w_key(w, "trouble");
	json_w_arr_begin(w);
	for (int i = 0, shown = 0; i < svc_count() && shown < 16; i++) {
		const struct svc *s = svc_at(i);
		if ((s->state != SVC_FAILED && s->state != SVC_RESTART_WAIT) || !s->why[0])
			continue;
		json_w_obj_begin(w);
		json_w_key(w, "name");
		json_w_string(w, s->u->name);
		json_w_key(w, "state");
		json_w_string(w, svc_state_name(s->state));
		json_w_key(w, "why");
		json_w_string(w, s->why);
		json_w_obj_end(w);
		shown++;
	}
	json_w_arr_end(w);
	json_w_obj_end(w);
}

static void service_metrics(struct metrics_out *m)
{
	metrics_family(m, "pact_service_state", "gauge",
		       "1 for the state each service is in (one sample per service and state)");
	for (int i = 0; i < svc_count(); i++) {
		const struct svc *s = svc_at(i);
		for (int st = 0; st <= SVC_SKIPPED; st++) {
			const char *l[] = {"service", s->u->name, "state",
					   svc_state_name((enum svc_state)st), NULL};
			metrics_sample_u64(m, "pact_service_state", l,
					   s->state == (enum svc_state)st);
		}
	}
	metrics_family(
	    m, "pact_services_degraded", "gauge",
	    "services not required for readiness that have failed (the node is degraded)");
	metrics_sample_u64(m, "pact_services_degraded", NULL, (uint64_t)svc_degraded());
	metrics_family(m, "pact_service_restarts_total", "counter", "restarts of each service");
	for (int i = 0; i < svc_count(); i++) {
		const char *l[] = {"service", svc_at(i)->u->name, NULL};
		metrics_sample_u64(m, "pact_service_restarts_total", l, svc_at(i)->restarts);
	}
	metrics_family(m, "pact_service_oom_kills_total", "counter",
		       "OOM kills in each service's scopes, across restarts");
	for (int i = 0; i < svc_count(); i++) {
		const char *l[] = {"service", svc_at(i)->u->name, NULL};
		metrics_sample_u64(m, "pact_service_oom_kills_total", l, svc_at(i)->oom_kills);
	}
}

int ctl_services_init(void)
{
	metrics_register(service_metrics);
	ctl_register("services", cmd_services, "services: state, pid, scope, restarts, memory");
	ctl_register("start", cmd_start, "start SERVICE");
	ctl_register("stop", cmd_stop, "stop SERVICE");
	ctl_register("restart", cmd_restart, "restart SERVICE");
	ctl_register("reload", cmd_reload, "reload SERVICE: run its ExecReload=");
	ctl_register("logs", cmd_logs, "logs SERVICE [--lines N]: the end of its log");
	ctl_status_add(status_counts);
	return 0;
}
