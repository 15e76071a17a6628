/*
 * The unit file parser: sections, keys, continuation lines, specifiers,
 * EnvironmentFile=, template instances. Command lines are built by
 * unit_exec.c, values parsed by unit_value.c, directories read by
 * unit_dir.c. A unit that has any error does not load; warnings (unknown
 * keys and sections, ignored values) never stop it.
 */
#include "units/unit.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define WS " \t\r\n"

enum section { SEC_NONE, SEC_UNIT, SEC_SERVICE, SEC_INSTALL, SEC_IGNORED };

struct raw_cmd {
	const char *text;
	int line;
};

/* Everything a load needs besides the unit itself; lives on the stack. */
struct parser {
	const char *file;
	int line;
	struct unit *u;
	struct unit_diag *d;
	const struct unit_opts *opts;
	int failed;
	enum section sec;
	char prefix[UNIT_NAME_MAX]; /* "cxi_rh" of cxi_rh@0.service */

	/* raw values resolved after the whole file is read */
	char scratch[UNIT_ARENA_SIZE];
	size_t scratch_used;
	struct raw_cmd start;
	int n_start;
	struct raw_cmd pre[UNIT_PRE_MAX];
	int n_pre;
	char *env[UNIT_ENV_MAX]; /* "KEY=VALUE" in scratch */
	int n_env;
	struct {
		const char *path;
		int optional, line;
	} envfile[UNIT_ENVFILE_MAX];
	int n_envfile;
	int user_line;
	int timeout_start_set;
};

void unit_diag_clear(struct unit_diag *d)
{
	if (d)
		memset(d, 0, sizeof *d);
}

void unit_diag_add(struct unit_diag *d, const struct unit_opts *opts, int level, const char *text)
{
	if (!opts || !opts->quiet)
		log_msg(level, "unit: %s", text);
	if (!d)
		return;
	if (level == LOG_ERR)
		d->nerr++;
	else
		d->nwarn++;
	if (d->n < UNIT_DIAG_MAX) {
		d->msg[d->n].level = level;
		snprintf(d->msg[d->n].text, sizeof d->msg[d->n].text, "%s", text);
		d->n++;
	}
}

__attribute__((format(printf, 3, 0))) static void diag_add(struct parser *p, int level,
							   const char *fmt, va_list ap)
{
	char text[UNIT_DIAG_LEN];
	int n = p->line > 0 ? snprintf(text, sizeof text, "%s:%d: ", p->file, p->line)
			    : snprintf(text, sizeof text, "%s: ", p->file);
	if (n < 0 || (size_t)n >= sizeof text)
		n = 0;
	vsnprintf(text + n, sizeof text - (size_t)n, fmt, ap);
	if (level == LOG_ERR) {
		if (!p->failed)
			snprintf(p->u->load_error, sizeof p->u->load_error, "%s", text);
		p->failed = 1;
	}
	unit_diag_add(p->d, p->opts, level, text);
}

__attribute__((format(printf, 2, 3))) static void perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(p, LOG_ERR, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void pwarn(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(p, LOG_WARNING, fmt, ap);
	va_end(ap);
}

static char *scratch_dup(struct parser *p, const char *s)
{
	size_t len = strlen(s);
	if (len + 1 > sizeof p->scratch - p->scratch_used) {
		perr(p, "unit too large (%d bytes of raw values)", UNIT_ARENA_SIZE);
		return NULL;
	}
	char *d = p->scratch + p->scratch_used;
	memcpy(d, s, len + 1);
	p->scratch_used += len + 1;
	return d;
}

static const char *arena_dup(struct parser *p, const char *s)
{
	const char *d = unit_arena_strdup(p->u, s, strlen(s));
	if (!d)
		perr(p, "unit too large (arena of %d bytes full)", UNIT_ARENA_SIZE);
	return d;
}

/* ---- value parsers ---- */

static int streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static int parse_bool(const char *s)
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

/* ---- names ---- */

static int valid_name_char(char c)
{
	return isalnum((unsigned char)c) || strchr(":-_.\\@", c);
}

int unit_name_valid(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len >= UNIT_NAME_MAX)
		return 0;
	for (const char *p = s; *p; p++)
		if (!valid_name_char(*p))
			return 0;
	return 1;
}

static int valid_instance(const char *s)
{
	if (!*s || strlen(s) >= UNIT_NAME_MAX / 2)
		return 0;
	for (const char *p = s; *p; p++)
		if (*p == '@' || !valid_name_char(*p))
			return 0;
	return 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && streq(s + a - b, suffix);
}

/* ---- specifiers ---- */

static int hexval_ok(char c)
{
	return hex_digit(c) >= 0;
}

/* %I: systemd's unit-name unescaping, "-" is "/" and "\xNN" a byte. */
static void unescape_instance(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *s = in; *s && o + 1 < cap; s++) {
		if (*s == '-') {
			out[o++] = '/';
		} else if (s[0] == '\\' && s[1] == 'x' && hexval_ok(s[2]) && hexval_ok(s[3])) {
			out[o++] = (char)(hex_digit(s[2]) * 16 + hex_digit(s[3]));
			s += 3;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

/* Resolve %-specifiers of value into out; -1 (error reported) on failure. */
static int spec_expand(struct parser *p, const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *s = in; *s; s++) {
		char tmp[UNIT_NAME_MAX];
		const char *rep;
		if (*s != '%') {
			if (o + 2 > cap)
				goto too_long;
			out[o++] = *s;
			continue;
		}
		switch (*++s) {
		case '%':
			rep = "%";
			break;
		case 'n':
			rep = p->u->name;
			break;
		case 'N':
			snprintf(tmp, sizeof tmp, "%.*s",
				 (int)(strlen(p->u->name) - strlen(".service")), p->u->name);
			rep = tmp;
			break;
		case 'p':
		case 'P':
			rep = p->prefix;
			break;
		case 'i':
			rep = p->u->instance;
			break;
		case 'I':
			unescape_instance(p->u->instance, tmp, sizeof tmp);
			rep = tmp;
			break;
		case 't':
			rep = "/run";
			break;
		case '\0':
			perr(p, "lone %% at the end of a value (write %%%% for a literal %%)");
			return -1;
		default:
			perr(p,
			     "unsupported specifier %%%c (supported: %%i %%I %%n %%N %%p %%P %%t "
			     "%%%%)",
			     *s);
			return -1;
		}
		size_t len = strlen(rep);
		if (o + len + 1 > cap)
			goto too_long;
		memcpy(out + o, rep, len);
		o += len;
	}
	out[o] = '\0';
	return 0;
too_long:
	perr(p, "value too long after specifiers (max %d bytes)", UNIT_LINE_MAX - 1);
	return -1;
}

/* ---- key handlers: return 0, or -1 after reporting an error ---- */

typedef int (*key_fn)(struct parser *p, const char *key, const char *v);

static int set_description(struct parser *p, const char *key, const char *v)
{
	(void)key;
	p->u->description = arena_dup(p, v);
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
	const char **list;
	int *n;
	struct unit *u = p->u;
	if (streq(key, "After"))
		list = u->after, n = &u->n_after;
	else if (streq(key, "Before"))
		list = u->before, n = &u->n_before;
	else if (streq(key, "Requires"))
	list = u->requires, n = &u->n_requires;
	else list = u->wants, n = &u->n_wants;
	if (!*v) {
		*n = 0;
		return 0;
	}
	char buf[UNIT_LINE_MAX];
	snprintf(buf, sizeof buf, "%s", v);
	for (char *save = NULL, *w = strtok_r(buf, WS, &save); w; w = strtok_r(NULL, WS, &save)) {
		if (!unit_name_valid(w)) {
			pwarn(p, "%s=: invalid unit name \"%s\", ignored", key, w);
			continue;
		}
		int dup = 0;
		for (int i = 0; i < *n; i++)
			dup |= streq(list[i], w);
		if (dup)
			continue;
		if (*n >= UNIT_DEPS_MAX) {
			perr(p, "%s=: more than %d units", key, UNIT_DEPS_MAX);
			return -1;
		}
		if (!(list[*n] = arena_dup(p, w)))
			return -1;
		(*n)++;
	}
	return 0;
}

static int set_type(struct parser *p, const char *key, const char *v)
{
	(void)key;
	static const char *const names[] = {"simple", "exec", "notify", "oneshot"};
	for (size_t i = 0; i < 4; i++)
		if (streq(v, names[i])) {
			p->u->type = (enum unit_type)i;
			return 0;
		}
	if (!*v) {
		p->u->type = UNIT_TYPE_SIMPLE;
		return 0;
	}
	if (streq(v, "dbus") || streq(v, "idle")) {
		pwarn(p, "Type=%s is run as Type=simple", v);
		p->u->type = UNIT_TYPE_SIMPLE;
		return 0;
	}
	if (streq(v, "forking")) {
		perr(p, "Type=forking is not supported: run the daemon in the foreground "
			"(its -f/-n/--foreground option) with Type=simple or Type=notify");
		return -1;
	}
	perr(p, "Type=%s: unknown type (simple, exec, notify, oneshot)", v);
	return -1;
}

static int add_exec(struct parser *p, const char *key, const char *v)
{
	int is_pre = streq(key, "ExecStartPre");
	if (!*v) {
		if (is_pre)
			p->n_pre = 0;
		else
			p->n_start = 0;
		return 0;
	}
	const char *raw = scratch_dup(p, v);
	if (!raw)
		return -1;
	if (is_pre) {
		if (p->n_pre >= UNIT_PRE_MAX) {
			perr(p, "more than %d ExecStartPre= commands", UNIT_PRE_MAX);
			return -1;
		}
		p->pre[p->n_pre++] = (struct raw_cmd){raw, p->line};
		return 0;
	}
	if (p->n_start) {
		perr(p, "more than one ExecStart= (write an empty ExecStart= first to replace it)");
		return -1;
	}
	p->start = (struct raw_cmd){raw, p->line};
	p->n_start = 1;
	return 0;
}

static int valid_env_name(const char *s, size_t len)
{
	if (len == 0 || !(is_alpha(s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* Set or replace KEY=VALUE (kv is copied). */
static int env_set(struct parser *p, const char *kv)
{
	size_t klen = (size_t)(strchr(kv, '=') - kv);
	char *copy = scratch_dup(p, kv);
	if (!copy)
		return -1;
	for (int i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], kv, klen + 1) == 0) {
			p->env[i] = copy;
			return 0;
		}
	if (p->n_env >= UNIT_ENV_MAX) {
		perr(p, "more than %d environment variables", UNIT_ENV_MAX);
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
		perr(p, "Environment=: %s", err);
		return -1;
	}
	if (odd)
		pwarn(p, "Environment=: unknown escape sequences kept verbatim");
	const char *w = words;
	for (int i = 0; i < n; w += strlen(w) + 1, i++) {
		const char *eq = strchr(w, '=');
		if (!eq || !valid_env_name(w, (size_t)(eq - w))) {
			pwarn(p, "Environment=: invalid assignment \"%s\", ignored", w);
			continue;
		}
		if (env_set(p, w) < 0)
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
		perr(p, "EnvironmentFile=%s: not an absolute path", v);
		return -1;
	}
	if (p->n_envfile >= UNIT_ENVFILE_MAX) {
		perr(p, "more than %d EnvironmentFile= entries", UNIT_ENVFILE_MAX);
		return -1;
	}
	const char *path = scratch_dup(p, v);
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
		perr(p, "WorkingDirectory=%s: not an absolute path or \"~\"", v);
		return -1;
	}
	u->working_dir = arena_dup(p, v);
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
			perr(p, "%s=%s: not a valid name or number", key, v);
			return -1;
		}
	if (dst == &p->u->user || !p->user_line)
		p->user_line = p->line;
	*dst = arena_dup(p, v);
	return *dst ? 0 : -1;
}

static int set_restart(struct parser *p, const char *key, const char *v)
{
	(void)key;
	struct unit *u = p->u;
	if (!*v || streq(v, "no"))
		u->restart = UNIT_RESTART_NO;
	else if (streq(v, "always"))
		u->restart = UNIT_RESTART_ALWAYS;
	else if (streq(v, "on-failure"))
		u->restart = UNIT_RESTART_ON_FAILURE;
	else if (streq(v, "on-abnormal") || streq(v, "on-abort")) {
		pwarn(p, "Restart=%s is treated as Restart=on-failure", v);
		u->restart = UNIT_RESTART_ON_FAILURE;
	} else {
		perr(p, "Restart=%s: not supported (no, always, on-failure)", v);
		return -1;
	}
	return 0;
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
		perr(p, "%s=%s: not a time span (e.g. 5, 5s, 500ms, 1min 30s)", key, v);
		return -1;
	}
	if (!start && !stop) {
		if (ms == UNIT_INFINITY) {
			perr(p, "%s=%s: must be finite", key, v);
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

static int set_kill_signal(struct parser *p, const char *key, const char *v)
{
	(void)key;
	if (!*v) {
		p->u->kill_signal = SIGTERM;
		return 0;
	}
	int sig = unit_parse_signal(v);
	if (sig < 0) {
		perr(p, "KillSignal=%s: unknown signal", v);
		return -1;
	}
	p->u->kill_signal = sig;
	return 0;
}

static const char *const slice_names[] = {"infra.slice", "network.slice", "gpu.slice",
					  "audit.slice"};
static const char *const slice_paths[] = {"pact.slice/infra.slice", "pact.slice/network.slice",
					  "pact.slice/gpu.slice", "pact.slice/audit.slice"};

static int set_slice(struct parser *p, const char *key, const char *v)
{
	(void)key;
	if (!*v) {
		p->u->slice = UNIT_SLICE_INFRA;
		return 0;
	}
	for (int i = 0; i < 4; i++)
		if (streq(v, slice_names[i]) || streq(v, slice_paths[i])) {
			p->u->slice = (enum unit_slice)i;
			return 0;
		}
	perr(p, "Slice=%s: not one of infra.slice, network.slice, gpu.slice, audit.slice", v);
	return -1;
}

static int set_size(struct parser *p, const char *key, const char *v)
{
	uint64_t *dst = streq(key, "MemoryMax") ? &p->u->memory_max : &p->u->tasks_max;
	if (!*v) {
		*dst = UNIT_INFINITY;
		return 0;
	}
	int r;
	if (strchr(v, '%')) {
		perr(p, "%s=%s: percentages are not supported, give an absolute value", key, v);
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
		perr(p, "%s=%s: not a %s", key, v,
		     dst == &p->u->tasks_max ? "positive number or infinity"
					     : "size (bytes, K, M, G, T; or infinity)");
		return -1;
	}
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
		perr(p, "CPUWeight=idle is not supported (use a weight 1..10000)");
		return -1;
	}
	if (parse_int_range(v, 1, 10000, &w) < 0 || v[0] == '-' || v[0] == '+') {
		perr(p, "CPUWeight=%s: not a weight 1..10000", v);
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
		perr(p, "%s=%s: expected \"<device path> <bytes>\"", key, v);
		return -1;
	}
	if (unit_parse_size(size, &bps) < 0) {
		perr(p, "%s=: \"%s\" is not a size (bytes, K, M, G, T; or infinity)", key, size);
		return -1;
	}
	int i;
	for (i = 0; i < u->n_io; i++)
		if (streq(u->io[i].device, dev))
			break;
	if (i == u->n_io) {
		if (u->n_io >= UNIT_IO_MAX) {
			perr(p, "%s=: more than %d devices", key, UNIT_IO_MAX);
			return -1;
		}
		if (!(u->io[i].device = arena_dup(p, dev)))
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

static int parse_rlim(const char *s, uint64_t *out)
{
	unsigned long long v;
	if (streq(s, "infinity")) {
		*out = UNIT_INFINITY;
		return 0;
	}
	if (parse_u64(s, &v) < 0 || v == UNIT_INFINITY)
		return -EINVAL;
	*out = v;
	return 0;
}

static int set_nofile(struct parser *p, const char *key, const char *v)
{
	(void)key;
	struct unit *u = p->u;
	if (!*v) {
		u->has_nofile = 0;
		return 0;
	}
	char soft[64];
	const char *colon = strchr(v, ':');
	size_t sl = colon ? (size_t)(colon - v) : strlen(v);
	uint64_t s = 0, h = 0;
	int r = -EINVAL;
	if (sl < sizeof soft) {
		memcpy(soft, v, sl);
		soft[sl] = '\0';
		r = parse_rlim(soft, &s);
		h = s;
		if (r == 0 && colon)
			r = parse_rlim(colon + 1, &h);
	}
	if (r < 0 || s > h) {
		perr(p, "LimitNOFILE=%s: expected N, SOFT:HARD (soft <= hard) or infinity", v);
		return -1;
	}
	u->has_nofile = 1;
	u->nofile_soft = s;
	u->nofile_hard = h;
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
		perr(p, "OOMScoreAdjust=%s: not a number -1000..1000", v);
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
		pwarn(p, "NotifyAccess=%s ignored: any process of the service may notify", v);
	return 0;
}

static int set_remain(struct parser *p, const char *key, const char *v)
{
	(void)key;
	if (parse_bool(v) < 0)
		pwarn(p, "RemainAfterExit=%s: not a boolean, ignored", v);
	/* a oneshot that exited 0 stays "ready" for its dependents anyway */
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
    {SEC_UNIT, "After", add_deps, 1},
    {SEC_UNIT, "Before", add_deps, 1},
    {SEC_UNIT, "Requires", add_deps, 1},
    {SEC_UNIT, "Wants", add_deps, 1},
    {SEC_SERVICE, "Type", set_type, 0},
    {SEC_SERVICE, "ExecStart", add_exec, 1},
    {SEC_SERVICE, "ExecStartPre", add_exec, 1},
    {SEC_SERVICE, "Environment", add_environment, 1},
    {SEC_SERVICE, "EnvironmentFile", add_envfile, 1},
    {SEC_SERVICE, "WorkingDirectory", set_workdir, 1},
    {SEC_SERVICE, "User", set_user_group, 1},
    {SEC_SERVICE, "Group", set_user_group, 1},
    {SEC_SERVICE, "Restart", set_restart, 0},
    {SEC_SERVICE, "RestartSec", set_time, 0},
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
    {SEC_SERVICE, "LimitNOFILE", set_nofile, 0},
    {SEC_SERVICE, "OOMScoreAdjust", set_oom, 0},
    {SEC_SERVICE, "NotifyAccess", set_notify_access, 0},
    {SEC_SERVICE, "RemainAfterExit", set_remain, 0},
};

static const char *section_name(enum section s)
{
	switch (s) {
	case SEC_UNIT:
		return "Unit";
	case SEC_SERVICE:
		return "Service";
	case SEC_INSTALL:
		return "Install";
	case SEC_NONE:
	case SEC_IGNORED:
		break;
	}
	return "?";
}

static void section_header(struct parser *p, char *line)
{
	size_t len = strlen(line);
	if (line[len - 1] != ']') {
		perr(p, "section header \"%s\" lacks its closing ']'", line);
		p->sec = SEC_IGNORED;
		return;
	}
	line[len - 1] = '\0';
	const char *name = line + 1;
	if (streq(name, "Unit"))
		p->sec = SEC_UNIT;
	else if (streq(name, "Service"))
		p->sec = SEC_SERVICE;
	else if (streq(name, "Install"))
		p->sec = SEC_INSTALL;
	else {
		/* systemd ignores X- sections silently; others once, here */
		if (strncmp(name, "X-", 2) != 0)
			pwarn(p, "unknown section [%s], ignored", name);
		p->sec = SEC_IGNORED;
	}
}

static void assignment(struct parser *p, char *line)
{
	char *eq = strchr(line, '=');
	if (!eq) {
		perr(p, "\"%s\": not an assignment (KEY=VALUE) or a [Section]", line);
		return;
	}
	if (p->sec == SEC_NONE) {
		perr(p, "assignment \"%s\" outside of a section", line);
		return;
	}
	*eq = '\0';
	char *key = line, *v = eq + 1;
	size_t kl = strlen(key);
	while (kl && strchr(WS, key[kl - 1]))
		key[--kl] = '\0';
	v += strspn(v, WS);
	if (!kl) {
		perr(p, "assignment without a key");
		return;
	}
	if (p->sec == SEC_INSTALL || p->sec == SEC_IGNORED)
		return; /* [Install] means nothing without systemctl enable */
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].sec != p->sec || !streq(keys[i].key, key))
			continue;
		char val[UNIT_LINE_MAX];
		if (!keys[i].spec)
			snprintf(val, sizeof val, "%s", v);
		else if (spec_expand(p, v, val, sizeof val) < 0)
			return;
		keys[i].fn(p, key, val);
		return;
	}
	pwarn(p, "unknown key %s= in [%s], ignored", key, section_name(p->sec));
}

/* Walk the text line by line, joining continuation lines (trailing '\'). */
static void parse_text(struct parser *p, const char *text, size_t len)
{
	char line[UNIT_LINE_MAX];
	size_t pos = 0;
	int lineno = 0;
	while (pos < len) {
		size_t used = 0;
		int start_line = lineno + 1, too_long = 0, cont = 0;
		do {
			const char *s = text + pos;
			const char *nl = memchr(s, '\n', len - pos);
			size_t l = nl ? (size_t)(nl - s) : len - pos;
			pos += l + (nl ? 1 : 0);
			lineno++;
			if (cont) {
				/* comment lines inside a continuation are dropped */
				size_t k = 0;
				while (k < l && (s[k] == ' ' || s[k] == '\t'))
					k++;
				if (k < l && (s[k] == '#' || s[k] == ';'))
					continue;
			}
			if (used + l + 1 > sizeof line) {
				too_long = 1;
				l = 0;
			}
			memcpy(line + used, s, l);
			used += l;
			while (used && (line[used - 1] == '\r' || line[used - 1] == ' ' ||
					line[used - 1] == '\t'))
				used--;
			cont = used && line[used - 1] == '\\';
			if (cont)
				line[used - 1] = ' ';
		} while (cont && pos < len);
		line[used] = '\0';
		p->line = start_line;
		if (too_long) {
			perr(p, "line longer than %d bytes", UNIT_LINE_MAX - 1);
			continue;
		}
		char *l = line + strspn(line, WS);
		if (!*l || *l == '#' || *l == ';')
			continue;
		if (*l == '[')
			section_header(p, l);
		else
			assignment(p, l);
	}
	p->line = 0;
}

/* ---- after the file: environment files, commands, credentials ---- */

static int unquote_env_value(const char *v, char *out, size_t cap)
{
	size_t o = 0;
	char q = 0;
	int quoted = *v == '"' || *v == '\'';
	if (quoted)
		q = *v++;
	for (; *v; v++) {
		char c = *v;
		if (q && c == q) {
			if (v[1 + strspn(v + 1, " \t")])
				return -EINVAL; /* text after the closing quote */
			q = 0;
			break;
		}
		if (q == '"' && c == '\\' && v[1] && strchr("\"\\`$", v[1]))
			c = *++v;
		if (o + 1 >= cap)
			return -E2BIG;
		out[o++] = c;
	}
	if (q)
		return -EINVAL; /* unterminated quote */
	while (!quoted && o && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		o--;
	out[o] = '\0';
	return 0;
}

static void read_envfile(struct parser *p, int idx)
{
	char path[PATH_MAX], text[UNIT_ENVFILE_SIZE + 2];
	const char *root = p->opts->root && p->opts->root[0] ? p->opts->root : "";
	p->line = p->envfile[idx].line;
	if (path_fmt(path, sizeof path, "%s%s", root, p->envfile[idx].path) < 0) {
		perr(p, "EnvironmentFile=%s: path too long", p->envfile[idx].path);
		return;
	}
	ssize_t n = read_file(path, text, sizeof text);
	if (n < 0) {
		if (n == -ENOENT && p->envfile[idx].optional)
			return;
		perr(p, "EnvironmentFile=%s: %s", path, strerror((int)-n));
		return;
	}
	if (n > UNIT_ENVFILE_SIZE) {
		perr(p, "EnvironmentFile=%s: larger than %d bytes", path, UNIT_ENVFILE_SIZE);
		return;
	}
	const char *saved_file = p->file;
	p->file = path;
	char *next = text;
	for (int lineno = 1; *next; lineno++) {
		char *l = next, *nl = strchr(l, '\n');
		next = nl ? nl + 1 : l + strlen(l);
		if (nl)
			*nl = '\0';
		size_t ll = strlen(l);
		while (ll && l[ll - 1] == '\r')
			l[--ll] = '\0';
		p->line = lineno;
		l += strspn(l, WS);
		if (!*l || *l == '#' || *l == ';')
			continue;
		char *eq = strchr(l, '=');
		size_t kl = eq ? (size_t)(eq - l) : 0;
		while (kl && (l[kl - 1] == ' ' || l[kl - 1] == '\t'))
			kl--;
		char kv[UNIT_LINE_MAX];
		if (!eq || !valid_env_name(l, kl) || kl + 2 > sizeof kv) {
			pwarn(p, "not a KEY=VALUE line, ignored");
			continue;
		}
		memcpy(kv, l, kl);
		kv[kl] = '=';
		const char *v = eq + 1 + strspn(eq + 1, " \t");
		if (unquote_env_value(v, kv + kl + 1, sizeof kv - kl - 1) < 0) {
			pwarn(p, "bad quoting in the value of %.*s, ignored", (int)kl, l);
			continue;
		}
		if (env_set(p, kv) < 0)
			break;
	}
	p->file = saved_file;
	p->line = 0;
}

static int build_cmd(struct parser *p, const char *key, const struct raw_cmd *raw,
		     struct unit_exec *x)
{
	char err[UNIT_DIAG_LEN];
	int odd = 0;
	p->line = raw->line;
	if (unit_exec_build(p->u, raw->text, p->u->envp, p->u->n_env, x, err, sizeof err, &odd) <
	    0) {
		perr(p, "%s=: %s", key, err);
		return -1;
	}
	if (odd)
		pwarn(p, "%s=: unknown escape sequences kept verbatim", key);
	return 0;
}

static void finish(struct parser *p)
{
	struct unit *u = p->u;
	char err[UNIT_DIAG_LEN];

	for (int i = 0; i < p->n_envfile; i++)
		read_envfile(p, i);
	if (p->failed)
		return;
	for (int i = 0; i < p->n_env; i++) {
		if (!(u->envp[i] = (char *)arena_dup(p, p->env[i])))
			return;
	}
	u->n_env = p->n_env;
	u->envp[u->n_env] = NULL;

	if (!p->n_start) {
		perr(p, "no ExecStart= in [Service]");
		return;
	}
	/* as in systemd, a oneshot has no start timeout unless given one */
	if (u->type == UNIT_TYPE_ONESHOT && !p->timeout_start_set)
		u->timeout_start_ms = UNIT_TIMEOUT_NONE;
	if (build_cmd(p, "ExecStart", &p->start, &u->start) < 0)
		return;
	for (int i = 0; i < p->n_pre; i++)
		if (build_cmd(p, "ExecStartPre", &p->pre[i], &u->pre[i]) < 0)
			return;
	u->n_pre = p->n_pre;
	p->line = 0;

	if ((u->user || u->group) && !p->opts->no_userdb) {
		p->line = p->user_line;
		int r = userdb_resolve(p->opts->root, u->user, u->group, &u->cred, err, sizeof err);
		if (r < 0) {
			perr(p, "%s", err);
			return;
		}
		u->has_cred = 1;
		p->line = 0;
	}
	if (u->working_dir && streq(u->working_dir, "~"))
		u->working_dir = arena_dup(p, u->has_cred ? u->cred.home : "/root");
}

static void unit_defaults(struct unit *u)
{
	memset(u, 0, offsetof(struct unit, arena));
	u->arena[0] = '\0';
	u->arena_used = 1; /* arena + 0 is the empty string */
	u->instance = u->arena;
	u->description = u->arena;
	u->type = UNIT_TYPE_SIMPLE;
	u->restart = UNIT_RESTART_NO;
	u->restart_ms = UNIT_DEFAULT_RESTART_MS;
	u->timeout_start_ms = UNIT_DEFAULT_TIMEOUT_START_MS;
	u->timeout_stop_ms = UNIT_DEFAULT_TIMEOUT_STOP_MS;
	u->kill_signal = SIGTERM;
	u->slice = UNIT_SLICE_INFRA;
	u->memory_max = UNIT_INFINITY;
	u->tasks_max = UNIT_INFINITY;
}

/* On failure keep only the name, the source and the first error. */
static void unit_fail(struct unit *u, const char *path)
{
	char name[UNIT_NAME_MAX], err[UNIT_DIAG_LEN];
	memcpy(name, u->name, sizeof name);
	memcpy(err, u->load_error, sizeof err);
	unit_defaults(u);
	memcpy(u->name, name, sizeof name);
	memcpy(u->load_error, err, sizeof err);
	u->load_state = UNIT_LOAD_ERROR;
	u->source = unit_arena_strdup(u, path, strnlen(path, UNIT_ARENA_SIZE / 2));
}

/* Name the unit from its file name and the instance; -1 on error. */
static int set_name(struct parser *p, const char *path, const char *instance)
{
	struct unit *u = p->u;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(u->name, sizeof u->name, "%s", base);
	if (!ends_with(base, ".service") || !unit_name_valid(base)) {
		perr(p, "\"%s\" is not a valid service unit name", base);
		return -1;
	}
	size_t stem = strlen(base) - strlen(".service");
	const char *at = memchr(base, '@', stem);
	int is_template = at && (size_t)(at - base) == stem - 1;
	size_t plen = at ? (size_t)(at - base) : stem;
	if (plen == 0) {
		perr(p, "\"%s\": empty unit name", base);
		return -1;
	}
	snprintf(p->prefix, sizeof p->prefix, "%.*s", (int)plen, base);
	if (instance && !is_template) {
		perr(p, "instance \"%s\" given, but %s is not a template (name@.service)", instance,
		     base);
		return -1;
	}
	if (is_template && !instance) {
		perr(p, "%s is a template: it loads only as an instance (name@instance.service)",
		     base);
		return -1;
	}
	if (instance) {
		if (!valid_instance(instance)) {
			perr(p, "\"%s\": not a valid instance name", instance);
			return -1;
		}
		if (path_fmt(u->name, sizeof u->name, "%s@%s.service", p->prefix, instance) < 0) {
			perr(p, "instance name \"%s\" too long", instance);
			return -1;
		}
		u->instance = arena_dup(p, instance);
	} else if (at) {
		/* an instance written out as its own file: x@1.service */
		char inst[UNIT_NAME_MAX];
		snprintf(inst, sizeof inst, "%.*s", (int)(stem - plen - 1), at + 1);
		u->instance = arena_dup(p, inst);
	}
	return u->instance ? 0 : -1;
}

int unit_load_buffer(const char *path, const char *instance, const char *text, size_t len,
		     const struct unit_opts *opts, struct unit *u, struct unit_diag *d)
{
	static const struct unit_opts no_opts;
	struct parser p;
	memset(&p, 0, offsetof(struct parser, scratch));
	p.scratch_used = 0;
	p.n_start = p.n_pre = p.n_env = p.n_envfile = p.user_line = p.timeout_start_set = 0;
	p.file = path;
	p.u = u;
	p.d = d;
	p.opts = opts ? opts : &no_opts;
	unit_defaults(u);

	if (set_name(&p, path, instance) == 0) {
		u->source = arena_dup(&p, path);
		if (memchr(text, '\0', len))
			perr(&p, "contains a NUL byte");
		else
			parse_text(&p, text, len);
		if (!p.failed)
			finish(&p);
	}
	if (p.failed) {
		unit_fail(u, path);
		return -EINVAL;
	}
	return 0;
}

int unit_load_file(const char *path, const char *instance, const struct unit_opts *opts,
		   struct unit *u, struct unit_diag *d)
{
	char text[UNIT_FILE_MAX + 2];
	ssize_t n = read_file(path, text, sizeof text);
	if (n >= 0 && n <= UNIT_FILE_MAX)
		return unit_load_buffer(path, instance, text, (size_t)n, opts, u, d);
	/* report through the same path so name, load_error and diag are set */
	static const struct unit_opts no_opts;
	struct parser p = {.file = path, .u = u, .d = d, .opts = opts ? opts : &no_opts};
	unit_defaults(u);
	const char *base = strrchr(path, '/');
	snprintf(u->name, sizeof u->name, "%s", base ? base + 1 : path);
	if (n < 0)
		perr(&p, "cannot read: %s", strerror((int)-n));
	else
		perr(&p, "larger than %d bytes", UNIT_FILE_MAX);
	unit_fail(u, path);
	return n < 0 ? (int)n : -EFBIG;
}

/* Bounded copy that truncates quietly (names are validated before). */
static void scopy(char *dst, size_t cap, const char *src)
{
	size_t len = strnlen(src, cap - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void unit_set_failed(struct unit *u, const char *name, const char *text)
{
	unit_defaults(u);
	scopy(u->name, sizeof u->name, name);
	scopy(u->load_error, sizeof u->load_error, text);
	u->load_state = UNIT_LOAD_ERROR;
}

/* ---- small accessors ---- */

static const void *rebase(const void *p, const struct unit *src, struct unit *dst)
{
	const char *c = p;
	if (c >= src->arena && c < src->arena + sizeof src->arena)
		return dst->arena + (c - src->arena);
	return p; /* NULL, or a string literal */
}

#define REBASE(f) ((f) = (void *)rebase((f), src, dst))

static void rebase_exec(struct unit_exec *x, const struct unit *src, struct unit *dst)
{
	REBASE(x->path);
	for (int i = 0; i < x->argc; i++)
		REBASE(x->argv[i]);
}

void unit_copy(struct unit *dst, const struct unit *src)
{
	if (dst == src)
		return;
	memcpy(dst, src, sizeof *dst);
	REBASE(dst->source);
	REBASE(dst->instance);
	REBASE(dst->description);
	for (int i = 0; i < dst->n_after; i++)
		REBASE(dst->after[i]);
	for (int i = 0; i < dst->n_before; i++)
		REBASE(dst->before[i]);
	for (int i = 0; i < dst->n_requires; i++)
		REBASE(dst->requires[i]);
	for (int i = 0; i < dst->n_wants; i++)
		REBASE(dst->wants[i]);
	rebase_exec(&dst->start, src, dst);
	for (int i = 0; i < dst->n_pre; i++)
		rebase_exec(&dst->pre[i], src, dst);
	for (int i = 0; i < dst->n_env; i++)
		REBASE(dst->envp[i]);
	REBASE(dst->working_dir);
	REBASE(dst->user);
	REBASE(dst->group);
	for (int i = 0; i < dst->n_io; i++)
		REBASE(dst->io[i].device);
}

int unit_find(const struct unit *table, int n, const char *name)
{
	size_t len = strlen(name);
	int bare = !strchr(name, '.');
	for (int i = 0; i < n; i++) {
		const char *u = table[i].name;
		if (streq(u, name))
			return i;
		if (bare && strncmp(u, name, len) == 0 && streq(u + len, ".service"))
			return i;
	}
	return -1;
}

const char *unit_slice_path(enum unit_slice s)
{
	return (unsigned)s < 4 ? slice_paths[s] : slice_paths[0];
}

const char *unit_type_name(enum unit_type t)
{
	switch (t) {
	case UNIT_TYPE_SIMPLE:
		return "simple";
	case UNIT_TYPE_EXEC:
		return "exec";
	case UNIT_TYPE_NOTIFY:
		return "notify";
	case UNIT_TYPE_ONESHOT:
		return "oneshot";
	}
	return "?";
}

const char *unit_restart_name(enum unit_restart r)
{
	switch (r) {
	case UNIT_RESTART_NO:
		return "no";
	case UNIT_RESTART_ALWAYS:
		return "always";
	case UNIT_RESTART_ON_FAILURE:
		return "on-failure";
	}
	return "?";
}
