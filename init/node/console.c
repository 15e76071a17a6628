/*
 * The console's programs. Both the configured console program and the
 * emergency shell run as session leaders with /dev/console as their
 * controlling terminal, so job control and ^C work for the admin.
 */
#include "node/console.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "node/power.h"
#include "node/reexec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define CONSOLE_ARGS   16
#define RESPAWN_MIN_MS 1000u

static int shutting_down;
static pid_t program_pid, shell_pid;
static uint64_t program_started_ms;
static struct timer respawn_timer, shell_timer;
static char emergency_reason[200];

void console_setup(void)
{
	if (fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0)
		return;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/null", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return; /* nothing to say it with */
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0)
			dup2(fd, i);
	if (fd > 2)
		close_fd(fd);
}

/* Split on blanks; no quoting (documented in README: console_exec). */
static int split_words(char *s, char **argv, int max)
{
	int n = 0;
	for (char *save, *w = strtok_r(s, " \t", &save); w && n < max - 1;
	     w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	argv[n] = NULL;
	return n;
}

/* child: become a session leader on the console and exec */
static void exec_on_console(char **argv)
{
	loop_child_sigreset();
	setsid();
	int fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		ioctl(fd, TIOCSCTTY, 0);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	static char path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	static char home[] = "HOME=/root", term[] = "TERM=linux";
	char *envp[] = {path, home, term, NULL};
	execve(argv[0], argv, envp);
	_exit(127); /* child: exec failed */
}

static pid_t start_on_console(const char *cmd)
{
	char buf[CONF_STR_MAX];
	char *argv[CONSOLE_ARGS];
	snprintf(buf, sizeof buf, "%s", cmd);
	if (split_words(buf, argv, CONSOLE_ARGS) == 0)
		return -EINVAL;
	pid_t pid = fork();
	if (pid == 0)
		exec_on_console(argv);
	if (pid < 0)
		return -errno;
	return pid;
}

static void program_exited(void *ctx, pid_t pid, int status);

static void program_spawn(void *ctx)
{
	(void)ctx;
	pid_t pid = start_on_console(cfg.console_exec);
	if (pid < 0) {
		log_err("console program '%s': %s", cfg.console_exec, strerror((int)-pid));
		return;
	}
	program_pid = pid;
	program_started_ms = now_ms();
	loop_watch_child(pid, program_exited, NULL);
	log_info("console program '%s' started (pid %d)", cfg.console_exec, pid);
}

static void program_exited(void *ctx, pid_t pid, int status)
{
	(void)ctx;
	program_pid = 0;
	log_info("console program (pid %d) exited with status %d", pid, status);
	if (shutting_down)
		return;
	switch (cfg.console_exit) {
	case CONSOLE_EXIT_RESPAWN: {
		/* a program that dies at once must not spin the loop */
		uint64_t ran = now_ms() - program_started_ms;
		timer_arm(&respawn_timer, ran < RESPAWN_MIN_MS ? RESPAWN_MIN_MS : 0, program_spawn,
			  NULL);
		break;
	}
	case CONSOLE_EXIT_POWEROFF:
		power_request(POWER_OFF, "console program exited");
		break;
	case CONSOLE_EXIT_REBOOT:
		power_request(POWER_REBOOT, "console program exited");
		break;
	case CONSOLE_EXIT_NONE:
		break;
	}
}

void console_start_program(void)
{
	if (cfg.console_exec[0] && program_pid == 0 && !shutting_down)
		program_spawn(NULL);
}

static void shell_exited(void *ctx, pid_t pid, int status);

static void shell_spawn(void *ctx)
{
	(void)ctx;
	if (shutting_down)
		return;
	/* the reason goes straight to the console: this is for the human there */
	char msg[320];
	int n = snprintf(msg, sizeof msg,
			 "\npact-init: emergency: %s\npact-init: starting %s; exit it to get "
			 "another, `reboot` or `poweroff` to leave\n",
			 emergency_reason, cfg.emergency_shell);
	if (n > 0)
		log_console(msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	pid_t pid = start_on_console(cfg.emergency_shell);
	if (pid < 0) {
		log_err("emergency shell %s: %s", cfg.emergency_shell, strerror((int)-pid));
		return;
	}
	shell_pid = pid;
	loop_watch_child(pid, shell_exited, NULL);
}

static void shell_exited(void *ctx, pid_t pid, int status)
{
	(void)ctx;
	(void)pid;
	(void)status;
	shell_pid = 0;
	timer_arm(&shell_timer, RESPAWN_MIN_MS, shell_spawn, NULL);
}

void console_emergency(const char *why)
{
	snprintf(emergency_reason, sizeof emergency_reason, "%s", why);
	log_err("emergency: %s", why);
	if (!shell_pid && !timer_armed(&shell_timer))
		shell_spawn(NULL);
}

void console_shutdown(void)
{
	shutting_down = 1;
	timer_cancel(&respawn_timer);
	timer_cancel(&shell_timer);
}

/* ---- re-exec: the console program keeps running, and watched ---- */

static void save_console(struct reexec_out *o)
{
	if (!program_pid)
		return;
	reexec_begin(o, "console");
	reexec_num(o, program_pid);
	reexec_end(o);
}

static void restore_console(void *ctx, char **w, int n)
{
	(void)ctx;
	pid_t pid = n == 2 ? (pid_t)atoi(w[1]) : 0;
	if (pid > 0 && kill(pid, 0) == 0) {
		program_pid = pid;
		program_started_ms = now_ms();
		loop_watch_child(pid, program_exited, NULL);
	}
}

void console_reexec(int state_lost)
{
	reexec_register_saver(save_console);
	reexec_each("console", restore_console, NULL);
	if (state_lost && cfg.console_exec[0]) {
		/* it may well still run, but we cannot tell which pid it is:
		 * better no console program than two fighting over the console */
		log_warn("re-exec: the console program could not be adopted; not starting another");
		program_pid = -1;
	}
}
