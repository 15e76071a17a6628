/*
 * Host tier: the real pact-init as PID 1 of fresh namespaces. It boots to
 * readiness (file and socket agree), reports a bad init.conf line by
 * file:line and carries on, and shuts down on SIGUSR2 in bounded time even
 * with processes that ignore SIGTERM.
 */
#include "daemon.h"
#include "hostutil.h"
#include "lib/fileio.h"
#include "tap.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A child of init's that ignores SIGTERM and has two children of its own. */
static int stubborn_set_up(pid_t init)
{
	char kids[256], st[4096];
	if (read_file(pf("/proc/%d/task/%d/children", (int)init, (int)init), kids, sizeof kids) < 0)
		return 0;
	for (char *save, *w = strtok_r(kids, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		char grand[256], *ign;
		int n = 0;
		if (read_file(pf("/proc/%s/status", w), st, sizeof st) < 0 ||
		    !(ign = strstr(st, "SigIgn:")) || !(strtoull(ign + 7, NULL, 16) & (1ull << 14)))
			continue;
		if (read_file(pf("/proc/%s/task/%s/children", w, w), grand, sizeof grand) < 0)
			continue;
		for (char *s2, *g = strtok_r(grand, " \n", &s2); g; g = strtok_r(NULL, " \n", &s2))
			n++;
		if (n == 2)
			return 1;
	}
	return 0;
}

static int stubborn_ready(pid_t init, int timeout_ms)
{
	long end = ms_now() + timeout_ms;
	while (!stubborn_set_up(init) && ms_now() < end)
		poll(NULL, 0, 10);
	return stubborn_set_up(init);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	char conf[512];
	snprintf(conf, sizeof conf,
		 "node_id = host-node\nthis line is wrong\nconsole_exec = %s 2\n"
		 "console_exit = none\nshutdown_grace_ms = 300\nshutdown_kill_wait_ms = 3000\n",
		 build_path("test/vm/stubborn"));
	struct daemon d;
	is_int(daemon_start(&d, conf, "quiet pact.debug"), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "ready file appears");
	char line[256] = "";
	daemon_read_line(&d, "ready.sock", line, sizeof line, 5000);
	is_str(line, "READY host-node\n", "ready.sock answers READY with the node id");
	FILE *f = fopen(strcat(strcpy(line, d.run_dir), "/ready"), "r");
	char id[64] = "";
	if (f) {
		(void)!fgets(id, sizeof id, f);
		fclose(f);
	}
	is_str(id, "host-node\n", "ready file holds the node id");
	ok(strstr(daemon_log(&d), "init.conf:2: expected 'key = value'") != NULL,
	   "a bad init.conf line is reported with file:line");
	ok(strstr(daemon_log(&d), "console program") != NULL, "the console program ran");
	/* it must have set itself up (SIGTERM ignored, its two children
	 * forked) before the shutdown, or SIGTERM ends it and proves nothing */
	ok(stubborn_ready(d.pid, 10000), "the console program ignores SIGTERM, with its children");

	is_int(kill(d.pid, SIGUSR2), 0, "SIGUSR2 sent (poweroff)");
	int st = daemon_wait_exit(&d, 15000);
	ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "pact-init ended cleanly (status %d)",
	   st);
	const char *log = daemon_log(&d);
	ok(strstr(log, "shutdown: sending SIGKILL") != NULL,
	   "SIGTERM-ignoring processes were killed");
	ok(strstr(log, "shutdown: poweroff after") != NULL, "shutdown reached its end");
	ok(access(strcat(strcpy(line, d.run_dir), "/ready"), F_OK) != 0, "ready file withdrawn");
	if (tap_failed)
		printf("# log:\n%s", log);
	daemon_cleanup(&d);
	return done_testing();
}
