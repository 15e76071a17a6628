/*
 * Condition*= and Assert*= of [Unit]: read (with systemd's "|" trigger
 * and "!" negation prefixes) and evaluated against the node as a
 * struct unit_cond_host describes it, so the unit tier can evaluate them
 * against any node. A false condition skips the unit (not a failure); a
 * false assertion fails its start. The capability names live here too
 * (ConditionCapability=, CapabilityBoundingSet=, AmbientCapabilities=).
 */
#include "units/unit_cond.h"
#include "lib/fileio.h"
#include "lib/pathmatch.h"
#include "units/unit_parser.h"
#include "units/unit_spec.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static const char *const cond_names[UNIT_COND_KINDS] = {
    [UNIT_COND_PATH_EXISTS] = "PathExists",
    [UNIT_COND_PATH_EXISTS_GLOB] = "PathExistsGlob",
    [UNIT_COND_PATH_IS_DIRECTORY] = "PathIsDirectory",
    [UNIT_COND_PATH_IS_SYMLINK] = "PathIsSymbolicLink",
    [UNIT_COND_PATH_IS_MOUNT_POINT] = "PathIsMountPoint",
    [UNIT_COND_PATH_IS_READ_WRITE] = "PathIsReadWrite",
    [UNIT_COND_DIRECTORY_NOT_EMPTY] = "DirectoryNotEmpty",
    [UNIT_COND_FILE_NOT_EMPTY] = "FileNotEmpty",
    [UNIT_COND_FILE_IS_EXECUTABLE] = "FileIsExecutable",
    [UNIT_COND_KERNEL_COMMAND_LINE] = "KernelCommandLine",
    [UNIT_COND_VIRTUALIZATION] = "Virtualization",
    [UNIT_COND_CAPABILITY] = "Capability",
    [UNIT_COND_ARCHITECTURE] = "Architecture",
    [UNIT_COND_CPUS] = "CPUs",
    [UNIT_COND_MEMORY] = "Memory",
    [UNIT_COND_HOST] = "Host",
    [UNIT_COND_ENVIRONMENT] = "Environment",
    [UNIT_COND_AC_POWER] = "ACPower",
    [UNIT_COND_SECURITY] = "Security",
    [UNIT_COND_FIRST_BOOT] = "FirstBoot",
};

const char *unit_cond_name(enum unit_cond_kind k)
{
	return k < UNIT_COND_KINDS ? cond_names[k] : "?";
}

/* Linux's capability numbers 0..40, in order. */
static const char *const cap_names[] = {"chown",
					"dac_override",
					"dac_read_search",
					"fowner",
					"fsetid",
					"kill",
					"setgid",
					"setuid",
					"setpcap",
					"linux_immutable",
					"net_bind_service",
					"net_broadcast",
					"net_admin",
					"net_raw",
					"ipc_lock",
					"ipc_owner",
					"sys_module",
					"sys_rawio",
					"sys_chroot",
					"sys_ptrace",
					"sys_pacct",
					"sys_admin",
					"sys_boot",
					"sys_nice",
					"sys_resource",
					"sys_time",
					"sys_tty_config",
					"mknod",
					"lease",
					"audit_write",
					"audit_control",
					"setfcap",
					"mac_override",
					"mac_admin",
					"syslog",
					"wake_alarm",
					"block_suspend",
					"audit_read",
					"perfmon",
					"bpf",
					"checkpoint_restore"};

int unit_parse_capability(const char *s)
{
	if (strncasecmp(s, "CAP_", 4) == 0)
		s += 4;
	for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++)
		if (strcasecmp(s, cap_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int unit_cond_assign(struct parser *p, const char *key, const char *v)
{
	int assert = strncmp(key, "Assert", 6) == 0;
	if (p->sec != SEC_UNIT || (!assert &&strncmp(key, "Condition", 9) != 0))
		return 0;
	const char *name = key + (assert ? 6 : 9);
	struct unit *u = p->u;
	if (!*v) { /* systemd: an empty one resets every condition */
		u->n_cond = 0;
		return 1;
	}
	int k = 0;
	while (k < UNIT_COND_KINDS && !streq(name, cond_names[k]))
		k++;
	if (k == UNIT_COND_KINDS) {
		unit_pwarn(p, "%s= is not supported: the unit starts as if it held", key);
		return 1;
	}
	if (u->n_cond >= UNIT_COND_MAX) {
		unit_perr(p, "more than %d conditions and assertions", UNIT_COND_MAX);
		return 1;
	}
	struct unit_cond *c = &u->cond[u->n_cond];
	*c = (struct unit_cond){.kind = (enum unit_cond_kind)k, .assert = (uint8_t)assert};
	for (;; v++) {
		if (*v == '|')
			c->trigger = 1;
		else if (*v == '!')
			c->negate = 1;
		else if (*v != ' ' && *v != '\t')
			break;
	}
	char val[UNIT_LINE_MAX];
	if (unit_spec_expand(p, v, val, sizeof val) < 0)
		return 1;
	c->value = unit_arena_dup(p, val);
	c->key = unit_arena_dup(p, key);
	if (c->value && c->key)
		u->n_cond++;
	return 1;
}

/* ---- evaluation ---- */

static int rooted(const struct unit_cond_host *h, const char *path, char *buf, size_t cap)
{
	return path_fmt(buf, cap, "%s%s", h->root ? h->root : "", path);
}

static int dir_not_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	int found = 0;
	while (!found && (e = readdir(d)))
		found = !streq(e->d_name, ".") && !streq(e->d_name, "..");
	closedir(d);
	return found;
}

/* A pattern in the last component only (/dev/nvme*, /var/lib/mdcheck/MD_UUID_*,
 * what units use): an entry of the directory that matches. */
static int glob_last(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) >= sizeof dir)
		return 0;
	if (!strpbrk(path, "*?["))
		return access(path, F_OK) == 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	DIR *d = opendir(dir[0] ? dir : "/");
	if (!d)
		return 0;
	struct dirent *e;
	int found = 0;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.' && pathmatch(slash + 1, e->d_name);
	closedir(d);
	return found;
}

/* s in lower case (ASCII) into out[256]; -1 when it does not fit */
static int lower_copy(char out[256], const char *s)
{
	size_t n = strlen(s);
	if (n >= 256)
		return -1;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return 0;
}

/* ConditionHost='s pattern against the hostname, ignoring case (ASCII:
 * hostnames are); a pattern longer than any hostname matches none */
static int host_matches(const char *pattern, const char *hostname)
{
	char pat[256], host[256];
	return lower_copy(pat, pattern) == 0 && lower_copy(host, hostname) == 0 &&
	       pathmatch(pat, host);
}

static int is_mount_point(const char *path)
{
	struct stat a, b;
	char parent[4096];
	if (stat(path, &a) < 0 || path_fmt(parent, sizeof parent, "%s/..", path) < 0 ||
	    stat(parent, &b) < 0)
		return 0;
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

static int check_path(const struct unit_cond_host *h, const struct unit_cond *c)
{
	char path[4096];
	struct stat st;
	struct statvfs vfs;
	if (c->value[0] != '/' || rooted(h, c->value, path, sizeof path) < 0)
		return 0;
	switch ((int)c->kind) { /* the other kinds are the default */
	case UNIT_COND_PATH_EXISTS:
		return lstat(path, &st) == 0;
	case UNIT_COND_PATH_EXISTS_GLOB:
		return glob_last(path);
	case UNIT_COND_PATH_IS_DIRECTORY:
		return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	case UNIT_COND_PATH_IS_SYMLINK:
		return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
	case UNIT_COND_PATH_IS_MOUNT_POINT:
		return is_mount_point(path);
	case UNIT_COND_PATH_IS_READ_WRITE:
		return statvfs(path, &vfs) == 0 && !(vfs.f_flag & ST_RDONLY);
	case UNIT_COND_DIRECTORY_NOT_EMPTY:
		return dir_not_empty(path);
	case UNIT_COND_FILE_NOT_EMPTY:
		return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
	case UNIT_COND_FILE_IS_EXECUTABLE:
		return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
	default:
		return 0;
	}
}

/* "quiet" matches the word quiet or quiet=...; "a=b" matches a=b only. */
static int check_cmdline(const char *cmdline, const char *want)
{
	size_t wl = strlen(want);
	int has_eq = strchr(want, '=') != NULL;
	for (const char *p = cmdline ? cmdline : ""; *p;) {
		p += strspn(p, " \t\n");
		size_t l = strcspn(p, " \t\n");
		if (l == wl && strncmp(p, want, wl) == 0)
			return 1;
		if (!has_eq && l > wl && strncmp(p, want, wl) == 0 && p[wl] == '=')
			return 1;
		p += l;
	}
	return 0;
}

static int check_virt(const struct unit_cond_host *h, const char *want)
{
	int vm = h->virt && *h->virt && !streq(h->virt, "none");
	int ct = h->container && *h->container && !streq(h->container, "none");
	int b = unit_parse_bool(want);
	if (b >= 0)
		return b == (vm || ct);
	if (streq(want, "vm"))
		return vm && !ct;
	if (streq(want, "container"))
		return ct;
	if (streq(want, "private-users"))
		return h->private_users;
	return (vm && streq(want, h->virt)) || (ct && streq(want, h->container));
}

/* "<=4", ">1", "=2", "4": the comparison of have against the value */
static int compare(uint64_t have, const char *expr, int sizes)
{
	static const char *const ops[] = {"<=", ">=", "!=", "<", ">", "="};
	int op = 5;
	for (int i = 0; i < 6; i++)
		if (strncmp(expr, ops[i], strlen(ops[i])) == 0) {
			op = i;
			expr += strlen(ops[i]);
			break;
		}
	expr += strspn(expr, " \t");
	uint64_t want;
	unsigned long long n;
	if (sizes ? unit_parse_size(expr, &want) < 0 : (parse_u64(expr, &n) < 0 || !(want = n, 1)))
		return 0;
	switch (op) {
	case 0:
		return have <= want;
	case 1:
		return have >= want;
	case 2:
		return have != want;
	case 3:
		return have < want;
	case 4:
		return have > want;
	default:
		return have == want;
	}
}

static int check_env(char *const *env, const char *want)
{
	size_t wl = strlen(want);
	int has_eq = strchr(want, '=') != NULL;
	for (int i = 0; env && env[i]; i++)
		if (has_eq ? streq(env[i], want)
			   : strncmp(env[i], want, wl) == 0 && env[i][wl] == '=')
			return 1;
	return 0;
}

static int check_one(const struct unit_cond_host *h, const struct unit_cond *c)
{
	int cap;
	switch ((int)c->kind) { /* the other kinds are the default */
	case UNIT_COND_KERNEL_COMMAND_LINE:
		return check_cmdline(h->cmdline, c->value);
	case UNIT_COND_VIRTUALIZATION:
		return check_virt(h, c->value);
	case UNIT_COND_CAPABILITY:
		cap = unit_parse_capability(c->value);
		return cap >= 0 && (h->cap_bounding >> cap & 1);
	case UNIT_COND_ARCHITECTURE:
		return streq(c->value, "native") || (h->arch && streq(c->value, h->arch));
	case UNIT_COND_CPUS:
		return compare(h->ncpus, c->value, 0);
	case UNIT_COND_MEMORY:
		return compare(h->memory, c->value, 1);
	case UNIT_COND_HOST:
		return (h->hostname && host_matches(c->value, h->hostname)) ||
		       (h->machine_id && strcasecmp(c->value, h->machine_id) == 0);
	case UNIT_COND_ENVIRONMENT:
		return check_env(h->env, c->value);
	case UNIT_COND_AC_POWER:
		return unit_parse_bool(c->value) == h->on_ac_power;
	case UNIT_COND_SECURITY:
		return h->security && check_cmdline(h->security, c->value);
	case UNIT_COND_FIRST_BOOT:
		return unit_parse_bool(c->value) == h->first_boot;
	default:
		return check_path(h, c);
	}
}

int unit_cond_check(const struct unit *u, const struct unit_cond_host *h, char *why, size_t cap)
{
	/* pass 0: conditions (skip), pass 1: assertions (fail) */
	for (int pass = 0; pass < 2; pass++) {
		int any_trigger = 0, trigger_ok = 0;
		const struct unit_cond *first_trigger = NULL;
		for (int i = 0; i < u->n_cond; i++) {
			const struct unit_cond *c = &u->cond[i];
			if (c->assert != pass)
				continue;
			int ok = check_one(h, c) != c->negate;
			if (c->trigger) {
				any_trigger = 1;
				trigger_ok |= ok;
				if (!first_trigger)
					first_trigger = c;
			} else if (!ok) {
				snprintf(why, cap, "%s=%s%s is false", c->key, c->negate ? "!" : "",
					 c->value);
				return pass ? -1 : 0;
			}
		}
		if (any_trigger && !trigger_ok) {
			snprintf(why, cap, "none of the %s=| conditions holds (%s...)",
				 pass ? "Assert" : "Condition", first_trigger->key);
			return pass ? -1 : 0;
		}
	}
	return 1;
}
