/*
 * Host tier: what the outcome of a start decides (issue 14 item 1),
 * against a real sanitized pact-init: ExecCondition= exiting 0 lets the
 * service run, 1-254 skips it (its ExecStartPre= never runs, the boot is
 * not failed), 255 fails it; OnFailure= starts its unit once the unit
 * failed for good, OnSuccess= once a oneshot is done, and two units that
 * are each other's OnFailure= stop starting each other; FailureAction=
 * poweroff shuts the node down (pact-init under --no-reboot ends); a
 * socket's ExecStartPre= runs before it is bound, ExecStartPost= after,
 * and a failing ExecStartPre= fails the socket, which does not listen.
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_MS 30000

static void exec_condition(void)
{
	struct daemon d;
	char out[16384], unit[512];
	is_int(daemon_prepare(&d, "node_id = cond-node\n", "quiet"), 0, "prepared");
	daemon_put_unit(&d, "cond0.service",
			"[Unit]\nWants=cond255.service\n[Service]\nExecCondition=/bin/true\n"
			"ExecStart=/bin/sleep 300002\n",
			1);
	snprintf(unit, sizeof unit,
		 "[Service]\nExecCondition=/bin/sh -c 'exit 1'\nExecStartPre=/bin/touch "
		 "%s/pre-ran\nExecStart=/bin/sleep 300003\n",
		 d.dir);
	daemon_put_unit(&d, "cond1.service", unit, 1);
	daemon_put_unit(
	    &d, "cond255.service",
	    "[Service]\nExecCondition=/bin/sh -c 'exit 255'\nExecStart=/bin/sleep 300004\n", 0);
	is_int(daemon_launch(&d), 0, "pact-init started");
	is_int(daemon_wait_file(&d, "ready", WAIT_MS), 0,
	       "ready: a unit skipped by ExecCondition= does not fail the boot");
	is_int(daemon_wait_log(&d,
			       "service cond255.service: ExecCondition /bin/sh exited with "
			       "status 255",
			       WAIT_MS),
	       0, "ExecCondition= exiting 255 is reported");
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(strstr(out, "\"name\":\"cond0.service\",\"state\":\"running\""),
	   "ExecCondition= exiting 0: the service runs");
	ok(strstr(out, "\"name\":\"cond1.service\",\"state\":\"skipped\""),
	   "ExecCondition= exiting 1: skipped");
	ok(strstr(out, "\"name\":\"cond255.service\",\"state\":\"failed\""),
	   "ExecCondition= exiting 255: failed");
	ok(access(pf("%s/pre-ran", d.dir), F_OK) != 0,
	   "the skipped unit's ExecStartPre= did not run");
	daemon_finish(&d, tap_failed);
}

static void on_end(void)
{
	struct daemon d;
	char out[16384];
	is_int(daemon_prepare(&d, "node_id = onend-node\n", "quiet"), 0, "prepared");
	daemon_put_unit(&d, "main.service",
			"[Unit]\nWants=bad.service ok.service ping.service\n"
			"[Service]\nExecStart=/bin/sleep 300005\n",
			1);
	daemon_put_unit(&d, "bad.service",
			"[Unit]\nOnFailure=rescue.service\n[Service]\nType=oneshot\n"
			"ExecStart=/bin/false\n",
			0);
	daemon_put_unit(&d, "rescue.service",
			"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n", 0);
	daemon_put_unit(&d, "ok.service",
			"[Unit]\nOnSuccess=after-ok.service\n[Service]\nType=oneshot\n"
			"ExecStart=/bin/true\n",
			0);
	daemon_put_unit(&d, "after-ok.service",
			"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n", 0);
	daemon_put_unit(&d, "ping.service",
			"[Unit]\nOnFailure=pong.service\n[Service]\nType=oneshot\n"
			"ExecStart=/bin/false\n",
			0);
	daemon_put_unit(&d, "pong.service",
			"[Unit]\nOnFailure=ping.service\n[Service]\nType=oneshot\n"
			"ExecStart=/bin/false\n",
			0);
	is_int(daemon_launch(&d), 0, "pact-init started");
	is_int(daemon_wait_log(&d,
			       "service bad.service: failed \\(OnFailure=\\): starting "
			       "rescue.service",
			       WAIT_MS),
	       0, "bad.service failed: OnFailure= starts rescue.service");
	is_int(daemon_wait_log(&d,
			       "service ok.service: succeeded \\(OnSuccess=\\): starting "
			       "after-ok.service",
			       WAIT_MS),
	       0, "ok.service succeeded: OnSuccess= starts after-ok.service");
	is_int(daemon_wait_log(&d, "OnFailure= not followed: 4 units in a row", WAIT_MS), 0,
	       "ping and pong, each the other's OnFailure=: the chain stops");
	is_int(daemon_wait_file(&d, "ready", WAIT_MS), 0, "ready");
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(strstr(out, "\"name\":\"rescue.service\",\"state\":\"exited\""),
	   "rescue.service ran (exited)");
	ok(strstr(out, "\"name\":\"after-ok.service\",\"state\":\"exited\""),
	   "after-ok.service ran (exited)");
	daemon_finish(&d, tap_failed);
}

static void failure_action(void)
{
	struct daemon d;
	is_int(daemon_prepare(&d, "node_id = action-node\n", "quiet"), 0, "prepared");
	daemon_put_unit(&d, "doomed.service",
			"[Unit]\nFailureAction=poweroff-force\n[Service]\nType=oneshot\n"
			"ExecStart=/bin/false\n",
			0);
	daemon_put_unit(&d, "main.service",
			"[Unit]\nWants=doomed.service\n[Service]\nExecStart=/bin/sleep 300006\n",
			1);
	is_int(daemon_launch(&d), 0, "pact-init started");
	int st = daemon_wait_exit(&d, WAIT_MS);
	ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "FailureAction=poweroff-force: pact-init (--no-reboot) ended cleanly (status %d)", st);
	const char *log = daemon_log(&d);
	ok(strstr(log, "service doomed.service: FailureAction=: the node goes down: poweroff") !=
	       NULL,
	   "said loudly before acting");
	ok(strstr(log, "shutdown: poweroff after") != NULL,
	   "the node's own shutdown ran to its end");
	if (tap_failed)
		diag("log:\n%s", log);
	is_int(daemon_cleanup(&d), 0, "its test cgroup is removed after it");
}

static void socket_cmds(void)
{
	struct daemon d;
	char out[16384], unit[1024];
	is_int(daemon_prepare(&d, "node_id = sock-node\n", "quiet"), 0, "prepared");
	snprintf(unit, sizeof unit,
		 "[Socket]\nListenStream=%s/good.sock\n"
		 "ExecStartPre=/bin/sh -c 'test ! -e %s/good.sock && touch %s/pre'\n"
		 "ExecStartPost=/bin/sh -c 'test -S %s/good.sock && touch %s/post'\n",
		 d.dir, d.dir, d.dir, d.dir, d.dir);
	daemon_put_unit(&d, "good.socket", unit, 1);
	daemon_put_unit(&d, "good.service", "[Service]\nExecStart=/bin/sleep 300007\n", 0);
	snprintf(unit, sizeof unit, "[Socket]\nListenStream=%s/bad.sock\nExecStartPre=/bin/false\n",
		 d.dir);
	daemon_put_unit(&d, "bad.socket", unit, 0);
	daemon_put_unit(&d, "bad.service", "[Service]\nExecStart=/bin/sleep 300008\n", 0);
	daemon_put_unit(&d, "main.service",
			"[Unit]\nWants=bad.socket\n[Service]\nExecStart=/bin/sleep 300009\n", 1);
	is_int(daemon_launch(&d), 0, "pact-init started");
	is_int(daemon_wait_file(&d, "ready", WAIT_MS), 0, "ready");
	is_int(daemon_wait_log(
		   &d, "service bad.socket: ExecStartPre /bin/false exited with status 1", WAIT_MS),
	       0, "bad.socket's ExecStartPre= failed");
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(strstr(out, "\"name\":\"good.socket\",\"state\":\"running\""),
	   "good.socket listens (running)");
	ok(access(pf("%s/pre", d.dir), F_OK) == 0, "ExecStartPre= ran before the socket was bound");
	ok(access(pf("%s/post", d.dir), F_OK) == 0, "ExecStartPost= ran once it was bound");
	ok(strstr(out, "\"name\":\"bad.socket\",\"state\":\"failed\""),
	   "a failing ExecStartPre= fails the socket unit");
	ok(access(pf("%s/bad.sock", d.dir), F_OK) != 0, "and it does not listen");
	daemon_finish(&d, tap_failed);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	exec_condition();
	on_end();
	failure_action();
	socket_cmds();
	return done_testing();
}
