/*
 * Host tier: a live re-exec of the real pact-init (PID 1 of fresh
 * namespaces) where the new binary takes its time to start. A signal sent
 * in that window, while no pact-init runs, is not lost: it stays blocked
 * and pending across the exec, and the new image acts on it. And a state
 * written by the previous version (a fixture of version 1) is restored.
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int in_exec(void *bin)
{
	return access(pf("%s.in-exec", (const char *)bin), F_OK) == 0;
}

static int copy(const char *from, const char *to)
{
	const char *argv[] = {"cp", from, to, NULL};
	return run(argv);
}

/* A state of version 1, as pact-init wrote it before alloc records carried
 * their owner: an emergency in force, an allocation (its holder is gone),
 * a uenv count. */
static const char fixture_v1[] =
    "pact-reexec 1\n"
    "emergency fixture%20window\n"
    "alloc fx-1 99999 %00 Pid %00 %00 /nonexistent/alloc-fx-1.scope 0\n"
    "uenvref /images/gone.sqfs 1\n";

static void test_old_state(void)
{
	char text[512];
	unsigned long c = 0xffffffffu; /* the state's checksum: CRC-32 */
	for (const char *p = fixture_v1; *p; p++) {
		c ^= (unsigned char)*p;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	int n = snprintf(text, sizeof text, "%send %lu\n", fixture_v1, ~c & 0xffffffffu);
	int fd = memfd_create("state", 0); /* inherited by pact-init, as from the old image */
	char env[32];
	snprintf(env, sizeof env, "PACT_REEXEC_FD=%d", fd);
	char *envs[] = {env, NULL};
	struct daemon d;
	ok(fd > 2 && write(fd, text, (size_t)n) == n, "a version 1 state in fd %d", fd);
	is_int(daemon_start_env(&d, "node_id = old-node\n", "", envs), 0,
	       "pact-init started with it handed over");
	close(fd);
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	const char *log = daemon_log(&d);
	ok(strstr(log, "re-exec: restoring from") != NULL, "it restored from the state");
	ok(strstr(log, "fx-1: holder 99999 cannot be adopted") != NULL,
	   "its alloc record was read (the holder is gone, so it is released)");
	ok(strstr(log, "bad alloc record") == NULL && strstr(log, "cannot be read") == NULL,
	   "no record refused");
	char buf[4096];
	pactctl_json(&d, "status", buf, sizeof buf);
	ok(strstr(buf, "\"emergency\":\"fixture window\"") != NULL, "the emergency carried over");
	if (tap_failed)
		printf("# log:\n%s", log);
	kill(d.pid, SIGUSR2);
	daemon_wait_exit(&d, 15000);
	daemon_cleanup(&d);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	struct daemon d;
	char bin[300], env[400], buf[4096];
	is_int(daemon_prepare(&d, "node_id = rx-node\n", ""), 0, "prepared");
	mkdir(pf("%s/bin", d.dir), 0755);
	snprintf(bin, sizeof bin, "%s/bin/pact-init", d.dir);
	ok(copy(build_path("san/pact-init"), bin) == 0 &&
	       copy(build_path("san/pact-init"), pf("%s.real", bin)) == 0,
	   "pact-init and its later real self in %s/bin", d.dir);
	snprintf(env, sizeof env, "PACT_INIT_BIN=%s", bin);
	char *envs[] = {env, NULL};
	is_int(daemon_launch_env(&d, envs), 0, "pact-init started from there");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	/* the upgrade: a binary that holds the exec's window open */
	ok(copy(build_path("test/vm/execwait"), pf("%s.new", bin)) == 0 &&
	       rename(pf("%s.new", bin), bin) == 0 && mkfifo(pf("%s.go", bin), 0600) == 0,
	   "its binary replaced by one slow to start");
	is_int(pactctl_json(&d, "reexec", buf, sizeof buf), 0, "pactctl reexec");
	/* execwait creates BIN.in-exec once it runs in pact-init's place */
	(void)wait_until(pf("%s/bin", d.dir), IN_CREATE | IN_MOVED_TO, in_exec, bin, 10000);
	ok(access(pf("%s.in-exec", bin), F_OK) == 0, "the exec is under way: no pact-init runs");
	is_int(kill(d.pid, SIGUSR2), 0, "SIGUSR2 (poweroff) sent in that window");
	int go = open(pf("%s.go", bin), O_WRONLY | O_CLOEXEC);
	close(go); /* the new image starts */
	int st = daemon_wait_exit(&d, 20000);
	ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "the new image acted on it: the node powered off (status %d)", st);
	const char *log = daemon_log(&d);
	ok(strstr(log, "re-exec: restoring from") && strstr(log, "shutdown: poweroff"),
	   "after restoring its state");
	if (tap_failed)
		printf("# log:\n%s", log);
	daemon_cleanup(&d);
	test_old_state();
	return done_testing();
}
