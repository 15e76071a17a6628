/*
 * Host-tier harness: run the real pact-init (the sanitized build) as PID 1
 * of fresh pid, mount, UTS and cgroup namespaces, with its paths in a temp
 * directory, and wait on its sockets, files and log with bounded waits
 * (inotify, poll). The machine running the tests keeps its hostname, and
 * its cgroup2 root gets nothing: pact-init's cgroup root is a test cgroup
 * made for it ($PACT_HOST_CG_PREFIX-<pid>-<n>, under the cgroup the test
 * runs in), killed and removed by daemon_cleanup.
 */
#ifndef PACT_TEST_DAEMON_H
#define PACT_TEST_DAEMON_H

#include <sys/types.h>

struct daemon {
	char dir[128]; /* temp root: etc/, run/, cmdline, log */
	char run_dir[160];
	pid_t pid;    /* pact-init, as the host sees it */
	pid_t outer;  /* the process holding the namespaces */
	int log_fd;   /* its stderr, for reading */
	int console;  /* > 0 (set between prepare and launch): its stdout and stderr
		       * instead of the log file, e.g. a pty standing for a console */
	char cg[256]; /* its cgroup root as the host sees it ("" when none could be made) */
};

/* Write dir/etc/init.conf from conf and start pact-init with extra argv.
 * The binary is $PACT_INIT_BIN, else the sanitized build. It gets a /proc
 * of its own pid namespace (mounted in its private mount namespace). */
int daemon_start(struct daemon *d, const char *conf, const char *cmdline);
/* The same with "NAME=VALUE" strings (NULL-terminated) added to its environment. */
int daemon_start_env(struct daemon *d, const char *conf, const char *cmdline, char *const *env);
/* daemon_start in two steps, to add files under d->dir (etc/services) between. */
int daemon_prepare(struct daemon *d, const char *conf, const char *cmdline);
int daemon_launch(struct daemon *d);
int daemon_launch_env(struct daemon *d, char *const *env);
/* Wait until <run_dir>/<name> exists, at most timeout_ms. */
int daemon_wait_file(struct daemon *d, const char *name, int timeout_ms);
/* Connect to <run_dir>/<sock> and read one line (bounded). */
int daemon_read_line(struct daemon *d, const char *sock, char *buf, size_t cap, int timeout_ms);
/* Wait for pact-init's exit; returns its wait status or -ETIMEDOUT. */
int daemon_wait_exit(struct daemon *d, int timeout_ms);
/* Everything it logged so far. */
const char *daemon_log(struct daemon *d);
/* Wait until a line of its log matches pattern (an extended regex; inotify
 * on the log file), at most timeout_ms. 0, or -ETIMEDOUT. */
int daemon_wait_log(struct daemon *d, const char *pattern, int timeout_ms);
/* The same for what its console programs wrote (dir/console: the harness
 * binds that file over /dev/console in pact-init's mount namespace). */
int daemon_wait_console(struct daemon *d, const char *pattern, int timeout_ms);
/* Write the unit name with text into the daemon's etc/units, enabled
 * into multi-user.target when asked. */
void daemon_put_unit(struct daemon *d, const char *name, const char *text, int enabled);
/* Run pactctl --run-dir <run_dir> args (a shell word list); its output (stdout and
 * stderr) into out, its exit status returned (-1 when it did not exit). */
int daemon_pactctl(struct daemon *d, const char *args, char *out, size_t cap);
/* Kill it and everything in its cgroup, remove its test cgroup and temp
 * directory. 0, or -errno when the test cgroup could not be removed. */
int daemon_cleanup(struct daemon *d);
/* The end of a test's daemon: its log as TAP comments when show_log (pass
 * tap_failed), a poweroff (SIGUSR2) waited for up to 15 s, then daemon_cleanup. */
int daemon_finish(struct daemon *d, int show_log);
/* The cgroup2 mount of the host and the cgroup this process is in
 * (absolute, e.g. /sys/fs/cgroup/unified/user.slice); "" when there is none. */
const char *host_cgroup_dir(void);
/* Absolute path of a build product (BUILD env or ./build). */
const char *build_path(const char *rel);

#endif
