/*
 * Host tier: what pact-init keeps in its run directory stays there.
 * Deleted, control.sock, ready.sock, handoff.sock and the ready file are
 * made again at once (inotify), and `pactctl status`, `pactctl
 * wait-ready` and a handoff client work again; so is the whole directory
 * when it is renamed away. A socket deleted while pact-init re-executes (ptrace
 * holds the new image at its exec, before its first instruction, while the
 * test deletes them) is bound anew by the new image.
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"
#include "trace.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct daemon d;

static const char *path_of(const char *name)
{
	return pf("%s/%s", d.run_dir, name);
}

static int can_connect(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path_of(name));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
	return r == 0;
}

/* The clients that use each: pactctl status, wait-ready, a handoff connect. */
static void check_works(const char *when)
{
	char out[8192];
	is_int(daemon_pactctl(&d, "status", out, sizeof out), 0, "%s: pactctl status works", when);
	is_int(daemon_pactctl(&d, "wait-ready --timeout 5", out, sizeof out), 0,
	       "%s: pactctl wait-ready works", when);
	ok(can_connect("handoff.sock"), "%s: handoff.sock takes a client", when);
}

static void delete_one(const char *name)
{
	is_int(unlink(path_of(name)), 0, "%s deleted", name);
	is_int(daemon_wait_file(&d, name, 5000), 0, "%s is there again", name);
}

static void test_delete_each(void)
{
	delete_one("control.sock");
	delete_one("ready.sock");
	delete_one("handoff.sock");
	delete_one("ready");
	char id[64] = "";
	FILE *f = fopen(path_of("ready"), "r");
	if (f) {
		(void)!fgets(id, sizeof id, f);
		fclose(f);
	}
	is_str(id, "rundir-node\n", "the ready file holds the node id again");
	check_works("after each was deleted");
}

static void test_remove_dir(void)
{
	/* renamed, not removed: rm -rf races the sockets being made again */
	char away[200];
	snprintf(away, sizeof away, "%s.away", d.run_dir);
	is_int(rename(d.run_dir, away), 0, "the whole run directory renamed away");
	is_int(daemon_wait_file(&d, "ready", 5000), 0, "the ready file is there again");
	is_int(daemon_wait_file(&d, "control.sock", 5000), 0, "and control.sock");
	check_works("after the run directory was renamed away");
}

static void test_reexec(void)
{
	int r = trace_seize_exec(d.pid);
	is_int(r, 0, "ptrace holds pact-init at its next exec");
	if (r < 0)
		return;
	is_int(kill(d.pid, SIGHUP), 0, "SIGHUP: re-exec");
	r = trace_wait_exec(d.pid, 15000);
	is_int(r, 0, "the new image is loaded and stopped before it runs");
	int gone = 0;
	gone += unlink(path_of("control.sock")) == 0;
	gone += unlink(path_of("ready.sock")) == 0;
	gone += unlink(path_of("handoff.sock")) == 0;
	is_int(gone, 3, "its three sockets deleted meanwhile");
	trace_detach(d.pid);
	is_int(daemon_wait_log(&d, "control: .*did not name its socket after the re-exec", 15000),
	       0, "the new image saw control.sock gone");
	is_int(daemon_wait_file(&d, "control.sock", 5000), 0, "control.sock is there again");
	is_int(daemon_wait_file(&d, "ready.sock", 5000), 0, "ready.sock is there again");
	is_int(daemon_wait_file(&d, "handoff.sock", 5000), 0, "handoff.sock is there again");
	check_works("after the re-exec");
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	is_int(daemon_start(&d, "node_id = rundir-node\n", "quiet"), 0,
	       "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	test_delete_each();
	test_remove_dir();
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	daemon_cleanup(&d);
	/* a fresh one for the re-exec: nothing deleted before */
	is_int(daemon_start(&d, "node_id = rundir-node\n", "quiet"), 0, "pact-init started again");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	test_reexec();
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	daemon_cleanup(&d);
	return done_testing();
}
