/*
 * The [Service] keys of a service's execution environment: resource
 * limits (Limit*=), the directories systemd makes for a service
 * (RuntimeDirectory= and friends), UMask=, Nice=, CPUAffinity=, IO
 * scheduling, SupplementaryGroups=, StandardOutput=/StandardError=, the
 * hardening pact-init applies (NoNewPrivileges=, PrivateTmp=,
 * ProtectSystem=, ProtectHome=, CapabilityBoundingSet=,
 * AmbientCapabilities=) and the hardening it reads and does not apply
 * (one summary line per unit). Keys that would change what the daemon does
 * and are not supported are said loudly, with the consequence.
 */
#include "lib/fileio.h"
#include "units/unit_parser.h"
#include "units/unit_spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#define WS " \t\r\n"

typedef int (*exec_key_fn)(struct parser *p, const char *key, const char *v);

/* ---- Limit*= ---- */

/* How a limit's value reads: a count, bytes (K, M, G...), or a time. */
enum rlim_unit { RL_COUNT, RL_BYTES, RL_SECONDS, RL_USECS, RL_NICE };

static const struct {
	const char *key;
	int resource;
	enum rlim_unit unit;
} rlimits[] = {
    {"LimitCPU", RLIMIT_CPU, RL_SECONDS},	  {"LimitFSIZE", RLIMIT_FSIZE, RL_BYTES},
    {"LimitDATA", RLIMIT_DATA, RL_BYTES},	  {"LimitSTACK", RLIMIT_STACK, RL_BYTES},
    {"LimitCORE", RLIMIT_CORE, RL_BYTES},	  {"LimitRSS", RLIMIT_RSS, RL_BYTES},
    {"LimitNOFILE", RLIMIT_NOFILE, RL_COUNT},	  {"LimitAS", RLIMIT_AS, RL_BYTES},
    {"LimitNPROC", RLIMIT_NPROC, RL_COUNT},	  {"LimitMEMLOCK", RLIMIT_MEMLOCK, RL_BYTES},
    {"LimitLOCKS", RLIMIT_LOCKS, RL_COUNT},	  {"LimitSIGPENDING", RLIMIT_SIGPENDING, RL_COUNT},
    {"LimitMSGQUEUE", RLIMIT_MSGQUEUE, RL_BYTES}, {"LimitNICE", RLIMIT_NICE, RL_NICE},
    {"LimitRTPRIO", RLIMIT_RTPRIO, RL_COUNT},	  {"LimitRTTIME", RLIMIT_RTTIME, RL_USECS},
};

const char *unit_rlimit_key(int resource)
{
	for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
		if (rlimits[i].resource == resource)
			return rlimits[i].key;
	return NULL;
}

static int parse_rlim_value(const char *s, enum rlim_unit unit, uint64_t *out)
{
	unsigned long long v;
	uint64_t ms;
	if (streq(s, "infinity")) {
		*out = UNIT_INFINITY;
		return 0;
	}
	switch (unit) {
	case RL_BYTES:
		return unit_parse_size(s, out);
	case RL_SECONDS:
	case RL_USECS:
		if (parse_u64(s, &v) == 0) { /* a bare number is seconds (CPU), µs (RTTIME) */
			*out = v;
			return 0;
		}
		if (unit_parse_timespan_ms(s, &ms) < 0)
			return -EINVAL;
		*out = unit == RL_SECONDS ? (ms + 999) / 1000 : ms * 1000;
		return 0;
	case RL_NICE:
		if (s[0] == '-' || s[0] == '+') { /* a nice level -20..19 is 40..1 */
			long n = 0;
			if (parse_u64(s + 1, &v) < 0 || v > 20)
				return -ERANGE;
			n = s[0] == '-' ? -(long)v : (long)v;
			if (n > 19)
				return -ERANGE;
			*out = (uint64_t)(20 - n);
			return 0;
		}
		break;
	case RL_COUNT:
		break;
	}
	if (parse_u64(s, &v) < 0 || v == UNIT_INFINITY)
		return -EINVAL;
	*out = v;
	return 0;
}

static int set_rlimit(struct parser *p, const char *key, const char *v)
{
	size_t i = 0;
	while (i < sizeof rlimits / sizeof rlimits[0] && !streq(rlimits[i].key, key))
		i++;
	int res = rlimits[i].resource;
	struct unit *u = p->u;
	if (!*v) {
		u->rlim_set &= ~(1u << res);
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
		r = parse_rlim_value(soft, rlimits[i].unit, &s);
		h = s;
		if (r == 0 && colon)
			r = parse_rlim_value(colon + 1, rlimits[i].unit, &h);
	}
	if (r < 0 || s > h) {
		unit_perr(p, "%s=%s: expected VALUE, SOFT:HARD (soft <= hard) or infinity", key, v);
		return -1;
	}
	u->rlim[res] = (struct unit_rlimit){s, h};
	u->rlim_set |= 1u << res;
	return 0;
}

/* ---- RuntimeDirectory= and friends ---- */

static const char *const dir_keys[UNIT_DIR_KINDS] = {"RuntimeDirectory", "StateDirectory",
						     "CacheDirectory", "LogsDirectory",
						     "ConfigurationDirectory"};

static int dir_kind(const char *key, size_t len)
{
	for (int k = 0; k < UNIT_DIR_KINDS; k++)
		if (strlen(dir_keys[k]) == len && strncmp(key, dir_keys[k], len) == 0)
			return k;
	return -1;
}

static int add_dirs(struct parser *p, const char *key, const char *v)
{
	int k = dir_kind(key, strlen(key));
	struct unit *u = p->u;
	if (!*v) {
		u->n_dirs[k] = 0;
		return 0;
	}
	char buf[UNIT_LINE_MAX];
	snprintf(buf, sizeof buf, "%s", v);
	for (char *save = NULL, *w = strtok_r(buf, WS, &save); w; w = strtok_r(NULL, WS, &save)) {
		size_t l = strlen(w);
		while (l > 1 && w[l - 1] == '/')
			w[--l] = '\0'; /* "irqbalance/" is "irqbalance" */
		char *colon = strchr(w, ':');
		if (colon) /* "name:symlink" makes symlinks too: the name is enough here */
			*colon = '\0';
		if (w[0] == '/' || strstr(w, "..") || !*w) {
			unit_perr(p, "%s=%s: a relative path below its base, without \"..\"", key,
				  w);
			return -1;
		}
		if (u->n_dirs[k] >= UNIT_DIRS_MAX) {
			unit_perr(p, "%s=: more than %d directories", key, UNIT_DIRS_MAX);
			return -1;
		}
		if (!(u->dirs[k][u->n_dirs[k]] = unit_arena_dup(p, w)))
			return -1;
		u->n_dirs[k]++;
	}
	return 0;
}

static int parse_mode(const char *s, unsigned *mode)
{
	unsigned m = 0;
	if (!*s || strlen(s) > 4)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -EINVAL;
		m = m * 8 + (unsigned)(*s - '0');
	}
	*mode = m;
	return 0;
}

/* RuntimeDirectoryMode= ..., UMask= */
static int set_mode(struct parser *p, const char *key, const char *v)
{
	unsigned m;
	int is_umask = streq(key, "UMask");
	unsigned *dst =
	    is_umask ? &p->u->umask : &p->u->dir_mode[dir_kind(key, strlen(key) - strlen("Mode"))];
	if (!*v) {
		*dst = is_umask ? 022 : 0755;
		return 0;
	}
	if (parse_mode(v, &m) < 0) {
		unit_perr(p, "%s=%s: not an octal mode (e.g. 0755)", key, v);
		return -1;
	}
	*dst = m;
	return 0;
}

static int set_preserve(struct parser *p, const char *key, const char *v)
{
	int b = unit_parse_bool(v);
	if (streq(v, "restart"))
		b = 2;
	else if (!*v)
		b = 0;
	if (b < 0) {
		unit_perr(p, "%s=%s: yes, no or restart", key, v);
		return -1;
	}
	p->u->runtime_preserve = b;
	return 0;
}

/* ---- process attributes ---- */

static int set_nice(struct parser *p, const char *key, const char *v)
{
	long n = 0;
	const char *d = v + (*v == '-' || *v == '+');
	unsigned long long x;
	if (!*v) {
		p->u->has_nice = 0;
		return 0;
	}
	if (parse_u64(d, &x) < 0 || x > 20 || (n = *v == '-' ? -(long)x : (long)x) > 19) {
		unit_perr(p, "%s=%s: not a nice level -20..19", key, v);
		return -1;
	}
	p->u->has_nice = 1;
	p->u->nice = (int)n;
	return 0;
}

/* CPUSchedulingPolicy=, CPUSchedulingPriority= (sched_setscheduler in the
 * child); CPUSchedulingResetOnFork= is read and ignored */
static int set_cpu_sched(struct parser *p, const char *key, const char *v)
{
	static const char *const policies[] = {"other", "fifo", "rr", "batch", "", "idle"};
	unsigned long long prio = 0;
	if (streq(key, "CPUSchedulingResetOnFork"))
		return 0;
	if (streq(key, "CPUSchedulingPriority")) {
		if (*v && (parse_u64(v, &prio) < 0 || prio > 99))
			unit_perr(p, "%s=%s: a priority 0..99", key, v);
		else
			p->u->cpu_sched_prio = (int)prio;
		return 0;
	}
	for (int i = 0; i < (int)(sizeof policies / sizeof policies[0]); i++)
		if (*v ? streq(v, policies[i]) : i == 0) {
			p->u->cpu_sched_policy = *v ? i : -1;
			return 0;
		}
	unit_perr(p, "%s=%s: other, batch, idle, fifo or rr", key, v);
	return -1;
}

/* IgnoreSIGPIPE=, NonBlocking=, PermissionsStartOnly=, DynamicUser= */
static int set_exec_bool(struct parser *p, const char *key, const char *v)
{
	int b = *v ? unit_parse_bool(v) : streq(key, "IgnoreSIGPIPE");
	if (b < 0) {
		unit_perr(p, "%s=%s: not a boolean", key, v);
		return -1;
	}
	*(streq(key, "IgnoreSIGPIPE") ? &p->u->ignore_sigpipe
	  : streq(key, "NonBlocking") ? &p->u->non_blocking
	  : streq(key, "DynamicUser") ? &p->dynamic_user
				      : &p->permissions_start_only) = b;
	return 0;
}

static int set_affinity(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	memset(u->cpus, 0, sizeof u->cpus);
	u->has_affinity = 0;
	if (!*v)
		return 0;
	char buf[UNIT_LINE_MAX];
	snprintf(buf, sizeof buf, "%s", v);
	for (char *save = NULL, *w = strtok_r(buf, " \t,", &save); w;
	     w = strtok_r(NULL, " \t,", &save)) {
		unsigned long long a, b;
		char *dash = strchr(w, '-');
		if (dash)
			*dash = '\0';
		if (parse_u64(w, &a) < 0 || (dash ? parse_u64(dash + 1, &b) : (b = a, 0)) < 0 ||
		    a > b || b >= UNIT_CPUS_MAX) {
			unit_perr(p, "%s=%s: expected CPU numbers and ranges below %d (0 2-3)", key,
				  v, UNIT_CPUS_MAX);
			return -1;
		}
		for (unsigned long long c = a; c <= b; c++)
			u->cpus[c / 64] |= 1ull << (c % 64);
	}
	u->has_affinity = 1;
	return 0;
}

static int set_io_sched(struct parser *p, const char *key, const char *v)
{
	static const char *const classes[] = {"none", "realtime", "best-effort", "idle"};
	struct unit *u = p->u;
	if (streq(key, "IOSchedulingPriority")) {
		unsigned long long n;
		if (!*v) {
			u->io_prio = 0;
			return 0;
		}
		if (parse_u64(v, &n) < 0 || n > 7) {
			unit_perr(p, "%s=%s: a priority 0..7", key, v);
			return -1;
		}
		u->io_prio = (int)n;
		if (u->io_class < 0)
			u->io_class = 2; /* systemd: a priority alone means best-effort */
		return 0;
	}
	if (!*v) {
		u->io_class = -1;
		return 0;
	}
	for (int i = 0; i < 4; i++)
		if (streq(v, classes[i]) || (v[0] == '0' + i && !v[1])) {
			u->io_class = i;
			return 0;
		}
	unit_perr(p, "%s=%s: realtime, best-effort, idle or none", key, v);
	return -1;
}

static int add_groups(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	if (!*v) {
		u->n_groups = 0;
		return 0;
	}
	p->groups_line = p->line;
	char buf[UNIT_LINE_MAX];
	snprintf(buf, sizeof buf, "%s", v);
	for (char *save = NULL, *w = strtok_r(buf, WS, &save); w; w = strtok_r(NULL, WS, &save)) {
		if (u->n_groups >= UNIT_GROUPS_MAX) {
			unit_perr(p, "%s=: more than %d groups", key, UNIT_GROUPS_MAX);
			return -1;
		}
		if (!(u->group_names[u->n_groups++] = unit_arena_dup(p, w)))
			return -1;
	}
	return 0;
}

static int set_std(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	int out = streq(key, "StandardOutput");
	enum unit_std *dst = out ? &u->std_out : &u->std_err;
	const char **path = out ? &u->std_out_path : &u->std_err_path;
	static const struct {
		const char *prefix;
		enum unit_std kind;
	} files[] = {{"file:", UNIT_STD_FILE},
		     {"append:", UNIT_STD_APPEND},
		     {"truncate:", UNIT_STD_TRUNCATE}};
	*path = NULL;
	*dst = UNIT_STD_LOG;
	if (streq(v, "null")) {
		*dst = UNIT_STD_NULL;
		return 0;
	}
	for (size_t i = 0; i < 3; i++) {
		size_t l = strlen(files[i].prefix);
		if (strncmp(v, files[i].prefix, l) == 0) {
			if (v[l] != '/') {
				unit_perr(p, "%s=%s: the file must be an absolute path", key, v);
				return -1;
			}
			*dst = files[i].kind;
			*path = unit_arena_dup(p, v + l);
			return *path ? 0 : -1;
		}
	}
	/* journal, syslog, kmsg (and their +console), inherit, tty: the log */
	if (strncmp(v, "socket", 6) == 0 || strncmp(v, "fd:", 3) == 0)
		unit_pwarn(p, "%s=%s is not supported: the output goes to the service log", key, v);
	return 0;
}

/* ---- hardening ---- */

static int set_hardening_bool(struct parser *p, const char *key, const char *v)
{
	int *dst = streq(key, "NoNewPrivileges") ? &p->u->no_new_privs : &p->u->private_tmp;
	int b = *v ? unit_parse_bool(v) : 0;
	if (b < 0) {
		unit_perr(p, "%s=%s: not a boolean", key, v);
		return -1;
	}
	*dst = b;
	return 0;
}

static int set_protect(struct parser *p, const char *key, const char *v)
{
	int sys = streq(key, "ProtectSystem");
	int *dst = sys ? &p->u->protect_system : &p->u->protect_home;
	int b = *v ? unit_parse_bool(v) : 0;
	if (b >= 0)
		*dst = b;
	else if (sys && (streq(v, "full") || streq(v, "strict")))
		*dst = streq(v, "full") ? 2 : 3;
	else if (!sys && (streq(v, "read-only") || streq(v, "tmpfs")))
		*dst = streq(v, "read-only") ? 2 : 3;
	else {
		unit_perr(p, "%s=%s: %s", key, v,
			  sys ? "yes, no, full or strict" : "yes, no, read-only or tmpfs");
		return -1;
	}
	return 0;
}

/* CapabilityBoundingSet=, AmbientCapabilities=: names, "~" inverts;
 * several lines add up (an empty one resets). */
static int set_caps(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	int bnd = streq(key, "CapabilityBoundingSet");
	uint64_t *dst = bnd ? &u->cap_bounding : &u->cap_ambient;
	int *has = bnd ? &u->has_cap_bounding : &u->has_cap_ambient;
	if (!*v) {
		*has = 1;
		*dst = 0;
		return 0;
	}
	int invert = v[0] == '~';
	uint64_t set = 0;
	char buf[UNIT_LINE_MAX];
	snprintf(buf, sizeof buf, "%s", v + invert);
	for (char *save = NULL, *w = strtok_r(buf, WS, &save); w; w = strtok_r(NULL, WS, &save)) {
		int c = unit_parse_capability(w);
		if (c < 0) {
			unit_pwarn(p, "%s=: unknown capability \"%s\", ignored", key, w);
			continue;
		}
		set |= 1ull << c;
	}
	if (invert)
		set = ~set;
	*dst = *has ? *dst | set : set;
	*has = 1;
	return 0;
}

/* Hardening pact-init does not apply: one line per unit names them all. */
static int note_hardening(struct parser *p, const char *key, const char *v)
{
	(void)v;
	size_t used = strlen(p->hardening_ignored);
	if (!strstr(p->hardening_ignored, key) &&
	    used + strlen(key) + 3 < sizeof p->hardening_ignored)
		snprintf(p->hardening_ignored + used, sizeof p->hardening_ignored - used,
			 "%s%s=", used ? " " : "", key);
	p->u->n_hardening_ignored++;
	return 0;
}

static int is_hardening(const char *key)
{
	static const char *const prefixes[] = {"Protect", "Private", "Restrict", "SystemCall"};
	static const char *const names[] = {"LockPersonality",
					    "MemoryDenyWriteExecute",
					    "DevicePolicy",
					    "DeviceAllow",
					    "ReadWritePaths",
					    "ReadOnlyPaths",
					    "InaccessiblePaths",
					    "ExecPaths",
					    "NoExecPaths",
					    "RemoveIPC",
					    "KeyringMode",
					    "IPAddressDeny",
					    "IPAddressAllow",
					    "SecureBits",
					    "ProcSubset",
					    "IPAccounting",
					    "ReadWriteDirectories",
					    "ReadOnlyDirectories",
					    "InaccessibleDirectories",
					    "TemporaryFileSystem",
					    "ManagedOOMPreference"};
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp(key, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (streq(key, names[i]))
			return 1;
	return 0;
}

/* Keys that change what the daemon gets and that pact-init does not do:
 * said loudly, with the consequence. */
static const struct {
	const char *key, *consequence;
} unsupported[] = {
    {"RootDirectory", "the service runs in the node's root, not in its own"},
    {"RootImage", "the service runs in the node's root, not in its image"},
    {"BindPaths", "nothing is bound into the service's view"},
    {"BindReadOnlyPaths", "nothing is bound into the service's view"},
    {"StandardInput", "standard input is /dev/null"},
    {"TTYPath", "standard input is /dev/null"},
    {"Sockets", "no sockets are passed (socket activation)"},
    {"LoadCredential", "no credentials are passed"},
    {"SetCredential", "no credentials are passed"},
    {"PAMName", "no PAM session is opened"},
    {"USBFunctionDescriptors", "nothing is done with it"},
};

static int warn_unsupported(struct parser *p, const char *key, const char *v)
{
	for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
		if (streq(key, unsupported[i].key)) {
			if (streq(key, "StandardInput") && (streq(v, "null") || !*v))
				return 0;
			unit_pwarn(p, "%s=%s is not supported: %s", key, v,
				   unsupported[i].consequence);
			return 0;
		}
	return 0;
}

static int is_unsupported(const char *key)
{
	for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
		if (streq(key, unsupported[i].key))
			return 1;
	return 0;
}

static const struct {
	const char *key;
	exec_key_fn fn;
} keys[] = {
    {"RuntimeDirectory", add_dirs},
    {"StateDirectory", add_dirs},
    {"CacheDirectory", add_dirs},
    {"LogsDirectory", add_dirs},
    {"ConfigurationDirectory", add_dirs},
    {"RuntimeDirectoryMode", set_mode},
    {"StateDirectoryMode", set_mode},
    {"CacheDirectoryMode", set_mode},
    {"LogsDirectoryMode", set_mode},
    {"ConfigurationDirectoryMode", set_mode},
    {"RuntimeDirectoryPreserve", set_preserve},
    {"UMask", set_mode},
    {"Nice", set_nice},
    {"CPUSchedulingPolicy", set_cpu_sched},
    {"CPUSchedulingPriority", set_cpu_sched},
    {"CPUSchedulingResetOnFork", set_cpu_sched},
    {"IgnoreSIGPIPE", set_exec_bool},
    {"NonBlocking", set_exec_bool},
    {"PermissionsStartOnly", set_exec_bool},
    {"DynamicUser", set_exec_bool},
    {"CPUAffinity", set_affinity},
    {"IOSchedulingClass", set_io_sched},
    {"IOSchedulingPriority", set_io_sched},
    {"SupplementaryGroups", add_groups},
    {"StandardOutput", set_std},
    {"StandardError", set_std},
    {"NoNewPrivileges", set_hardening_bool},
    {"PrivateTmp", set_hardening_bool},
    {"ProtectSystem", set_protect},
    {"ProtectHome", set_protect},
    {"CapabilityBoundingSet", set_caps},
    {"AmbientCapabilities", set_caps},
};

int unit_keys_exec_assign(struct parser *p, const char *key, const char *v)
{
	if (p->sec != SEC_SERVICE)
		return 0;
	exec_key_fn fn = NULL;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !fn; i++)
		if (streq(keys[i].key, key))
			fn = keys[i].fn;
	for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0] && !fn; i++)
		if (streq(rlimits[i].key, key))
			fn = set_rlimit;
	if (!fn && is_unsupported(key))
		fn = warn_unsupported;
	if (!fn && is_hardening(key))
		fn = note_hardening;
	if (!fn)
		return 0;
	char val[UNIT_LINE_MAX];
	/* paths and names take specifiers (%t, %n...); numbers do not */
	if (fn == add_dirs || fn == set_std || fn == add_groups) {
		if (unit_spec_expand(p, v, val, sizeof val) < 0)
			return 1;
	} else {
		snprintf(val, sizeof val, "%s", v);
	}
	fn(p, key, val + strspn(val, WS));
	return 1;
}
