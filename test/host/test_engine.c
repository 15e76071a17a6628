/*
 * Host tier: the service engine on the real kernel (issue 14 items 1, 2,
 * 4, 8). One pact-init runs services that use what vendor units use: a
 * false condition skips its unit and the boot is still ready; Type=forking
 * with PIDFile= and without; RuntimeDirectory= made with its mode and
 * owner and removed at stop; Limit*= and the default limits seen in
 * /proc/PID/limits; User= giving USER, LOGNAME, HOME, SHELL with
 * INVOCATION_ID and NOTIFY_SOCKET, seen in /proc/PID/environ; the "+"
 * prefix running as root beside User=; two ExecStart= of a oneshot in
 * order; ExecReload= through pactctl reload; KillMode=process keeping a
 * child across a restart.
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

static struct daemon d;
static char rt[64]; /* the RuntimeDirectory= name, unique to this run */

static void unit(const char *name, const char *text)
{
	FILE *f = fopen(pf("%s/etc/services/%s", d.dir, name), "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int svc_pid(const char *name)
{
	return pactctl_int(&d, "services", "name", name, "pid");
}

/* pact-init's pids are those of its pid namespace: the host finds a
 * service's process in its scope's cgroup.procs, by its command line. */
static int host_pid(const char *scope, const char *arg)
{
	char procs[4096], cmd[256];
	if (read_file(pf("%s/pact.slice/infra.slice/%s/cgroup.procs", d.cg, scope), procs,
		      sizeof procs) <= 0)
		return -1;
	for (char *save = NULL, *w = strtok_r(procs, "\n", &save); w;
	     w = strtok_r(NULL, "\n", &save)) {
		ssize_t n = read_file(pf("/proc/%s/cmdline", w), cmd, sizeof cmd);
		for (ssize_t i = 0; i < n; i++)
			cmd[i] = cmd[i] ? cmd[i] : ' ';
		if (n > 0 && strstr(cmd, arg))
			return atoi(w);
	}
	return -1;
}

/* The line of /proc/PID/limits that starts with what. */
static const char *limits_line(int pid, const char *what)
{
	static char text[4096];
	if (read_file(pf("/proc/%d/limits", pid), text, sizeof text) <= 0)
		return "";
	char *p = strstr(text, what);
	if (!p)
		return "";
	p[strcspn(p, "\n")] = '\0';
	return p;
}

static int environ_has(int pid, const char *kv)
{
	static char env[16384];
	ssize_t n = read_file(pf("/proc/%d/environ", pid), env, sizeof env);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(env + i) + 1)
		if (strncmp(env + i, kv, strlen(kv)) == 0)
			return 1;
	return 0;
}

static void write_units(void)
{
	mkdir(pf("%s/etc/services", d.dir), 0755);
	unit("skip.service", "[Unit]\nConditionPathExists=/nonexistent/pact-engine\n"
			     "[Service]\nExecStart=/bin/false\n");
	unit("fork.service", pf("[Service]\nType=forking\nUser=nobody\nRuntimeDirectory=%s\n"
				"RuntimeDirectoryMode=0710\nPIDFile=/run/%s/fork.pid\n"
				"ExecStartPre=+/bin/sh -c 'id -u > /run/%s/pre-uid'\n"
				"ExecStart=/bin/sh -c 'sleep 100000 & echo $! > /run/%s/fork.pid'\n"
				"ExecStartPost=/bin/sh -c 'id -u > /run/%s/post-uid'\n",
				rt, rt, rt, rt, rt));
	unit("gone.service", "[Service]\nType=forking\nRemainAfterExit=yes\nExecStart=/bin/true\n");
	unit("guess.service", "[Service]\nType=forking\nExecStart=/bin/sh -c 'sleep 100001 &'\n");
	unit("limits.service", "[Service]\nLimitNOFILE=1000:2000\nLimitCORE=12345:23456\n"
			       "ExecStart=/bin/sleep 100002\n");
	unit("deflimits.service", "[Service]\nExecStart=/bin/sleep 100003\n");
	unit("env.service", "[Service]\nUser=nobody\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n"
			    "ExecStart=/bin/sleep 100004\n");
	unit("once.service",
	     pf("[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo 1 >> %s/once'\n"
		"ExecStart=/bin/sh -c 'echo 2 >> %s/once'\n",
		d.run_dir, d.run_dir));
	unit("reload.service",
	     pf("[Service]\nExecStart=/bin/sh -c 'trap \"echo hup > %s/hup\" HUP; "
		"while :; do sleep 1000 & wait; done'\nExecReload=/bin/kill -HUP $MAINPID\n",
		d.run_dir));
	unit("kp.service", "[Service]\nKillMode=process\nExecStart=/bin/sh -c 'sleep 100005 & exec "
			   "sleep 100006'\n");
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	snprintf(rt, sizeof rt, "pact-engine-%d", (int)getpid());
	is_int(daemon_prepare(&d,
			      "node_id = engine-node\nDefaultLimitCORE = 1000:2000\n"
			      "services_system_slice = yes\n",
			      "quiet"),
	       0, "prepared");
	write_units();
	is_int(daemon_launch(&d), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 30000), 0,
	       "ready with services_required = all: the skipped unit does not fail the boot");
	char out[16384];
	struct stat st;
	ok(stat(pf("%s/system.slice", d.cg), &st) == 0 && S_ISDIR(st.st_mode),
	   "services_system_slice = yes: system.slice made at the cgroup root");
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(strstr(out, "\"name\":\"skip.service\",\"state\":\"skipped\""),
	   "skip.service is skipped");
	ok(strstr(daemon_log(&d),
		  "skip.service: skipped: ConditionPathExists=/nonexistent/pact-engine is false"),
	   "the log says which condition");

	/* Type=forking with PIDFile=, its RuntimeDirectory=, "+" beside User= */
	char text[64] = "";
	int fpid = svc_pid("fork.service");
	(void)read_file(pf("/run/%s/fork.pid", rt), text, sizeof text);
	text[strcspn(text, "\n")] = '\0';
	ok(fpid > 0 && fpid == atoi(text), "forking: the main pid (%d) is the PIDFile's (%s)", fpid,
	   text);
	ok(stat(pf("/run/%s", rt), &st) == 0 && (st.st_mode & 07777) == 0710 && st.st_uid == 65534,
	   "RuntimeDirectory= made with mode 0710, owned by nobody");
	(void)read_file(pf("/run/%s/pre-uid", rt), text, sizeof text);
	is_str(text, "0\n", "ExecStartPre=+ ran as root");
	(void)read_file(pf("/run/%s/post-uid", rt), text, sizeof text);
	is_str(text, "65534\n", "ExecStartPost= ran as User=nobody, after the start");

	int gpid = svc_pid("guess.service");
	ok(gpid > 0 && host_pid("guess.scope", "100001") > 0,
	   "forking without PIDFile=: the only process left (%d) is the main pid", gpid);

	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(strstr(out, "\"name\":\"gone.service\",\"state\":\"exited\""),
	   "forking that leaves no process, RemainAfterExit=yes: exited (sm-notify)");

	/* limits */
	int lpid = host_pid("limits.scope", "100002");
	ok(strstr(limits_line(lpid, "Max open files"), "1000                 2000"),
	   "LimitNOFILE=1000:2000 in /proc/%d/limits: %s", lpid,
	   limits_line(lpid, "Max open files"));
	ok(strstr(limits_line(lpid, "Max core file size"), "12345                23456"),
	   "LimitCORE=12345:23456: %s", limits_line(lpid, "Max core file size"));
	int dpid = host_pid("deflimits.scope", "100003");
	ok(strncmp(limits_line(dpid, "Max open files") + 26, "1024 ", 5) == 0,
	   "the default nofile soft limit is 1024: %s", limits_line(dpid, "Max open files"));
	ok(strstr(limits_line(dpid, "Max core file size"), "1000                 2000"),
	   "init.conf DefaultLimitCORE = 1000:2000 applies: %s",
	   limits_line(dpid, "Max core file size"));
	ok(strstr(limits_line(lpid, "Max core file size"), "12345"), "a unit's own limit wins");

	/* the environment of a User=nobody service */
	int epid = host_pid("env.scope", "100004");
	ok(environ_has(epid, "USER=nobody") && environ_has(epid, "LOGNAME=nobody") &&
	       environ_has(epid, "HOME=/nonexistent") &&
	       environ_has(epid, "SHELL=/usr/sbin/nologin"),
	   "User=nobody: USER, LOGNAME, HOME, SHELL");
	ok(environ_has(epid, "INVOCATION_ID=") && environ_has(epid, "NOTIFY_SOCKET=/"),
	   "INVOCATION_ID and NOTIFY_SOCKET");

	char status[4096] = "";
	(void)read_file(pf("/proc/%d/status", epid), status, sizeof status);
	ok(strstr(status, "CapAmb:\t0000000000000400") &&
	       strstr(status, "CapEff:\t0000000000000400"),
	   "AmbientCapabilities=CAP_NET_BIND_SERVICE: the User= service has it, and only it");

	/* a oneshot's ExecStart= lines, in order */
	(void)read_file(pf("%s/once", d.run_dir), text, sizeof text);
	is_str(text, "1\n2\n", "two ExecStart= of a oneshot ran in order");
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(strstr(out, "\"name\":\"once.service\",\"state\":\"exited\""), "and it exited");

	/* ExecReload= */
	is_int(daemon_pactctl(&d, "reload reload", out, sizeof out), 0, "pactctl reload");
	is_int(daemon_wait_file(&d, "hup", 10000), 0,
	       "ExecReload=/bin/kill -HUP $MAINPID reached it");
	ok(daemon_pactctl(&d, "reload env", out, sizeof out) != 0 &&
	       strstr(out, "has no ExecReload="),
	   "a service without ExecReload= cannot reload: %s", out);

	/* KillMode=process keeps the child across a restart */
	int child = host_pid("kp.scope", "100005"), kpid = svc_pid("kp.service");
	ok(child > 0 && kill(child, 0) == 0, "kp's child %d runs", child);
	daemon_pactctl(&d, "restart kp", out, sizeof out);
	is_int(daemon_wait_log(&d, "service kp\\.service: processes left in .*KillMode=process",
			       10000),
	       0, "restart: the scope is left to the child");
	is_int(daemon_wait_log(&d, "service kp\\.service: started \\(pid", 10000), 0,
	       "kp runs again");
	ok(child > 0 && kill(child, 0) == 0, "the child survived the restart");
	ok(svc_pid("kp.service") != kpid, "with a new main process");

	/* stop: the runtime directory goes */
	daemon_pactctl(&d, "stop fork", out, sizeof out);
	is_int(daemon_wait_log(&d, "service fork\\.service: stopped", 10000), 0, "fork stopped");
	ok(access(pf("/run/%s", rt), F_OK) != 0, "its RuntimeDirectory= is removed");
	if (child > 0)
		kill(child, SIGKILL);
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	daemon_cleanup(&d);
	return done_testing();
}
