/*
 * Host tier: the real pact-init as PID 1 of fresh namespaces. It boots to
 * readiness (file and socket agree), reports a bad init.conf line by
 * file:line and carries on, and shuts down on SIGUSR2 in bounded time even
 * with processes that ignore SIGTERM. It runs in UTS and cgroup namespaces
 * of its own: the hostname it sets and the slices it makes stay there.
 * When its UTS namespace is the machine's while it is not the machine's
 * init (unshare --pid without --uts), it refuses to set the hostname: a
 * test build is told to take its own UTS namespace for the machine's.
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
	char host_before[256] = "", host_after[256] = "";
	gethostname(host_before, sizeof host_before);
	is_int(daemon_start(&d, conf, "quiet pact.debug"), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "ready file appears");
	/* it set the hostname of its own UTS namespace, not the machine's */
	char out[256] = "";
	FILE *p = popen(pf("nsenter --uts=/proc/%d/ns/uts hostname", (int)d.pid), "r");
	if (p) {
		(void)!fgets(out, sizeof out, p);
		pclose(p);
	}
	is_str(out, "host-node\n", "pact-init's hostname is its node id");
	gethostname(host_after, sizeof host_after);
	is_str(host_after, host_before, "the machine's hostname is unchanged");
	char cg[300];
	snprintf(cg, sizeof cg, "%s", d.cg);
	ok(cg[0] && access(pf("%s/pact.slice/infra.slice", cg), F_OK) == 0 &&
	       access(pf("%s/workload.slice", cg), F_OK) == 0,
	   "its slices are in its test cgroup %s (its cgroup namespace's root)", cg);
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
	/* stubborn prints its pid once it ignores SIGTERM: only then does the
	 * poweroff below need SIGKILL for it */
	is_int(daemon_wait_console(&d, "^[0-9]+$", 10000), 0,
	       "the console program ignores SIGTERM");

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
	is_int(daemon_cleanup(&d), 0, "its test cgroup is removed after it");
	ok(cg[0] && access(cg, F_OK) != 0, "nothing of it is left in the machine's cgroup tree");

	char *env[] = {"PACT_TEST_INITIAL_UTS=/proc/self/ns/uts", NULL};
	is_int(daemon_start_env(&d, "node_id = renamed-node\n", "quiet pact.bogus_key=1", env), 0,
	       "pact-init started, told its UTS namespace is the machine's");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it still becomes ready");
	is_int(daemon_wait_log(&d,
			       "not setting the hostname renamed-node: the UTS namespace is "
			       "the machine's and pact-init is not its init",
			       5000),
	       0, "it says why it does not set the hostname");
	out[0] = '\0';
	p = popen(pf("nsenter --uts=/proc/%d/ns/uts hostname", (int)d.pid), "r");
	if (p) {
		(void)!fgets(out, sizeof out, p);
		pclose(p);
	}
	out[strcspn(out, "\n")] = '\0';
	is_str(out, host_before, "the hostname of that UTS namespace is unchanged");
	const char *l = daemon_log(&d), *hit = strstr(l, "unknown key 'pact.bogus_key' ignored");
	ok(hit && !strstr(hit + 1, "unknown key 'pact.bogus_key' ignored"),
	   "an unknown pact.* key is warned about once");
	char reply[512] = "";
	daemon_pactctl(&d, "reexec", reply, sizeof reply);
	is_str(reply, "re-executing\n", "pactctl reexec ends its line");
	is_int(daemon_wait_log(&d, "re-exec", 10000), 0, "it re-executed");
	if (tap_failed)
		printf("# log:\n%s", daemon_log(&d));
	is_int(daemon_cleanup(&d), 0, "its test cgroup is removed after it");

	/* told its cgroup namespace is the machine's, it builds nothing there */
	char *cg_env[] = {"PACT_TEST_INITIAL_CGROUP=/proc/self/ns/cgroup", NULL};
	is_int(daemon_start_env(&d, "boot_retries = 0\n", "quiet", cg_env), 0,
	       "pact-init started, told its cgroup namespace is the machine's");
	line[0] = '\0';
	daemon_wait_file(&d, "ready.sock", 10000);
	daemon_read_line(&d, "ready.sock", line, sizeof line, 15000);
	ok(strncmp(line, "FAILED InitHardware", 19) == 0, "boot fails in InitHardware (%s)", line);
	ok(strstr(line, "the cgroup namespace is the machine's and pact-init is not its init") !=
	       NULL,
	   "... saying why");
	ok(access(pf("%s/pact.slice", d.cg), F_OK) != 0 &&
	       access(pf("%s/workload.slice", d.cg), F_OK) != 0,
	   "no slice was made at its cgroup root");
	if (tap_failed)
		printf("# log:\n%s", daemon_log(&d));
	is_int(daemon_cleanup(&d), 0, "its test cgroup is removed after it");

	/* a boot that fails before LoadIdentity still shows the id named */
	is_int(daemon_start(&d,
			    "node_id = early-node\nnet.eth77.address = 10.9.9.9/24\n"
			    "net.carrier_timeout_ms = 100\nboot_retries = 0\n",
			    "quiet"),
	       0, "pact-init started with a network that cannot come up");
	line[0] = '\0';
	daemon_wait_file(&d, "ready.sock", 10000);
	daemon_read_line(&d, "ready.sock", line, sizeof line, 15000);
	ok(strncmp(line, "FAILED ConfigureNetwork", 23) == 0,
	   "boot failed in ConfigureNetwork (%s)", line);
	daemon_pactctl(&d, "--json status", reply, sizeof reply);
	ok(strstr(reply, "\"node_id\":\"early-node\"") != NULL,
	   "status names init.conf's node id before LoadIdentity");
	is_int(daemon_pactctl(&d, "status", reply, sizeof reply), 1,
	       "status exits 1 when the node is not ready");
	ok(strncmp(reply, "node not ready: ConfigureNetwork", 32) == 0,
	   "... and says so on its first line");
	if (tap_failed)
		printf("# log:\n%s", daemon_log(&d));
	is_int(daemon_cleanup(&d), 0, "its test cgroup is removed after it");
	return done_testing();
}
