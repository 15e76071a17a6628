/*
 * Host tier: a passing shortage does not fail a Restart=always service
 * for good. With cgroup.max.descendants of its slice at 0 (no new cgroup
 * may be made there: the scope of its next run cannot be), its main
 * process is killed: the restart cannot get a scope, and the service
 * waits to restart with backoff, `pactctl services` and `status` saying
 * why. Once the slice takes cgroups again, the service runs again.
 * (Spawn failures, EAGAIN from pids.max, are the VM tier's: svc-limits.)
 */
#include "daemon.h"
#include "hostutil.h"
#include "lib/fileio.h"
#include "tap.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	struct daemon d;
	is_int(daemon_prepare(&d, "node_id = short-node\n", "quiet"), 0, "prepared");
	mkdir(pf("%s/etc/services", d.dir), 0755);
	FILE *f = fopen(pf("%s/etc/services/keepup.service", d.dir), "w");
	if (f) {
		fputs("[Service]\nRestart=always\nRestartSec=100ms\nExecStart=/bin/sleep 100000\n",
		      f);
		fclose(f);
	}
	is_int(daemon_launch(&d), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 20000), 0, "ready: keepup runs");
	const char *slice = pf("%s/pact.slice/infra.slice", d.cg);
	char pid[32] = "";
	(void)read_file(pf("%s/keepup.scope/cgroup.procs", slice), pid, sizeof pid);
	ok(atoi(pid) > 0, "keepup's process (%d) in keepup.scope", atoi(pid));

	is_int(write_file(pf("%s/cgroup.max.descendants", slice), "0"), 0,
	       "infra.slice takes no new cgroup (cgroup.max.descendants 0)");
	is_int(kill(atoi(pid), SIGKILL), 0, "keepup's main process killed");
	is_int(daemon_wait_log(&d, "service keepup\\.service: cannot create its scope", 10000), 0,
	       "its restart cannot get a scope");
	char out[16384];
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(strstr(out, "\"state\":\"restarting\""), "it waits to restart, not failed");
	ok(strstr(out, "\"why\":\"cannot create its scope under pact.slice/infra.slice: Resource "
		       "temporarily unavailable\""),
	   "pactctl services says why");
	daemon_pactctl(&d, "--json status", out, sizeof out);
	ok(strstr(out, "\"restarting\":1") &&
	       strstr(out, "\"trouble\":[{\"name\":\"keepup.service\",\"state\":\"restarting\""),
	   "pactctl status counts it restarting and names it with its reason");
	is_int(daemon_wait_log(&d,
			       "service keepup\\.service: restarting in [0-9]+ ms(.|\n)*"
			       "service keepup\\.service: cannot create its scope(.|\n)*"
			       "service keepup\\.service: restarting in",
			       10000),
	       0, "it tries again with backoff");

	is_int(write_file(pf("%s/cgroup.max.descendants", slice), "max"), 0,
	       "the slice takes cgroups again");
	is_int(daemon_wait_log(&d,
			       "service keepup\\.service: started \\(pid [0-9]+, scope "
			       "pact\\.slice/infra\\.slice/keepup-[0-9]+\\.scope\\)",
			       15000),
	       0, "keepup runs again, in a new scope");
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(strstr(out, "\"state\":\"running\""), "and is running");
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	daemon_cleanup(&d);
	return done_testing();
}
