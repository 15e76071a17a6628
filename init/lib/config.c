/*
 * Configuration sources, in the order they apply: built-in defaults, argv
 * flags (paths, test switches), /etc/pact/init.conf, then the kernel command
 * line's pact.* keys. The kernel command line wins because it is what an
 * admin can change at the boot prompt of a node with no disk.
 */
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pact_config cfg PAGE_ALIGNED;

static struct {
	const char *prefix;
	config_key_fn fn;
} key_handlers[CONFIG_MAX_KEY_HANDLERS];
static int n_key_handlers;

int config_register_keys(const char *prefix, config_key_fn fn)
{
	int i =
	    table_slot(&n_key_handlers, CONFIG_MAX_KEY_HANDLERS, "init.conf key handlers", prefix);
	if (i < 0)
		return i;
	key_handlers[i].prefix = prefix;
	key_handlers[i].fn = fn;
	return 0;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}
#define COPY(dst, src) copy_str(dst, sizeof(dst), src)

void config_defaults(struct pact_config *c)
{
	/* PID 1's configuration starts zeroed: pages where nothing is set stay
	 * untouched (not resident) */
	table_clear_sparse(c, sizeof *c);
	COPY(c->run_dir, "/run/pact");
	COPY(c->cgroup_root, "/sys/fs/cgroup");
	COPY(c->config_dir, "/etc/pact");
	COPY(c->cmdline_path, "/proc/cmdline");
	c->do_mounts = 1;
	c->use_kmsg = 1;
	c->do_reboot = 1;
	COPY(c->emergency_shell, "/bin/sh");
	c->console_exit = CONSOLE_EXIT_NONE;
	c->shutdown_grace_ms = 5000;
	c->shutdown_kill_wait_ms = 5000;
	c->shutdown_sync_ms = 30000;
	c->boot_retries = 5;
	c->root_wait_s = 10;
	COPY(c->root_init, "/sbin/init");
}

static const struct {
	const char *flag;
	size_t off;
} path_flags[] = {
    {"--run-dir=", offsetof(struct pact_config, run_dir)},
    {"--cgroup-root=", offsetof(struct pact_config, cgroup_root)},
    {"--config-dir=", offsetof(struct pact_config, config_dir)},
    {"--cmdline=", offsetof(struct pact_config, cmdline_path)},
    {"--modules-dir=", offsetof(struct pact_config, modules_dir)},
};

static int parse_flag(struct pact_config *c, const char *a)
{
	for (size_t i = 0; i < sizeof path_flags / sizeof path_flags[0]; i++) {
		size_t n = strlen(path_flags[i].flag);
		if (strncmp(a, path_flags[i].flag, n) == 0) {
			if (strlen(a + n) >= CONF_PATH_MAX) {
				log_err("%.*s: longer than %d bytes; ignored", (int)n - 1, a,
					CONF_PATH_MAX - 1);
				return -E2BIG;
			}
			copy_str((char *)c + path_flags[i].off, CONF_PATH_MAX, a + n);
			return 0;
		}
	}
	if (strcmp(a, "--no-mounts") == 0)
		c->do_mounts = 0;
	else if (strcmp(a, "--no-kmsg") == 0)
		c->use_kmsg = 0;
	else if (strcmp(a, "--no-reboot") == 0)
		c->do_reboot = 0;
	else if (strcmp(a, "--debug") == 0)
		c->debug = 1;
	else
		return -EINVAL;
	return 0;
}

int config_parse_argv(struct pact_config *c, int argc, char **argv, int strict)
{
	for (int i = 1; i < argc; i++) {
		int r = parse_flag(c, argv[i]);
		if (r == 0 || (r == -E2BIG && !strict))
			continue;
		if (r == -E2BIG)
			return -EINVAL; /* said why */
		if (strict) {
			log_err("unknown argument '%s' (see pact-init(8) in README.md)", argv[i]);
			return -EINVAL;
		}
		/* PID 1 gets the kernel's leftovers (e.g. "single"): not ours */
	}
	return 0;
}

/* pact-init reads the command line twice (before init.conf, for the
 * keys that shape it, and after it, to win over it): it warns once */
static int cmdline_quiet;
#define cmdline_warn(...)                                                                          \
	do {                                                                                       \
		if (!cmdline_quiet)                                                                \
			log_warn(__VA_ARGS__);                                                     \
	} while (0)

static void set_root_wait(struct pact_config *c, const char *v)
{
	unsigned long long x;
	if (parse_u64(v, &x) < 0 || x > 3600)
		cmdline_warn("kernel command line: pact.root_wait=%s: want seconds (0..3600)", v);
	else
		c->root_wait_s = (unsigned)x;
}

/* One word of the kernel command line; quoting as the kernel does it. */
static void cmdline_word(struct pact_config *c, const char *w)
{
	const char *eq = strchr(w, '=');
	const char *val = eq ? eq + 1 : "";
	size_t klen = eq ? (size_t)(eq - w) : strlen(w);
	if (klen == 10 && strncmp(w, "pact.debug", klen) == 0)
		c->debug = !eq || strcmp(val, "0") != 0;
	else if (klen == 14 && strncmp(w, "pact.emergency", klen) == 0)
		c->emergency = !eq || strcmp(val, "0") != 0;
	else if (klen == 12 && strncmp(w, "pact.node_id", klen) == 0)
		COPY(c->node_id, val); /* "" (iPXE's empty ${hostname}): not set */
	else if (klen == 2 && strncmp(w, "ip", klen) == 0)
		COPY(c->ip_arg, val);
	else if (klen == 6 && strncmp(w, "BOOTIF", klen) == 0)
		COPY(c->bootif, val);
	else if (klen == 9 && strncmp(w, "pact.root", klen) == 0)
		COPY(c->root, val);
	else if (klen == 14 && strncmp(w, "pact.root_wait", klen) == 0)
		set_root_wait(c, val);
	else if (klen == 4 && strncmp(w, "init", klen) == 0 && val[0] == '/')
		COPY(c->root_init, val); /* the kernel's init= names the new root's init */
	else if (klen > 5 && strncmp(w, "pact.", 5) == 0)
		cmdline_warn("kernel command line: unknown key '%.*s' ignored", (int)klen, w);
}

void config_parse_cmdline_quiet(struct pact_config *c, const char *text)
{
	cmdline_quiet = 1;
	config_parse_cmdline(c, text);
	cmdline_quiet = 0;
}

void config_parse_cmdline(struct pact_config *c, const char *text)
{
	char word[CONF_STR_MAX + 32];
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		size_t n = 0;
		int quoted = 0;
		for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			if (n < sizeof word - 1)
				word[n++] = *p;
		}
		word[n] = '\0';
		cmdline_word(c, word);
	}
}

static int set_console_exit(struct pact_config *c, const char *v)
{
	static const char *names[] = {"none", "respawn", "poweroff", "reboot"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(v, names[i]) == 0) {
			c->console_exit = (enum console_exit)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int set_ms(unsigned *dst, const char *v)
{
	unsigned long long x;
	if (parse_u64(v, &x) < 0 || x > 3600000)
		return -EINVAL;
	*dst = (unsigned)x;
	return 0;
}

static int set_modules(struct pact_config *c, const char *v)
{
	char buf[CONF_STR_MAX];
	COPY(buf, v);
	c->n_modules = 0;
	for (char *save, *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		if (c->n_modules == CONF_MAX_MODULES || strlen(w) >= sizeof c->modules[0])
			return -E2BIG;
		COPY(c->modules[c->n_modules], w);
		c->n_modules++;
	}
	return 0;
}

static int apply_key(struct pact_config *c, const char *k, const char *v, char *err, size_t errlen)
{
	if (strcmp(k, "node_id") == 0) {
		COPY(c->conf_node_id, v);
	} else if (strcmp(k, "hostname") == 0) {
		COPY(c->hostname, v);
	} else if (strcmp(k, "console_exec") == 0) {
		COPY(c->console_exec, v);
	} else if (strcmp(k, "console_exit") == 0) {
		if (set_console_exit(c, v) < 0)
			return snprintf(err, errlen, "want none, respawn, poweroff or reboot"),
			       -EINVAL;
	} else if (strcmp(k, "emergency_shell") == 0) {
		COPY(c->emergency_shell, v);
	} else if (strcmp(k, "shutdown_grace_ms") == 0) {
		if (set_ms(&c->shutdown_grace_ms, v) < 0)
			return snprintf(err, errlen, "want milliseconds (0..3600000)"), -EINVAL;
	} else if (strcmp(k, "shutdown_kill_wait_ms") == 0) {
		if (set_ms(&c->shutdown_kill_wait_ms, v) < 0)
			return snprintf(err, errlen, "want milliseconds (0..3600000)"), -EINVAL;
	} else if (strcmp(k, "shutdown_sync_ms") == 0) {
		if (set_ms(&c->shutdown_sync_ms, v) < 0)
			return snprintf(err, errlen, "want milliseconds (0..3600000)"), -EINVAL;
	} else if (strcmp(k, "boot_retries") == 0) {
		if (set_ms(&c->boot_retries, v) < 0)
			return snprintf(err, errlen, "want a count"), -EINVAL;
	} else if (strcmp(k, "modules") == 0) {
		if (set_modules(c, v) < 0)
			return snprintf(err, errlen, "too many or too long module names"), -E2BIG;
	} else {
		for (int i = 0; i < n_key_handlers; i++) {
			size_t n = strlen(key_handlers[i].prefix);
			if (strncmp(k, key_handlers[i].prefix, n) == 0)
				return key_handlers[i].fn(k, v, err, errlen);
		}
		snprintf(err, errlen, "unknown key '%s'", k);
		return -ENOENT;
	}
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* A '#' at the start of a line or after a blank starts a comment, as in a
 * shell: `shutdown_kill_wait_ms = 2000 # two seconds` is 2000. A '#' inside
 * a word (a path, a URL's fragment) is kept. */
static void cut_comment(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

int config_load_file(struct pact_config *c)
{
	char path[PATH_MAX], text[16384];
	if (path_fmt(path, sizeof path, "%s/init.conf", c->config_dir) < 0)
		return -ENAMETOOLONG;
	ssize_t n = read_config_file(path, text, sizeof text);
	if (n == -ENOENT)
		return 0;
	if (n < 0) {
		log_err("%s: %s", path, file_error((int)-n));
		return (int)n;
	}
	if ((size_t)n == sizeof text - 1)
		log_warn("%s: longer than %zu bytes, the rest is ignored", path, sizeof text - 1);
	int lineno = 0;
	for (char *line = text, *next; line && *line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		cut_comment(line);
		char *s = trim(line);
		if (*s == '\0')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			log_err("%s:%d: expected 'key = value'", path, lineno);
			continue;
		}
		*eq = '\0';
		char err[128] = "";
		const char *k = trim(s), *v = trim(eq + 1);
		int r = apply_key(c, k, v, err, sizeof err);
		if (r < 0)
			log_err("%s:%d: %s: %s", path, lineno, k, err[0] ? err : strerror(-r));
	}
	return 0;
}

int run_path(char *buf, size_t cap, const char *name)
{
	int r = path_fmt(buf, cap, "%s/%s", cfg.run_dir, name);
	return r < 0 ? r : 0;
}
