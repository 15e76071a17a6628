/*
 * Metrics in the Prometheus text format. The families here are the ones
 * this file can see by itself (boot phases, readiness, scopes under both
 * slices, uenv mounts, the notify socket's rate limit); the services' come
 * from ctl/services.c.
 * Rendering is bounded by the caller's buffer; an overflow is reported,
 * never a partial family silently.
 */
#include "ctl/metrics.h"
#include "node/boot.h"
#include "lib/config.h"
#include "ctl/control.h"
#include "node/emergency.h"
#include "lib/fileio.h"
#include "node/hardware.h"
#include "lib/log.h"
#include "lib/table.h"
#include "lib/utf8.h"
#include "lib/loop.h"
#include "node/uenv_node.h"
#include "os/syslog_fwd.h"
#include "supervise/notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define METRICS_MAX 60000

static metrics_fn fns[METRICS_MAX_FAMILIES];
static int n_fns;
static char textfile[256];
static unsigned interval_s = 30;
static struct timer textfile_timer;

int metrics_register(metrics_fn fn)
{
	int i = table_slot(&n_fns, METRICS_MAX_FAMILIES, "metrics producers", NULL);
	if (i >= 0)
		fns[i] = fn;
	return i < 0 ? i : 0;
}

static void put(struct metrics_out *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct metrics_out *m, const char *fmt, ...)
{
	if (m->overflow)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(m->buf + m->len, m->cap - m->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= m->cap - m->len) {
		m->overflow = 1;
		return;
	}
	m->len += (size_t)n;
}

void metrics_family(struct metrics_out *m, const char *name, const char *type, const char *help)
{
	put(m, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* label values: backslash, double quote and newline are escaped, and a
 * byte that is not UTF-8 (a cgroup name can be anything) is U+FFFD: the
 * exposition format is UTF-8 */
static void put_label_value(struct metrics_out *m, const char *v)
{
	for (size_t left = strlen(v); left && !m->overflow;) {
		size_t k = utf8_seq((const unsigned char *)v, left);
		if (*v == '\\' || *v == '"')
			put(m, "\\%c", *v);
		else if (*v == '\n')
			put(m, "\\n");
		else if (k == 0)
			put(m, UTF8_REPLACEMENT);
		else
			put(m, "%.*s", (int)k, v);
		k = k ? k : 1;
		v += k;
		left -= k;
	}
}

static void put_labels(struct metrics_out *m, const char *const *labels)
{
	if (!labels || !labels[0])
		return;
	put(m, "{");
	for (int i = 0; labels[i] && labels[i + 1]; i += 2) {
		put(m, "%s%s=\"", i ? "," : "", labels[i]);
		put_label_value(m, labels[i + 1]);
		put(m, "\"");
	}
	put(m, "}");
}

void metrics_sample(struct metrics_out *m, const char *name, const char *const *labels,
		    double value)
{
	put(m, "%s", name);
	put_labels(m, labels);
	put(m, " %.9g\n", value);
}

void metrics_sample_u64(struct metrics_out *m, const char *name, const char *const *labels,
			uint64_t value)
{
	put(m, "%s", name);
	put_labels(m, labels);
	put(m, " %llu\n", (unsigned long long)value);
}

static void boot_metrics(struct metrics_out *m)
{
	metrics_family(m, "pact_ready", "gauge", "1 when every boot phase succeeded");
	metrics_sample_u64(m, "pact_ready", NULL, (uint64_t)boot_is_ready());
	metrics_family(m, "pact_emergency", "gauge", "1 while an emergency is declared");
	metrics_sample_u64(m, "pact_emergency", NULL, (uint64_t)emergency_active());
	metrics_family(m, "pact_boot_phase_seconds", "gauge",
		       "time each boot phase took, waits on services included");
	for (int p = 0; p < PHASE_COUNT; p++) {
		const struct phase_record *r = boot_phase_record((enum boot_phase)p);
		const char *l[] = {"phase", boot_phase_name((enum boot_phase)p), NULL};
		uint64_t d = elapsed(r->start_ms, r->end_ms);
		metrics_sample(m, "pact_boot_phase_seconds", l, (double)d / 1000.0);
	}
	metrics_family(m, "pact_boot_phase_wait_seconds", "gauge",
		       "time each boot phase spent waiting on services");
	for (int p = 0; p < PHASE_COUNT; p++) {
		const struct phase_record *r = boot_phase_record((enum boot_phase)p);
		const char *l[] = {"phase", boot_phase_name((enum boot_phase)p), NULL};
		metrics_sample(m, "pact_boot_phase_wait_seconds", l, (double)r->wait_ms / 1000.0);
	}
}

static void control_metrics(struct metrics_out *m)
{
	struct ctl_counters c;
	ctl_counters(&c);
	metrics_family(m, "pact_control_refused_total", "counter",
		       "control clients refused, by reason");
	const char *not_root[] = {"reason", "not_root", NULL};
	const char *no_fds[] = {"reason", "out_of_fds", NULL};
	metrics_sample_u64(m, "pact_control_refused_total", not_root, c.refused_not_root);
	metrics_sample_u64(m, "pact_control_refused_total", no_fds, c.refused_no_fds);
	metrics_family(m, "pact_control_timeouts_total", "counter",
		       "control clients closed at their request's deadline");
	metrics_sample_u64(m, "pact_control_timeouts_total", NULL, c.timed_out);
}

#define METRIC_SCOPES 64

struct scope_rows {
	char rel[METRIC_SCOPES][CG_PATH_MAX];
	int n;
};

static int add_scope(void *ctx, const char *rel)
{
	struct scope_rows *rows = ctx;
	if (rows->n == METRIC_SCOPES)
		return 1;
	snprintf(rows->rel[rows->n++], CG_PATH_MAX, "%s", rel);
	return 0;
}

static void scope_metrics(struct metrics_out *m)
{
	static struct scope_rows rows PAGE_ALIGNED;
	static struct cg_metrics cm[METRIC_SCOPES] PAGE_ALIGNED;
	rows.n = 0;
	cg_for_each_scope(&node_cg, "pact.slice", add_scope, &rows);
	cg_for_each_scope(&node_cg, "workload.slice", add_scope, &rows);
	for (int i = 0; i < rows.n; i++) {
		memset(&cm[i], 0, sizeof cm[i]);
		cg_read_metrics(&node_cg, rows.rel[i], &cm[i]);
	}
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
	    {"pact_scope_memory_bytes", "gauge", "memory.current of each scope (RI6: read-only)"},
	    {"pact_scope_cpu_seconds_total", "counter", "cpu.stat usage_usec of each scope"},
	    {"pact_scope_pids", "gauge", "processes in each scope (its own cgroup.procs)"},
	    {"pact_scope_oom_kills_total", "counter", "memory.events oom_kill of each scope"},
	};
	for (int f = 0; f < 4; f++) {
		metrics_family(m, fam[f].name, fam[f].type, fam[f].help);
		for (int i = 0; i < rows.n; i++) {
			const char *l[] = {"scope", rows.rel[i], NULL};
			if (f == 1) {
				metrics_sample(m, fam[f].name, l,
					       (double)cm[i].cpu_usage_usec / 1e6);
				continue;
			}
			uint64_t v = f == 0   ? cm[i].memory_current
				     : f == 2 ? cm[i].nr_processes
					      : cm[i].oom_kills;
			metrics_sample_u64(m, fam[f].name, l, v);
		}
	}
}

static int uenv_row(void *ctx, const struct uenv_info *in)
{
	struct metrics_out *m = ctx;
	const char *l[] = {"image", in->image, "mount_point", in->mount_point, NULL};
	metrics_sample_u64(m, "pact_uenv_refcount", l, in->refcount);
	return 0;
}

static void uenv_metrics(struct metrics_out *m)
{
	metrics_family(m, "pact_uenv_refcount", "gauge", "allocations using each uenv mount");
	uenv_foreach(&node_uenv, uenv_row, m);
}

static void notify_metrics(struct metrics_out *m)
{
	metrics_family(m, "pact_notify_dropped_total", "counter",
		       "sd_notify messages dropped: their uid was over its rate limit");
	metrics_sample_u64(m, "pact_notify_dropped_total", NULL, notify_dropped_total());
	metrics_family(m, "pact_notify_ignored_total", "counter",
		       "sd_notify messages ignored: from no service's scope, or too long");
	metrics_sample_u64(m, "pact_notify_ignored_total", NULL, notify_ignored_total());
}

/* log.remote (node/logs.c): what the syslog forwarder sent and dropped */
static void log_forward_metrics(struct metrics_out *m)
{
	struct syslog_fwd_stats st;
	syslog_fwd_get_stats(&st);
	const struct {
		const char *name, *type, *help;
		uint64_t v;
	} fam[] = {
	    {"pact_log_forward_up", "gauge",
	     "1 while the socket to log.remote's syslog server is usable", (uint64_t)st.up},
	    {"pact_log_forward_sent_total", "counter", "log messages sent to log.remote", st.sent},
	    {"pact_log_forward_dropped_total", "counter",
	     "log messages dropped: the queue for log.remote was full", st.dropped},
	    {"pact_log_forward_queued_bytes", "gauge", "bytes of log messages waiting to be sent",
	     st.queued_bytes},
	    {"pact_log_forward_reconnects_total", "counter",
	     "times forwarding resumed after the server or the network failed", st.reconnects},
	};
	for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++) {
		metrics_family(m, fam[i].name, fam[i].type, fam[i].help);
		metrics_sample_u64(m, fam[i].name, NULL, fam[i].v);
	}
}

int metrics_render(char *buf, size_t cap)
{
	struct metrics_out m = {buf, cap, 0, 0};
	buf[0] = '\0';
	for (int i = 0; i < n_fns; i++)
		fns[i](&m);
	return m.overflow ? -ENOSPC : (int)m.len;
}

static int cmd_metrics(struct ctl_req *req)
{
	static char text[METRICS_MAX] PAGE_ALIGNED;
	int n = metrics_render(text, sizeof text);
	if (n < 0)
		return ctl_fail(req, "Failed", "metrics larger than %d bytes", METRICS_MAX);
	json_w_string(req->w, text);
	return 0;
}

static void write_textfile(void *ctx)
{
	(void)ctx;
	static char text[METRICS_MAX] PAGE_ALIGNED;
	int n = metrics_render(text, sizeof text);
	int r = n < 0 ? n : write_file_atomic(textfile, text, (size_t)n, 0644);
	if (r < 0)
		log_warn("metrics: %s: %s", textfile, strerror(-r));
	timer_arm(&textfile_timer, (uint64_t)interval_s * 1000, write_textfile, NULL);
}

static int conf_metrics(const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "metrics.textfile") == 0) {
		if (value[0] != '/')
			return snprintf(err, errlen, "want an absolute path"), -EINVAL;
		snprintf(textfile, sizeof textfile, "%s", value);
		return 0;
	}
	if (strcmp(key, "metrics.interval_s") == 0) {
		unsigned long long v;
		if (parse_u64(value, &v) < 0 || v < 1 || v > 86400)
			return snprintf(err, errlen, "want seconds (1..86400)"), -EINVAL;
		interval_s = (unsigned)v;
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

void metrics_register_config(void)
{
	config_register_keys("metrics.", conf_metrics);
}

int metrics_init(void)
{
	metrics_register(boot_metrics);
	metrics_register(control_metrics);
	metrics_register(scope_metrics);
	metrics_register(uenv_metrics);
	metrics_register(notify_metrics);
	metrics_register(log_forward_metrics);
	ctl_register("metrics", cmd_metrics, "metrics: Prometheus text exposition");
	if (textfile[0])
		timer_arm(&textfile_timer, 1000, write_textfile, NULL);
	return 0;
}
