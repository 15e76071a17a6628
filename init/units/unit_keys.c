/*
 * The [Unit] and [Service] keys (see unit_keys.h): one handler per key and
 * the table that maps a key to its handler, with the value parsers only
 * they use. Longer than most files here, on purpose: it is one concern,
 * a flat list of handlers read next to the table and docs/units.md.
 */
#include "units/unit_keys.h"
#include "units/unit_key_table.h"
#include "lib/fileio.h"
#include "units/unit_sections.h"
#include "units/unit_spec.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define WS " \t\r\n"

/* ---- value parsers ---- */

int unit_parse_bool(const char *s)
{
	if (streq(s, "1") || streq(s, "yes") || streq(s, "true") || streq(s, "on"))
		return 1;
	if (streq(s, "0") || streq(s, "no") || streq(s, "false") || streq(s, "off"))
		return 0;
	return -EINVAL;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A keyword value: its index in names, which lists them in their enum's
 * order; -1 when it is none of them. */
static int keyword_index(const char *v, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v, names[i]))
			return (int)i;
	return -1;
}
#define KEYWORD(v, names) keyword_index(v, names, sizeof names / sizeof names[0])

static int parse_int_range(const char *s, long lo, long hi, long *out)
{
	const char *p = s;
	int neg = 0;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	unsigned long long v;
	if (parse_u64(p, &v) < 0 || v > (unsigned long long)LONG_MAX)
		return -EINVAL;
	long x = neg ? -(long)v : (long)v;
	if (x < lo || x > hi)
		return -ERANGE;
	*out = x;
	return 0;
}

/* ---- key handlers: return 0, or -1 after reporting an error ---- */

typedef int (*key_fn)(struct parser *p, const char *key, const char *v);

static int set_description(struct parser *p, const char *key, const char *v)
{
	(void)key;
	p->u->description = unit_arena_dup(p, v);
	return p->u->description ? 0 : -1;
}

static int set_ignored(struct parser *p, const char *key, const char *v)
{
	(void)p;
	(void)key;
	(void)v;
	return 0;
}

static int add_deps(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	if (streq(key, "After"))
		return unit_name_list_add(p, u->after, &u->n_after, UNIT_DEPS_MAX, key, v);
	if (streq(key, "Before"))
		return unit_name_list_add(p, u->before, &u->n_before, UNIT_DEPS_MAX, key, v);
	if (streq(key, "Requires"))
		return unit_name_list_add(p, u->requires, &u->n_requires, UNIT_DEPS_MAX, key, v);
	return unit_name_list_add(p, u->wants, &u->n_wants, UNIT_DEPS_MAX, key, v);
}

static int set_type(struct parser *p, const char *key, const char *v)
{
	(void)key;
	static const char *const names[] = {"simple", "exec", "notify", "oneshot", "forking"};
	int i = KEYWORD(v, names);
	if (i >= 0) {
		p->u->type = (enum unit_type)i;
		return 0;
	}
	if (!*v || streq(v, "idle")) {
		/* idle only delays the start until the boot's jobs are done */
		p->u->type = UNIT_TYPE_SIMPLE;
		return 0;
	}
	if (streq(v, "dbus")) {
		unit_pwarn(p, "Type=dbus is run as Type=simple: ready once spawned, not when its "
			      "bus name appears");
		p->u->type = UNIT_TYPE_SIMPLE;
		return 0;
	}
	unit_perr(p, "Type=%s: unknown type (simple, exec, notify, oneshot, forking, dbus, idle)",
		  v);
	return -1;
}

static const char *const cmd_keys[UNIT_CMD_KINDS] = {
    [UNIT_CMD_PRE] = "ExecStartPre",	    [UNIT_CMD_START] = "ExecStart",
    [UNIT_CMD_POST] = "ExecStartPost",	    [UNIT_CMD_RELOAD] = "ExecReload",
    [UNIT_CMD_STOP] = "ExecStop",	    [UNIT_CMD_STOP_POST] = "ExecStopPost",
    [UNIT_CMD_CONDITION] = "ExecCondition",
};

const char *unit_cmd_key(enum unit_cmd k)
{
	return k < UNIT_CMD_KINDS ? cmd_keys[k] : "?";
}

/* Every Exec*= line is kept raw (built once the environment is known);
 * an empty one resets its list, as in drop-ins. */
static int add_exec(struct parser *p, const char *key, const char *v)
{
	int k = 0;
	while (k < UNIT_CMD_KINDS - 1 && !streq(key, cmd_keys[k]))
		k++;
	if (!*v) {
		p->n_cmd[k] = 0;
		return 0;
	}
	if (p->n_cmd[k] >= UNIT_CMD_MAX) {
		unit_perr(p, "more than %d %s= commands", UNIT_CMD_MAX, key);
		return -1;
	}
	const char *raw = unit_scratch_dup(p, v);
	if (!raw)
		return -1;
	p->cmd[k][p->n_cmd[k]++] = (struct raw_cmd){raw, p->line};
	return 0;
}

int unit_env_name_valid(const char *s, size_t len)
{
	if (len == 0 || !(is_alpha(s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

int unit_env_set(struct parser *p, const char *kv)
{
	size_t klen = (size_t)(strchr(kv, '=') - kv);
	char *copy = unit_scratch_dup(p, kv);
	if (!copy)
		return -1;
	for (int i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], kv, klen + 1) == 0) {
			p->env[i] = copy;
			return 0;
		}
	if (p->n_env >= UNIT_ENV_MAX) {
		unit_perr(p, "more than %d environment variables", UNIT_ENV_MAX);
		return -1;
	}
	p->env[p->n_env++] = copy;
	return 0;
}

static int add_environment(struct parser *p, const char *key, const char *v)
{
	(void)key;
	if (!*v) {
		p->n_env = 0;
		return 0;
	}
	char words[UNIT_LINE_MAX], err[128];
	int odd = 0;
	int n = unit_split_words(v, words, sizeof words, UNIT_ENV_MAX, err, sizeof err, &odd);
	if (n < 0) {
		unit_perr(p, "Environment=: %s", err);
		return -1;
	}
	if (odd)
		unit_pwarn(p, "Environment=: unknown escape sequences kept verbatim");
	const char *w = words;
	for (int i = 0; i < n; w += strlen(w) + 1, i++) {
		const char *eq = strchr(w, '=');
		if (!eq || !unit_env_name_valid(w, (size_t)(eq - w))) {
			unit_pwarn(p, "Environment=: invalid assignment \"%s\", ignored", w);
			continue;
		}
		if (unit_env_set(p, w) < 0)
			return -1;
	}
	return 0;
}

static int add_envfile(struct parser *p, const char *key, const char *v)
{
	(void)key;
	if (!*v) {
		p->n_envfile = 0;
		return 0;
	}
	int optional = v[0] == '-';
	if (optional)
		v++;
	if (v[0] != '/') {
		unit_perr(p, "EnvironmentFile=%s: not an absolute path", v);
		return -1;
	}
	if (p->n_envfile >= UNIT_ENVFILE_MAX) {
		unit_perr(p, "more than %d EnvironmentFile= entries", UNIT_ENVFILE_MAX);
		return -1;
	}
	const char *path = unit_scratch_dup(p, v);
	if (!path)
		return -1;
	p->envfile[p->n_envfile].path = path;
	p->envfile[p->n_envfile].optional = optional;
	p->envfile[p->n_envfile].line = p->line;
	p->n_envfile++;
	return 0;
}

static int set_workdir(struct parser *p, const char *key, const char *v)
{
	(void)key;
	struct unit *u = p->u;
	u->working_dir_optional = 0;
	if (!*v) {
		u->working_dir = NULL;
		return 0;
	}
	if (v[0] == '-') {
		u->working_dir_optional = 1;
		v++;
	}
	if (v[0] != '/' && !streq(v, "~")) {
		unit_perr(p, "WorkingDirectory=%s: not an absolute path or \"~\"", v);
		return -1;
	}
	u->working_dir = unit_arena_dup(p, v);
	return u->working_dir ? 0 : -1;
}

static int set_user_group(struct parser *p, const char *key, const char *v)
{
	const char **dst = streq(key, "User") ? &p->u->user : &p->u->group;
	if (!*v) {
		*dst = NULL;
		return 0;
	}
	for (const char *c = v; *c; c++)
		if (!(isalnum((unsigned char)*c) || strchr("_-.$", *c))) {
			unit_perr(p, "%s=%s: not a valid name or number", key, v);
			return -1;
		}
	if (dst == &p->u->user || !p->user_line)
		p->user_line = p->line;
	*dst = unit_arena_dup(p, v);
	return *dst ? 0 : -1;
}

static int set_restart(struct parser *p, const char *key, const char *v)
{
	(void)key;
	static const char *const names[] = {"no",	   "always",   "on-failure", "on-success",
					    "on-abnormal", "on-abort", "on-watchdog"};
	int i = *v ? KEYWORD(v, names) : UNIT_RESTART_NO;
	if (i >= 0) {
		p->u->restart = (enum unit_restart)i;
		return 0;
	}
	unit_perr(p,
		  "Restart=%s: unknown (no, always, on-success, on-failure, on-abnormal, "
		  "on-abort, on-watchdog)",
		  v);
	return -1;
}

static int set_time(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	uint64_t ms;
	int start = streq(key, "TimeoutStartSec") || streq(key, "TimeoutSec");
	int stop = streq(key, "TimeoutStopSec") || streq(key, "TimeoutSec");
	if (!*v) {
		if (start)
			u->timeout_start_ms = UNIT_DEFAULT_TIMEOUT_START_MS;
		if (stop)
			u->timeout_stop_ms = UNIT_DEFAULT_TIMEOUT_STOP_MS;
		if (!start && !stop)
			u->restart_ms = UNIT_DEFAULT_RESTART_MS;
		return 0;
	}
	if (unit_parse_timespan_ms(v, &ms) < 0) {
		unit_perr(p, "%s=%s: not a time span (e.g. 5, 5s, 500ms, 1min 30s)", key, v);
		return -1;
	}
	if (!start && !stop) {
		if (ms == UNIT_INFINITY) {
			unit_perr(p, "%s=%s: must be finite", key, v);
			return -1;
		}
		u->restart_ms = ms;
		return 0;
	}
	/* 0 and infinity both mean "no timeout" in systemd */
	p->timeout_start_set |= start;
	if (start)
		u->timeout_start_ms = ms == 0 || ms == UNIT_INFINITY ? UNIT_TIMEOUT_NONE : ms;
	if (stop)
		u->timeout_stop_ms =
		    ms == 0 || ms > UNIT_STOP_TIMEOUT_CAP_MS ? UNIT_STOP_TIMEOUT_CAP_MS : ms;
	return 0;
}

/* KillSignal=, FinalKillSignal= */
static int set_kill_signal(struct parser *p, const char *key, const char *v)
{
	int *dst = streq(key, "KillSignal") ? &p->u->kill_signal : &p->u->final_kill_signal;
	if (!*v) {
		*dst = dst == &p->u->kill_signal ? SIGTERM : SIGKILL;
		return 0;
	}
	int sig = unit_parse_signal(v);
	if (sig < 0) {
		unit_perr(p, "%s=%s: unknown signal", key, v);
		return -1;
	}
	*dst = sig;
	return 0;
}

static const char *const slice_names[] = {"infra.slice", "network.slice", "gpu.slice",
					  "audit.slice"};

static int set_slice(struct parser *p, const char *key, const char *v)
{
	(void)key;
	/* systemd's system.slice is where its services go by default: here,
	 * the default slice (the cgroup root's system.slice is not pact-init's) */
	if (!*v || streq(v, "system.slice")) {
		p->u->slice = UNIT_SLICE_INFRA;
		return 0;
	}
	int i = KEYWORD(v, slice_names);
	for (int k = 0; i < 0 && k < 4; k++)
		if (streq(v, unit_slice_path((enum unit_slice)k)))
			i = k;
	if (i >= 0) {
		p->u->slice = (enum unit_slice)i;
		return 0;
	}
	unit_perr(p,
		  "Slice=%s: not one of infra.slice, network.slice, gpu.slice, audit.slice "
		  "(system.slice: the default, infra.slice)",
		  v);
	return -1;
}

static int set_size(struct parser *p, const char *key, const char *v)
{
	uint64_t *dst = streq(key, "MemoryMax") ? &p->u->memory_max : &p->u->tasks_max;
	if (dst == &p->u->tasks_max)
		p->u->tasks_max_set = *v != '\0'; /* empty: back to the default */
	if (!*v) {
		*dst = UNIT_INFINITY;
		return 0;
	}
	int r;
	if (strchr(v, '%')) {
		unit_perr(p, "%s=%s: percentages are not supported, give an absolute value", key,
			  v);
		return -1;
	}
	if (dst == &p->u->tasks_max) {
		unsigned long long n;
		r = streq(v, "infinity") ? (n = UNIT_INFINITY, 0) : parse_u64(v, &n);
		if (r == 0 && n == 0)
			r = -ERANGE;
		*dst = n;
	} else {
		r = unit_parse_size(v, dst);
	}
	if (r < 0) {
		unit_perr(p, "%s=%s: not a %s", key, v,
			  dst == &p->u->tasks_max ? "positive number or infinity"
						  : "size (bytes, K, M, G, T; or infinity)");
		return -1;
	}
	return 0;
}

/* StartLimitIntervalSec= (StartLimitInterval=), StartLimitBurst= */
static int set_start_limit(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	if (streq(key, "StartLimitBurst")) {
		unsigned long long n;
		if (!*v) {
			u->start_limit_burst = UNIT_DEFAULT_START_LIMIT_BURST;
			return 0;
		}
		if (parse_u64(v, &n) < 0 || n > 100000) {
			unit_perr(p, "%s=%s: not a number of starts (0..100000)", key, v);
			return -1;
		}
		u->start_limit_burst = (unsigned)n;
		return 0;
	}
	uint64_t ms;
	if (!*v) {
		u->start_limit_ms = UNIT_DEFAULT_START_LIMIT_MS;
		return 0;
	}
	if (unit_parse_timespan_ms(v, &ms) < 0 || ms == UNIT_INFINITY) {
		unit_perr(p, "%s=%s: not a finite time span (0 turns the limit off)", key, v);
		return -1;
	}
	u->start_limit_ms = ms;
	return 0;
}

static int set_cpu_weight(struct parser *p, const char *key, const char *v)
{
	(void)key;
	long w;
	if (!*v) {
		p->u->cpu_weight = 0;
		return 0;
	}
	if (streq(v, "idle")) {
		unit_perr(p, "CPUWeight=idle is not supported (use a weight 1..10000)");
		return -1;
	}
	if (parse_int_range(v, 1, 10000, &w) < 0 || v[0] == '-' || v[0] == '+') {
		unit_perr(p, "CPUWeight=%s: not a weight 1..10000", v);
		return -1;
	}
	p->u->cpu_weight = (unsigned)w;
	return 0;
}

static int add_io_bw(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	int rd = streq(key, "IOReadBandwidthMax");
	if (!*v) {
		/* reset only this direction; drop devices left with no limit */
		int k = 0;
		for (int i = 0; i < u->n_io; i++) {
			if (rd)
				u->io[i].rbps = UNIT_INFINITY;
			else
				u->io[i].wbps = UNIT_INFINITY;
			if (u->io[i].rbps != UNIT_INFINITY || u->io[i].wbps != UNIT_INFINITY)
				u->io[k++] = u->io[i];
		}
		u->n_io = k;
		return 0;
	}
	/* "<device> <size>": two blank-separated words, nothing after */
	char dev[UNIT_LINE_MAX], size[64];
	int n = 0;
	const char *q = v + strspn(v, " \t");
	size_t dl = strcspn(q, " \t");
	if (dl > 0 && dl < sizeof dev) {
		memcpy(dev, q, dl);
		dev[dl] = '\0';
		n = 1;
		q += dl;
		q += strspn(q, " \t");
		size_t sl = strcspn(q, " \t");
		if (sl > 0 && sl < sizeof size) {
			memcpy(size, q, sl);
			size[sl] = '\0';
			n = 2;
			q += sl;
			if (q[strspn(q, " \t")] != '\0')
				n = 3;
		}
	}
	uint64_t bps;
	if (n != 2 || dev[0] != '/') {
		unit_perr(p, "%s=%s: expected \"<device path> <bytes>\"", key, v);
		return -1;
	}
	if (unit_parse_size(size, &bps) < 0) {
		unit_perr(p, "%s=: \"%s\" is not a size (bytes, K, M, G, T; or infinity)", key,
			  size);
		return -1;
	}
	int i;
	for (i = 0; i < u->n_io; i++)
		if (streq(u->io[i].device, dev))
			break;
	if (i == u->n_io) {
		if (u->n_io >= UNIT_IO_MAX) {
			unit_perr(p, "%s=: more than %d devices", key, UNIT_IO_MAX);
			return -1;
		}
		if (!(u->io[i].device = unit_arena_dup(p, dev)))
			return -1;
		u->io[i].rbps = u->io[i].wbps = UNIT_INFINITY;
		u->n_io++;
	}
	if (rd)
		u->io[i].rbps = bps;
	else
		u->io[i].wbps = bps;
	return 0;
}

static int set_oom(struct parser *p, const char *key, const char *v)
{
	(void)key;
	long x;
	if (!*v) {
		p->u->has_oom_score_adj = 0;
		return 0;
	}
	if (parse_int_range(v, -1000, 1000, &x) < 0) {
		unit_perr(p, "OOMScoreAdjust=%s: not a number -1000..1000", v);
		return -1;
	}
	p->u->has_oom_score_adj = 1;
	p->u->oom_score_adj = (int)x;
	return 0;
}

static int set_notify_access(struct parser *p, const char *key, const char *v)
{
	(void)key;
	/* the supervisor accepts READY=1 from any process of the scope */
	if (*v && !streq(v, "main") && !streq(v, "exec") && !streq(v, "all"))
		unit_pwarn(p, "NotifyAccess=%s ignored: any process of the service may notify", v);
	return 0;
}

/* RemainAfterExit=, GuessMainPID=, Delegate=, SendSIGKILL=, SendSIGHUP= */
static int set_flag(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	int *dst = streq(key, "RemainAfterExit") ? &u->remain_after_exit
		   : streq(key, "GuessMainPID")	 ? &u->guess_main_pid
		   : streq(key, "Delegate")	 ? &u->delegate
		   : streq(key, "SendSIGKILL")	 ? &u->send_sigkill
						 : &u->send_sighup;
	int def = dst == &u->guess_main_pid || dst == &u->send_sigkill;
	int b = *v ? unit_parse_bool(v) : def;
	if (b < 0 && dst == &u->delegate) {
		b = 1; /* a list of controllers: all of them are delegated anyway */
	} else if (b < 0) {
		unit_perr(p, "%s=%s: not a boolean (yes, no)", key, v);
		return -1;
	}
	*dst = b;
	return 0;
}

static int set_pid_file(struct parser *p, const char *key, const char *v)
{
	if (!*v) {
		p->u->pid_file = NULL;
		return 0;
	}
	if (v[0] != '/') {
		unit_perr(p, "%s=%s: not an absolute path", key, v);
		return -1;
	}
	/* /var/run is /run on every system this runs on */
	char buf[UNIT_LINE_MAX];
	if (strncmp(v, "/var/run/", 9) == 0)
		snprintf(buf, sizeof buf, "/run/%s", v + 9);
	else
		snprintf(buf, sizeof buf, "%s", v);
	p->u->pid_file = unit_arena_dup(p, buf);
	return p->u->pid_file ? 0 : -1;
}

static int set_kill_mode(struct parser *p, const char *key, const char *v)
{
	static const char *const names[] = {"control-group", "mixed", "process", "none"};
	int i = *v ? KEYWORD(v, names) : UNIT_KILL_CONTROL_GROUP;
	if (i >= 0) {
		p->u->kill_mode = (enum unit_kill_mode)i;
		return 0;
	}
	unit_perr(p, "%s=%s: unknown (control-group, mixed, process, none)", key, v);
	return -1;
}

static int set_watchdog(struct parser *p, const char *key, const char *v)
{
	uint64_t ms = 0;
	if (*v && unit_parse_timespan_ms(v, &ms) < 0) {
		unit_perr(p, "%s=%s: not a time span", key, v);
		return -1;
	}
	p->u->watchdog_ms = ms == UNIT_INFINITY ? 0 : ms;
	return 0;
}

/* SuccessExitStatus=, RestartPreventExitStatus=, RestartForceExitStatus=:
 * exit codes and signal names, added up; empty resets. */
static int add_exit_status(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	struct unit_exit_set *set = streq(key, "SuccessExitStatus")	     ? &u->success_status
				    : streq(key, "RestartPreventExitStatus") ? &u->restart_prevent
									     : &u->restart_force;
	if (!*v) {
		memset(set, 0, sizeof *set);
		return 0;
	}
	char buf[UNIT_LINE_MAX];
	snprintf(buf, sizeof buf, "%s", v);
	for (char *save = NULL, *w = strtok_r(buf, WS, &save); w; w = strtok_r(NULL, WS, &save)) {
		long code;
		int sig;
		if (parse_int_range(w, 0, 255, &code) == 0 && w[0] != '-' && w[0] != '+')
			set->code[code / 8] |= (uint8_t)(1u << (code % 8));
		else if ((sig = unit_parse_signal(w)) > 0 && sig < 64 &&
			 !isdigit((unsigned char)w[0]))
			set->sig |= 1ull << sig;
		else
			unit_pwarn(p,
				   "%s=: \"%s\" is neither an exit code (0..255) nor a signal "
				   "name, ignored",
				   key, w);
	}
	return 0;
}

/* spec: the value takes %-specifiers (as in systemd: names, paths,
 * commands, environment; not numbers, where "50%" must reach its parser) */
static const struct {
	enum section sec;
	const char *key;
	key_fn fn;
	int spec;
} keys[] = {
    {SEC_UNIT, "Description", set_description, 1},
    {SEC_UNIT, "Documentation", set_ignored, 0},
    /* no reload propagation, no job queue (docs/units.md) */
    {SEC_UNIT, "ReloadPropagatedFrom", set_ignored, 0},
    {SEC_UNIT, "PropagatesReloadTo", set_ignored, 0},
    {SEC_UNIT, "JobTimeoutSec", set_ignored, 0},
    {SEC_UNIT, "JobRunningTimeoutSec", set_ignored, 0},
    {SEC_UNIT, "OnFailureJobMode", set_ignored, 0},
    {SEC_UNIT, "SourcePath", set_ignored, 0},
    {SEC_UNIT, "After", add_deps, 1},
    {SEC_UNIT, "Before", add_deps, 1},
    {SEC_UNIT, "Requires", add_deps, 1},
    {SEC_UNIT, "Wants", add_deps, 1},
    {SEC_UNIT, "StartLimitIntervalSec", set_start_limit, 0},
    {SEC_UNIT, "StartLimitInterval", set_start_limit, 0},
    {SEC_UNIT, "StartLimitBurst", set_start_limit, 0},
    {SEC_SERVICE, "Type", set_type, 0},
    {SEC_SERVICE, "ExecStart", add_exec, 1},
    {SEC_SERVICE, "ExecStartPre", add_exec, 1},
    {SEC_SERVICE, "ExecStartPost", add_exec, 1},
    {SEC_SERVICE, "ExecReload", add_exec, 1},
    {SEC_SERVICE, "ExecStop", add_exec, 1},
    {SEC_SERVICE, "ExecStopPost", add_exec, 1},
    {SEC_SERVICE, "ExecCondition", add_exec, 1},
    {SEC_SOCKET, "ExecStartPre", add_exec, 1}, /* before it binds */
    {SEC_SOCKET, "ExecStartPost", add_exec, 1},
    {SEC_SERVICE, "PIDFile", set_pid_file, 1},
    {SEC_SERVICE, "GuessMainPID", set_flag, 0},
    {SEC_SERVICE, "Delegate", set_flag, 0},
    {SEC_SERVICE, "KillMode", set_kill_mode, 0},
    {SEC_SERVICE, "FinalKillSignal", set_kill_signal, 0},
    {SEC_SERVICE, "SendSIGKILL", set_flag, 0},
    {SEC_SERVICE, "SendSIGHUP", set_flag, 0},
    {SEC_SERVICE, "WatchdogSec", set_watchdog, 0},
    {SEC_SERVICE, "SuccessExitStatus", add_exit_status, 0},
    {SEC_SERVICE, "RestartPreventExitStatus", add_exit_status, 0},
    {SEC_SERVICE, "RestartForceExitStatus", add_exit_status, 0},
    {SEC_SERVICE, "Environment", add_environment, 1},
    {SEC_SERVICE, "EnvironmentFile", add_envfile, 1},
    {SEC_SERVICE, "WorkingDirectory", set_workdir, 1},
    {SEC_SERVICE, "User", set_user_group, 1},
    {SEC_SERVICE, "Group", set_user_group, 1},
    {SEC_SERVICE, "Restart", set_restart, 0},
    {SEC_SERVICE, "RestartSec", set_time, 0},
    {SEC_SERVICE, "StartLimitIntervalSec", set_start_limit, 0}, /* older systemd's place */
    {SEC_SERVICE, "StartLimitInterval", set_start_limit, 0},
    {SEC_SERVICE, "StartLimitBurst", set_start_limit, 0},
    {SEC_SERVICE, "TimeoutStartSec", set_time, 0},
    {SEC_SERVICE, "TimeoutStopSec", set_time, 0},
    {SEC_SERVICE, "TimeoutSec", set_time, 0},
    {SEC_SERVICE, "KillSignal", set_kill_signal, 0},
    {SEC_SERVICE, "Slice", set_slice, 1},
    {SEC_SERVICE, "MemoryMax", set_size, 0},
    {SEC_SERVICE, "CPUWeight", set_cpu_weight, 0},
    {SEC_SERVICE, "TasksMax", set_size, 0},
    {SEC_SERVICE, "IOReadBandwidthMax", add_io_bw, 1},
    {SEC_SERVICE, "IOWriteBandwidthMax", add_io_bw, 1},
    {SEC_SERVICE, "OOMScoreAdjust", set_oom, 0},
    {SEC_SERVICE, "NotifyAccess", set_notify_access, 0},
    {SEC_SERVICE, "RemainAfterExit", set_flag, 0},
    /* Type=dbus says the readiness difference; the service log is tagged
     * with the unit's name and keeps every level */
    {SEC_SERVICE, "BusName", set_ignored, 0},
    {SEC_SERVICE, "SyslogIdentifier", set_ignored, 0},
    {SEC_SERVICE, "SyslogFacility", set_ignored, 0},
    {SEC_SERVICE, "SyslogLevel", set_ignored, 0},
    {SEC_SERVICE, "SyslogLevelPrefix", set_ignored, 0},
    {SEC_SERVICE, "LogLevelMax", set_ignored, 0},
    {SEC_SERVICE, "LogExtraFields", set_ignored, 0},
    {SEC_SERVICE, "LogRateLimitIntervalSec", set_ignored, 0},
    {SEC_SERVICE, "LogRateLimitBurst", set_ignored, 0},
};

void unit_keys_assign(struct parser *p, const char *key, const char *v)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].sec != p->sec || !streq(keys[i].key, key))
			continue;
		char val[UNIT_LINE_MAX];
		if (!keys[i].spec)
			snprintf(val, sizeof val, "%s", v);
		else if (unit_spec_expand(p, v, val, sizeof val) < 0)
			return;
		keys[i].fn(p, key, val);
		return;
	}
	if (unit_keys_exec_assign(p, key, v) || unit_cond_assign(p, key, v) ||
	    (p->sec == SEC_UNIT && unit_relation_assign(p, key, v))) /* unit_install.c */
		return;
	unit_pwarn(p, "unknown key %s= in [%s], ignored", key, unit_section_name(p->sec));
}
