/*
 * Service unit files: a systemd-compatible subset parsed into a fixed-size
 * struct unit. Every string a unit owns lives in its own bounded arena; the
 * parser never allocates. Errors and warnings name file:line and go both to
 * the log and to a small bounded list the caller (and the tests) can read.
 * See docs/units.md for the keys, the limits and what is refused.
 */
#ifndef PACT_UNIT_H
#define PACT_UNIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING in unit_diag_msg.level */

#include "os/userdb.h"
#include "units/unit_socket.h"
#include "units/unit_timer.h"

/* Limits (documented in docs/units.md). */
#define UNITS_MAX	  128	/* units in a table (and in the dependency graph) */
#define UNIT_NAME_MAX	  128	/* "name@instance.service" incl. NUL */
#define UNIT_ARENA_SIZE	  8192	/* all strings of one unit */
#define UNIT_ARGV_MAX	  64	/* arguments per command (argv[0] included) */
#define UNIT_CMD_MAX	  8	/* commands of one kind (ExecStartPre=, ExecStart=...) */
#define UNIT_ENV_MAX	  64	/* environment entries */
#define UNIT_ENVFILE_MAX  4	/* EnvironmentFile= entries */
#define UNIT_DEPS_MAX	  32	/* names per After/Before/Requires/Wants list */
#define UNIT_IO_MAX	  8	/* devices with an IO bandwidth limit */
#define UNIT_FILE_MAX	  32768 /* bytes of a unit file */
#define UNIT_ENVFILE_SIZE 16384 /* bytes of an EnvironmentFile */
#define UNIT_LINE_MAX	  4096	/* a logical line, continuations joined */
#define UNIT_DIAG_MAX	  16	/* messages kept in a unit_diag */
#define UNIT_DIAG_LEN	  256	/* bytes per message */
#define UNIT_DIRS_MAX	  4	/* names per RuntimeDirectory= (and State..., Cache...) */
#define UNIT_COND_MAX	  16	/* Condition*= and Assert*= lines */
#define UNIT_GROUPS_MAX	  8	/* SupplementaryGroups= */
#define UNIT_RLIMITS	  16	/* RLIMIT_CPU .. RLIMIT_RTTIME */
#define UNIT_CPUS_MAX	  1024	/* CPUAffinity= */
#define UNIT_LINKS_MAX	  16 /* names per Conflicts/BindsTo/PartOf/Requisite and [Install] list */

#define UNIT_INFINITY		       UINT64_MAX /* "infinity" / not set, for sizes and counts */
#define UNIT_TIMEOUT_NONE	       UINT64_MAX /* TimeoutStartSec=infinity or 0: no start timeout */
#define UNIT_STOP_TIMEOUT_CAP_MS       300000	  /* TimeoutStopSec=infinity/0 becomes 5 min */
#define UNIT_DEFAULT_TIMEOUT_START_MS  90000
#define UNIT_DEFAULT_TIMEOUT_STOP_MS   10000
#define UNIT_DEFAULT_RESTART_MS	       100
#define UNIT_DEFAULT_START_LIMIT_MS    10000 /* StartLimitIntervalSec= (systemd's) */
#define UNIT_DEFAULT_START_LIMIT_BURST 5     /* StartLimitBurst= (systemd's) */

enum unit_type {
	UNIT_TYPE_SIMPLE = 0, /* ready once spawned */
	UNIT_TYPE_EXEC,	      /* ready once exec succeeded */
	UNIT_TYPE_NOTIFY,     /* ready on sd_notify READY=1 */
	UNIT_TYPE_ONESHOT,    /* ready when ExecStart exits 0 */
	UNIT_TYPE_FORKING,    /* ready when ExecStart exits 0; the main pid is its daemon */
};

/* What a unit file is, from its suffix (unit_set.c reads all four). */
enum unit_kind {
	UNIT_KIND_SERVICE = 0,
	UNIT_KIND_SOCKET, /* [Socket]: unit_socket.h */
	UNIT_KIND_TIMER,  /* [Timer]: unit_timer.h */
	UNIT_KIND_TARGET, /* no section of its own: a point others order against */
};

/* A list of unit names in the unit's arena (the relations unit_set.c adds). */
struct unit_names {
	const char *name[UNIT_LINKS_MAX];
	int n;
};

enum unit_restart {
	UNIT_RESTART_NO = 0,
	UNIT_RESTART_ALWAYS,
	UNIT_RESTART_ON_FAILURE,  /* unclean exit code or signal, timeout, watchdog */
	UNIT_RESTART_ON_SUCCESS,  /* clean exit code or signal */
	UNIT_RESTART_ON_ABNORMAL, /* unclean signal, timeout, watchdog */
	UNIT_RESTART_ON_ABORT,	  /* unclean signal */
	UNIT_RESTART_ON_WATCHDOG, /* watchdog timeout */
};

/* KillMode=: what a stop signals (the scope is emptied afterwards unless
 * process or none). */
enum unit_kill_mode {
	UNIT_KILL_CONTROL_GROUP = 0, /* every process of the scope */
	UNIT_KILL_MIXED,	     /* KillSignal to the main pid, SIGKILL to the rest */
	UNIT_KILL_PROCESS,	     /* the main pid only; the rest stays */
	UNIT_KILL_NONE,		     /* nothing: ExecStop= only; the rest stays */
};

/* The command lists of a service, in the order they run. */
enum unit_cmd {
	UNIT_CMD_PRE = 0,   /* ExecStartPre= */
	UNIT_CMD_START,	    /* ExecStart= (several only in a oneshot) */
	UNIT_CMD_POST,	    /* ExecStartPost= */
	UNIT_CMD_RELOAD,    /* ExecReload= */
	UNIT_CMD_STOP,	    /* ExecStop= */
	UNIT_CMD_STOP_POST, /* ExecStopPost= */
	UNIT_CMD_CONDITION, /* ExecCondition=: runs first; 1-254 skips the unit */
	UNIT_CMD_KINDS,
};

/* RuntimeDirectory= and friends: made below /run, /var/lib, /var/cache,
 * /var/log and /etc. */
enum unit_dir_kind {
	UNIT_DIR_RUNTIME = 0,
	UNIT_DIR_STATE,
	UNIT_DIR_CACHE,
	UNIT_DIR_LOGS,
	UNIT_DIR_CONFIGURATION,
	UNIT_DIR_KINDS,
};

/* StandardOutput=/StandardError=: the service log (journal, syslog, kmsg,
 * inherit, tty all land there), nothing, or a file. */
enum unit_std {
	UNIT_STD_LOG = 0,
	UNIT_STD_NULL,
	UNIT_STD_FILE,
	UNIT_STD_APPEND,
	UNIT_STD_TRUNCATE
};

/* Condition*= / Assert*= */
enum unit_cond_kind {
	UNIT_COND_PATH_EXISTS = 0,
	UNIT_COND_PATH_EXISTS_GLOB,
	UNIT_COND_PATH_IS_DIRECTORY,
	UNIT_COND_PATH_IS_SYMLINK,
	UNIT_COND_PATH_IS_MOUNT_POINT,
	UNIT_COND_PATH_IS_READ_WRITE,
	UNIT_COND_DIRECTORY_NOT_EMPTY,
	UNIT_COND_FILE_NOT_EMPTY,
	UNIT_COND_FILE_IS_EXECUTABLE,
	UNIT_COND_KERNEL_COMMAND_LINE,
	UNIT_COND_VIRTUALIZATION,
	UNIT_COND_CAPABILITY,
	UNIT_COND_ARCHITECTURE,
	UNIT_COND_CPUS,
	UNIT_COND_MEMORY,
	UNIT_COND_HOST,
	UNIT_COND_ENVIRONMENT,
	UNIT_COND_AC_POWER,
	UNIT_COND_SECURITY,
	UNIT_COND_FIRST_BOOT,
	UNIT_COND_KINDS,
};

struct unit_cond {
	enum unit_cond_kind kind;
	uint8_t negate;	 /* "!" */
	uint8_t trigger; /* "|": any one trigger true is enough */
	uint8_t assert;	 /* Assert*=: false fails the start instead of skipping it */
	const char *value;
	const char *key; /* "ConditionPathExists", for messages */
};

/* Exit codes 0..255 and signals 1..63 of SuccessExitStatus= and friends. */
struct unit_exit_set {
	uint8_t code[32];
	uint64_t sig;
};

struct unit_rlimit {
	uint64_t soft, hard; /* UNIT_INFINITY = RLIM_INFINITY */
};

/* FailureAction=, SuccessAction=: what the node does when the unit ends so
 * (every systemd spelling maps to one of pact-init's clean shutdowns). */
enum unit_end_action {
	UNIT_ACTION_NONE = 0,
	UNIT_ACTION_REBOOT,   /* reboot, -force, -immediate, soft-reboot, kexec */
	UNIT_ACTION_POWEROFF, /* poweroff, -force, -immediate, exit, exit-force */
	UNIT_ACTION_HALT,     /* halt, -force, -immediate */
};

enum unit_slice {
	UNIT_SLICE_INFRA = 0,
	UNIT_SLICE_NETWORK,
	UNIT_SLICE_GPU,
	UNIT_SLICE_AUDIT,
};

enum unit_load_state {
	UNIT_LOADED = 0,
	UNIT_LOAD_ERROR, /* name and load_error are valid, nothing else */
};

/* Command prefixes (systemd's "-", "@", ":"). */
#define UNIT_EXEC_IGNORE_FAILURE 0x1 /* "-": a failing exit counts as success */
#define UNIT_EXEC_ARGV0		 0x2 /* "@": path and argv[0] differ */
#define UNIT_EXEC_NO_EXPAND	 0x4 /* ":": no $VAR expansion */
#define UNIT_EXEC_PRIVILEGED	 0x8 /* "+": as root, without the unit's sandboxing */
/* "!", "!!": as root, the daemon drops privileges itself (pact-init has no
 * ambient capability support to do it for it) */
#define UNIT_EXEC_NO_SETUID 0x10

struct unit_exec {
	const char *path; /* what to execve (absolute, or searched in PATH) */
	char **argv;	  /* NULL-terminated, argc + 1 slots, all in the arena */
	int argc;
	unsigned flags;
};

struct unit_io_bw {
	const char *device;  /* absolute path, e.g. /dev/nvme0n1 */
	uint64_t rbps, wbps; /* bytes/s; UNIT_INFINITY = no limit */
};

/*
 * The fields every unit sets (the loader's defaults, what common units
 * say) come before the arena, the rarely set ones after it: in a table of
 * units only the front of each slot and the used part of its arena are
 * written, so the untouched rest (the arena's tail, the rare fields) stays
 * out of PID 1's resident memory. unit_reset and unit_copy write the rare
 * fields only where they differ (lib/table.h).
 */
struct unit {
	char name[UNIT_NAME_MAX]; /* "chronyd.service", "cxi_rh@0.service" */
	enum unit_load_state load_state;
	const char *source;   /* the file it came from */
	const char *instance; /* "0" for cxi_rh@0.service, "" otherwise */
	uint64_t digest;      /* of its files' paths and text: daemon-reload sees a change */

	/* [Unit] */
	const char *description; /* "" when not set */
	/* more than burst starts within the interval: no more (0: no limit) */
	uint64_t start_limit_ms;
	unsigned start_limit_burst;
	const char *after[UNIT_DEPS_MAX], *before[UNIT_DEPS_MAX];
	const char *requires[UNIT_DEPS_MAX], *wants[UNIT_DEPS_MAX];
	int n_after, n_before, n_requires, n_wants;
	/* the unit set's relations (unit_set.c, docs/units.md "Which units run") */
	enum unit_kind kind;
	int default_deps; /* DefaultDependencies= (yes unless said) */
	int boot;	  /* started by the boot (else only by a socket, timer or request) */
	int in_target;	  /* enabled into the node's target: decides readiness */
	enum unit_end_action failure_action, success_action;
	/* [Install] */
	struct unit_names wanted_by;
	struct unit_socket sock; /* kind == UNIT_KIND_SOCKET */
	struct unit_timer timer; /* kind == UNIT_KIND_TIMER */

	/* [Service] */
	enum unit_type type;
	struct unit_exec exec[UNIT_CMD_KINDS][UNIT_CMD_MAX];
	int n_exec[UNIT_CMD_KINDS];
	const char *pid_file; /* PIDFile=, NULL if not set */
	int guess_main_pid;   /* GuessMainPID= (default yes) */
	int remain_after_exit;
	int delegate;		      /* Delegate=yes */
	uint64_t watchdog_ms;	      /* WatchdogSec=; 0 = off */
	char *envp[UNIT_ENV_MAX + 1]; /* "KEY=VALUE", NULL-terminated */
	int n_env;
	const char *working_dir;  /* NULL: "/" (or the spawner's default) */
	int working_dir_optional; /* "-" prefix: a missing directory is fine */
	const char *user, *group; /* as written, NULL if not set */
	int has_cred;		  /* User= or Group= given: cred is resolved */
	enum unit_restart restart;
	uint64_t restart_ms;
	uint64_t timeout_start_ms; /* UNIT_TIMEOUT_NONE: wait forever */
	uint64_t timeout_stop_ms;  /* always finite */
	int kill_signal;
	enum unit_kill_mode kill_mode;
	int send_sigkill, send_sighup, final_kill_signal;
	enum unit_slice slice;
	uint64_t memory_max; /* bytes; UNIT_INFINITY = no limit */
	unsigned cpu_weight; /* 1..10000; 0 = not set (kernel default 100) */
	uint64_t tasks_max;  /* UNIT_INFINITY = no limit */
	int tasks_max_set;   /* TasksMax= given (else the default task limit applies) */
	int n_io;
	unsigned rlim_set; /* bit n: rlim[n] was given */
	int has_oom_score_adj;
	int oom_score_adj;
	unsigned umask; /* UMask= (default 0022) */
	int has_nice, nice;
	int cpu_sched_policy, cpu_sched_prio; /* CPUSchedulingPolicy= (-1: not set), ...Priority= */
	int ignore_sigpipe;		      /* IgnoreSIGPIPE= (default yes, as systemd) */
	int non_blocking;		      /* NonBlocking=: O_NONBLOCK on the LISTEN_FDS */
	int has_affinity;
	int io_class, io_prio; /* IOSchedulingClass= (-1: not set), IOSchedulingPriority= */
	int n_groups;	       /* SupplementaryGroups=, resolved at load */
	enum unit_std std_out, std_err;
	const char *std_out_path, *std_err_path;
	/* RuntimeDirectory= and friends: names relative to their base */
	int n_dirs[UNIT_DIR_KINDS];
	unsigned dir_mode[UNIT_DIR_KINDS];
	int runtime_preserve; /* RuntimeDirectoryPreserve=: 0 no, 1 yes, 2 restart */
	int n_cond;
	/* hardening that pact-init applies */
	int no_new_privs, private_tmp;
	int protect_system; /* 0 no, 1 yes (/usr, /boot), 2 full (+ /etc), 3 strict (all) */
	int protect_home;   /* 0 no, 1 yes (hidden), 2 read-only, 3 tmpfs */
	int has_cap_bounding, has_cap_ambient;
	uint64_t cap_bounding, cap_ambient;
	int n_hardening_ignored; /* hardening keys read and not applied (one summary line) */

	size_t arena_used;
	char arena[UNIT_ARENA_SIZE] __attribute__((aligned(sizeof(void *))));

	/* rarely set (see above); load_error first: UNIT_RARE_OFFSET */
	char load_error[UNIT_DIAG_LEN]; /* first error, "file:line: what" */
	struct unit_names conflicts, binds_to, part_of, requisite;
	struct unit_names on_failure, on_success; /* started when it fails / succeeds */
	struct unit_names required_by, alias, also;
	struct userdb_cred cred;
	struct unit_exit_set success_status, restart_prevent, restart_force;
	struct unit_io_bw io[UNIT_IO_MAX];
	struct unit_rlimit rlim[UNIT_RLIMITS]; /* by RLIMIT_* number */
	uint64_t cpus[UNIT_CPUS_MAX / 64];
	const char *group_names[UNIT_GROUPS_MAX];
	gid_t groups[UNIT_GROUPS_MAX];
	const char *dirs[UNIT_DIR_KINDS][UNIT_DIRS_MAX];
	struct unit_cond cond[UNIT_COND_MAX];
};
/* Where the rarely set fields begin, past the arena. */
#define UNIT_RARE_OFFSET offsetof(struct unit, load_error)

/* Diagnostics of one load (or of a whole directory). */
struct unit_diag_msg {
	int level;		  /* LOG_ERR or LOG_WARNING */
	char text[UNIT_DIAG_LEN]; /* "file:line: what" */
};

struct unit_diag {
	int nerr, nwarn; /* totals, also counting messages that did not fit */
	int n;		 /* messages kept, at most UNIT_DIAG_MAX */
	struct unit_diag_msg msg[UNIT_DIAG_MAX];
};

struct unit_opts {
	/* prepended to EnvironmentFile= paths and to /etc/passwd, /etc/group;
	 * NULL or "" means the real root */
	const char *root;
	/* do not resolve User=/Group= at load time (cred stays zero) */
	int no_userdb;
	/* do not also log each message through log_warn/log_err */
	int quiet;
};

/*
 * Load one unit file. instance is NULL for a plain unit, or the instance
 * ("0") of a template file "name@.service". Returns 0, or a negative errno
 * with u->load_state = UNIT_LOAD_ERROR and u->load_error set; u->name is
 * set whenever the path names a unit. opts and d may be NULL.
 */
int unit_load_file(const char *path, const char *instance, const struct unit_opts *opts,
		   struct unit *u, struct unit_diag *d);

/* The same from several files: paths[0] the unit file, then its drop-ins
 * (NAME.d/ *.conf files) in the order they apply, each read as if appended. */
int unit_load_files(const char *const *paths, int n, const char *instance,
		    const struct unit_opts *opts, struct unit *u, struct unit_diag *d);

/* The same from a buffer; path is only used for the unit name and messages. */
int unit_load_buffer(const char *path, const char *instance, const char *text, size_t len,
		     const struct unit_opts *opts, struct unit *u, struct unit_diag *d);

/*
 * Load every "*.service" of dir into table (sorted by name), skipping
 * templates ("x@.service") and masked units (symlinks to /dev/null), then
 * one unit per entry of instances ("cxi_rh@0" or "cxi_rh@0.service"),
 * each from its template in dir. A unit that fails to load still takes a
 * slot (load_state UNIT_LOAD_ERROR) so it can be shown as failed.
 * Returns the number of slots used (<= max), or -errno if dir cannot be read.
 */
int units_load_dir(const char *dir, const char *const *instances, int n_instances,
		   const struct unit_opts *opts, struct unit *table, int max, struct unit_diag *d);

/*
 * Split a space-separated list in place (e.g. init.conf's "instances =
 * cxi_rh@0 cxi_rh@1"), for units_load_dir. Returns the count (at most max).
 */
int unit_split_list(char *s, const char **out, int max);

/* Copy a unit: the arena's pointers are rebased onto dst. Never memcpy one. */
void unit_copy(struct unit *dst, const struct unit *src);

/* A valid unit name: [A-Za-z0-9:_.@\\-], 1..UNIT_NAME_MAX-1 bytes. */
int unit_name_valid(const char *s);

/* Index of the unit named name ("x.service", or "x" meaning x.service), or -1. */
int unit_find(const struct unit *table, int n, const char *name);

/* Contract path of a slice, e.g. "pact.slice/gpu.slice". */
const char *unit_slice_path(enum unit_slice s);
const char *unit_type_name(enum unit_type t);
const char *unit_restart_name(enum unit_restart r);

/* Parsers used by the loader, exposed for tests and for init.conf. */
/* systemd time span ("5", "5s", "500ms", "1min 30s", "infinity") in ms,
 * rounded up; infinity gives UNIT_INFINITY. Returns 0 or -EINVAL/-ERANGE. */
int unit_parse_timespan_ms(const char *s, uint64_t *ms);
/* bytes with K/M/G/T/P/E (base 1024) or "infinity". */
int unit_parse_size(const char *s, uint64_t *bytes);
/* "TERM", "SIGTERM" or "15". Returns the signal number or -EINVAL. */
int unit_parse_signal(const char *s);
/* "LimitNOFILE" for RLIMIT_NOFILE; NULL for an unknown resource. */
const char *unit_rlimit_key(int resource);
/* "ExecStartPre" for UNIT_CMD_PRE, and so on. */
const char *unit_cmd_key(enum unit_cmd k);
/* A boolean as systemd spells it (yes, true, on, 1...): 1, 0, or -EINVAL. */
int unit_parse_bool(const char *s);
/* Does the set hold this wait status (an exit code, or a signal)? */
int unit_exit_set_has(const struct unit_exit_set *set, int status);
/* "CAP_SYS_TIME" (or "sys_time"): the capability number, or -EINVAL. */
int unit_parse_capability(const char *s);
/* The name systemd and pact-init give a condition kind ("PathExists"). */
const char *unit_cond_name(enum unit_cond_kind k);
/*
 * Split a command line as systemd does (quotes, backslash escapes) into
 * words written NUL-separated to out; returns the word count or -EINVAL
 * (err says why) / -E2BIG. Unknown escapes are kept verbatim and counted
 * in *odd_escapes (may be NULL).
 */
int unit_split_words(const char *line, char *out, size_t cap, int max_words, char *err,
		     size_t errcap, int *odd_escapes);

void unit_diag_clear(struct unit_diag *d);
/* Record one message (and log it unless opts->quiet). */
void unit_diag_add(struct unit_diag *d, const struct unit_opts *opts, int level, const char *text);

/*
 * Internal to the loader (unit_load.c, unit_exec.c): build one command of u from its raw
 * text (specifiers already resolved), expanding $VAR/${VAR} from env
 * ("KEY=VALUE" strings). Returns 0 or -errno with err set; *odd_escapes
 * counts unknown escapes kept verbatim (the caller warns).
 */
int unit_exec_build(struct unit *u, const char *raw, char *const *env, int n_env,
		    struct unit_exec *x, char *err, size_t errcap, int *odd_escapes);
/* Copy s into u's arena; NULL when the arena is full. */
char *unit_arena_strdup(struct unit *u, const char *s, size_t len);
/* Make u a failed unit called name, with text as its load error. */
void unit_set_failed(struct unit *u, const char *name, const char *text);
/* Back to the defaults of an empty unit (the loader starts from them). */
void unit_reset(struct unit *u);
/* The kind of a unit file name from its suffix, or -1; and the suffix. */
int unit_kind_of(const char *name);
const char *unit_kind_suffix(enum unit_kind k);
/* The defaults of [Socket] and [Timer] (unit_reset calls it). */
void unit_kind_defaults(struct unit *u);

#endif
