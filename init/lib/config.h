/*
 * Node configuration: every path pact-init touches, the kernel command line
 * keys (pact.*), and /etc/pact/init.conf. One global, filled in at start
 * (argv overrides -> init.conf -> kernel command line, later ones winning
 * where both speak) and read-only afterwards.
 */
#ifndef PACT_CONFIG_H
#define PACT_CONFIG_H

#include <limits.h>
#include <stddef.h>

#define CONF_STR_MAX 256
/* bytes of a path in the configuration, NUL included: the run directory's
 * sockets must fit a sun_path (108) anyway, and the kernel command line's
 * words (pact.root=, init=) are read CONF_STR_MAX + 32 at most. Not
 * PATH_MAX: seven pages of PID 1 touched for paths of a few bytes. */
#define CONF_PATH_MAX		512
#define CONF_MAX_MODULES	32
#define CONF_MAX_WORDS		16
#define CONFIG_MAX_KEY_HANDLERS 16

enum console_exit {
	CONSOLE_EXIT_NONE = 0, /* leave the console alone */
	CONSOLE_EXIT_RESPAWN,  /* start the program again (a getty) */
	CONSOLE_EXIT_POWEROFF, /* the node's job is done: power off */
	CONSOLE_EXIT_REBOOT,
};

struct pact_config {
	/* paths (argv: --run-dir= --cgroup-root= --config-dir= --cmdline=) */
	char run_dir[CONF_PATH_MAX];
	char cgroup_root[CONF_PATH_MAX];
	char config_dir[CONF_PATH_MAX];
	char cmdline_path[CONF_PATH_MAX];
	char modules_dir[CONF_PATH_MAX]; /* "" = /lib/modules/$(uname -r) */

	/* behaviour switches for running under test (argv) */
	int do_mounts; /* --no-mounts clears: the early mounts are skipped */
	int use_kmsg;  /* --no-kmsg clears */
	int do_reboot; /* --no-reboot clears: exit instead of reboot(2) */

	/* kernel command line (pact.*) */
	int debug;		    /* pact.debug */
	int emergency;		    /* pact.emergency: emergency shell instead of services */
	char node_id[CONF_STR_MAX]; /* pact.node_id=; empty means not set (node/identity.c) */
	char ip_arg[CONF_STR_MAX];  /* ip= (network boot syntax) */
	char bootif[32];	    /* BOOTIF=: the MAC of the boot NIC (pxelinux, iPXE) */
	char root[CONF_PATH_MAX];   /* pact.root=: stage 1 mounts this image and switches to it */
	unsigned root_wait_s;	    /* pact.root_wait=: how long to wait for its device */
	char root_init[CONF_PATH_MAX]; /* init=: what stage 1 execs in the new root */

	/* init.conf */
	char conf_node_id[CONF_STR_MAX]; /* node_id */
	char hostname[CONF_STR_MAX];
	char console_exec[CONF_STR_MAX]; /* program run on the console once up */
	enum console_exit console_exit;
	char emergency_shell[CONF_STR_MAX];
	unsigned shutdown_grace_ms; /* TERM -> KILL grace at shutdown */
	unsigned shutdown_kill_wait_ms;
	unsigned shutdown_sync_ms; /* bound on the final unmount + sync (a child does them) */
	unsigned boot_retries;	   /* F33: boot retries before the emergency shell */
	char modules[CONF_MAX_MODULES][64]; /* loaded in InitHardware */
	int n_modules;
};

extern struct pact_config cfg;

void config_defaults(struct pact_config *c);
/* Parse argv overrides; unknown words are ignored when PID 1 (the kernel
 * hands us the command line's leftovers). Returns 0 or -EINVAL with a message
 * printed for a bad flag. */
int config_parse_argv(struct pact_config *c, int argc, char **argv, int strict);
/* Parse the kernel command line text (pact.* keys and ip=). */
void config_parse_cmdline(struct pact_config *c, const char *text);
/* The same without its warnings (unknown pact.* keys, bad values): for a
 * second reading of a line whose first reading said them already. */
void config_parse_cmdline_quiet(struct pact_config *c, const char *text);
/* Read <config_dir>/init.conf. Missing file is fine. Bad lines are logged
 * with file:line and skipped. */
int config_load_file(struct pact_config *c);
/* Hand one init.conf key to a module that claims it (see config.c). */
typedef int (*config_key_fn)(const char *key, const char *value, char *err, size_t errlen);
int config_register_keys(const char *prefix, config_key_fn fn); /* 0, or -ENOSPC */

/* "<run_dir>/<name>" into buf: 0, or -ENAMETOOLONG. */
int run_path(char *buf, size_t cap, const char *name);

#endif
