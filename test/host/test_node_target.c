/*
 * Host tier: readiness from the node's target (issue 14 item 6). With
 * services_required left at its default (`target`), the units enabled
 * into multi-user.target decide readiness: one that a service only
 * Wants= may fail and the node is ready but degraded; an enabled unit
 * skipped by a false condition never fails the boot; an enabled unit
 * that fails fails the boot, and the reason names it.
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WAIT_MS 30000

static void ready_degraded(void)
{
	struct daemon d;
	char out[16384];
	is_int(daemon_prepare(&d, "node_id = target-node\n", "quiet"), 0, "prepared");
	daemon_put_unit(&d, "good.service",
			"[Unit]\nWants=extra.service\n[Service]\nExecStart=/bin/sleep 300001\n", 1);
	daemon_put_unit(&d, "extra.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n", 0);
	daemon_put_unit(
	    &d, "skip.service",
	    "[Unit]\nConditionPathExists=/nonexistent/pact-target\n[Service]\nExecStart=/bin/"
	    "false\n",
	    1);
	is_int(daemon_launch(&d), 0, "pact-init started");
	is_int(daemon_wait_file(&d, "ready", WAIT_MS), 0,
	       "ready: the unit only wanted by a service fails, the skipped one is skipped");
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(strstr(out, "\"name\":\"extra.service\",\"state\":\"failed\""), "extra.service failed");
	ok(strstr(out, "\"name\":\"skip.service\",\"state\":\"skipped\""), "skip.service skipped");
	daemon_pactctl(&d, "--json status", out, sizeof out);
	ok(strstr(out, "\"degraded\":1"), "pactctl status: ready but degraded (1)");
	daemon_finish(&d, tap_failed);
}

static void target_fails(void)
{
	struct daemon d;
	is_int(daemon_prepare(&d, "node_id = target-fail\nboot_retries = 0\n", "quiet"), 0,
	       "prepared");
	daemon_put_unit(&d, "needed.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n", 1);
	is_int(daemon_launch(&d), 0, "pact-init started");
	is_int(daemon_wait_log(&d, "boot failed in phase StartServices.*needed.service", WAIT_MS),
	       0, "a failing unit enabled into the target fails the boot, named in the reason");
	daemon_finish(&d, tap_failed);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	ready_degraded();
	target_fails();
	return done_testing();
}
