/*
 * Host tier: every string that reaches a JSON reply, with multi-byte and
 * invalid UTF-8 in it, on the real pact-init. Names the kernel does not
 * check (a cgroup under workload.slice, a service's STATUS=) and text cut
 * at a bound (STATUS= at its limit, an emergency reason, a client's
 * uenv_image in an Error) must still give valid JSON: invalid bytes become
 * U+FFFD, and nothing is cut inside a character.
 */
#include "daemon.h"
#include "hostutil.h"
#include "lib/utf8.h"
#include "pact/handoff.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FFFD UTF8_REPLACEMENT

static struct daemon d;
static char imgdir[128];
static char out[65536];

/* `pactctl --json VERB`: 0 when it succeeded and its output is UTF-8. */
static int json_ok(const char *verb)
{
	int st = pactctl_json(&d, verb, out, sizeof out);
	return st == 0 && utf8_valid(out, strlen(out)) ? 0 : -1;
}

/* mkdir (or rmdir) path in the daemon's mount namespace, where its cgroup2 is. */
static int in_daemon_mnt(const char *path, int remove)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		int ns = open(pf("/proc/%d/ns/mnt", (int)d.pid), O_RDONLY | O_CLOEXEC);
		if (ns < 0 || setns(ns, CLONE_NEWNS) < 0)
			_exit(10);
		_exit((remove ? rmdir(path) : mkdir(path, 0755)) == 0 ? 0 : 11);
	}
	int st = 0;
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A cgroup whose name is not UTF-8, under workload.slice: scopes, metrics. */
static void test_cgroup_names(void)
{
	const char *name = "bad\xff\xfe-caf\xc3\xa9.scope";
	char path[512];
	snprintf(path, sizeof path, "%s/cgroup/workload.slice/%s", d.dir, name);
	in_daemon_mnt(pf("%s/cgroup/workload.slice", d.dir), 0);
	is_int(in_daemon_mnt(path, 0), 0,
	       "a cgroup named bad\\xff\\xfe-café.scope under workload.slice");
	is_int(json_ok("scopes"), 0, "pactctl scopes answers with valid UTF-8");
	ok(strstr(out, "bad" FFFD FFFD "-caf\xc3\xa9.scope") != NULL,
	   "the name with U+FFFD for each invalid byte, é kept");
	is_int(json_ok("metrics"), 0, "pactctl metrics answers with valid UTF-8");
	ok(strstr(out, "bad" FFFD FFFD "-caf\xc3\xa9.scope") != NULL, "the label likewise");
	in_daemon_mnt(path, 1);
}

/* STATUS= at its limit (127 bytes), cut inside a character, after an invalid byte. */
static void test_status(void)
{
	char want[200] = FFFD;
	memset(want + 3, 'a', 125);
	want[128] = '\0';
	/* its STATUS= comes with its READY=1 */
	is_int(daemon_wait_log(&d, "service talk.service: ready", 10000), 0,
	       "talk.service is ready");
	ok(json_ok("services") == 0 && strstr(out, "\"status\":\""),
	   "pactctl services answers with valid UTF-8");
	ok(strstr(out, pf("\"status\":\"%s\"", want)) != NULL,
	   "STATUS= cut before the character that did not fit, its invalid byte as U+FFFD");
}

/* An emergency reason longer than it is kept, cut inside a character. */
static void test_reason(void)
{
	char arg[400], reason[200];
	memset(reason, 'r', 126);
	strcpy(reason + 126, "\xc3\xa9"); /* é across the 128-byte bound */
	snprintf(arg, sizeof arg, "emergency on --reason %s", reason);
	is_int(pactctl_json(&d, arg, out, sizeof out), 0, "an emergency with a 128-byte reason");
	is_int(json_ok("status"), 0, "pactctl status answers with valid UTF-8");
	reason[126] = '\0';
	ok(strstr(out, pf("\"emergency\":\"%s\"", reason)) != NULL, "the reason cut before é");
	pactctl_json(&d, "emergency off", out, sizeof out);
}

/* A client's uenv_image in replies: an Error naming a long multi-byte
 * path, and the mount point of an image with a non-ASCII name. */
static void test_uenv_replies(int have_uenv)
{
	char img[600];
	int n = snprintf(img, sizeof img, "%s/", imgdir);
	if (n % 2 == 0) /* é at odd offsets: the 200-byte cut falls inside one */
		n += snprintf(img + n, sizeof img - (size_t)n, "x");
	for (int i = 0; i < 150; i++)
		n += snprintf(img + n, sizeof img - (size_t)n, "\xc3\xa9");
	snprintf(img + n, sizeof img - (size_t)n, ".sqfs");
	struct pact_handoff_conn c;
	struct pact_handoff_msg m;
	int fds[3];
	const enum pact_ns_type mnt[] = {PACT_NS_MOUNT};
	is_int(pact_handoff_connect(&c, pf("%s/handoff.sock", d.run_dir)), 0, "connect");
	int r = pact_handoff_request_ns(&c, "u8-missing", mnt, 1, img, &m, fds, 15000);
	ok(r == PACT_HANDOFF_GOT_ERROR && m.kind == PACT_ERR_INVALID_REQUEST,
	   "a missing image at a 300-byte multi-byte path gets Error InvalidRequest (%d)", r);
	ok(r == PACT_HANDOFF_GOT_ERROR && utf8_valid(m.reason, strlen(m.reason)) &&
	       !strstr(m.reason, FFFD),
	   "its reason is cut on a character boundary");
	if (!have_uenv) {
		skip("no mksquashfs", "an image with a non-ASCII name");
	} else {
		r = pact_handoff_request_ns(&c, "u8-cafe", mnt, 1, "caf\xc3\xa9.sqfs", &m, fds,
					    15000);
		is_int(r, 0, "an image named café.sqfs is mounted");
		ok(r == 0 && m.has_uenv && strstr(m.uenv, "/uenv/uenv-") != NULL,
		   "its mount point has the hashed name (%s)", r == 0 ? m.uenv : "");
		if (r == 0)
			close(fds[0]);
		is_int(json_ok("mounts"), 0, "pactctl mounts answers with valid UTF-8");
		ok(strstr(out, "caf\xc3\xa9.sqfs") != NULL, "naming the image");
		pact_handoff_end(&c, "u8-cafe", NULL, 10000);
	}
	pact_handoff_close(&c);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	snprintf(imgdir, sizeof imgdir, "/tmp/pact-utf8-%d", getpid());
	mkdir(imgdir, 0755);
	int have_uenv =
	    system(pf("images/mkuenv.sh '%s/caf\xc3\xa9.sqfs' cafe 2>/dev/null", imgdir)) == 0;
	char conf[512];
	snprintf(conf, sizeof conf,
		 "node_id = utf8-node\nuenv.image_roots = %s\nuenv.hold_s = 600\n"
		 "services_required = none\n",
		 imgdir);
	is_int(daemon_prepare(&d, conf, ""), 0, "prepared");
	mkdir(pf("%s/etc/services", d.dir), 0755);
	FILE *f = fopen(pf("%s/etc/services/talk.service", d.dir), "w");
	if (f) {
		/* STATUS=: an invalid byte, 125 bytes, then é across the 128-byte bound */
		fprintf(f,
			"[Service]\nType=notify\nSlice=infra.slice\nExecStart=/bin/sh -c '%s "
			"notify --ready \"STATUS=$(printf "
			"\"\\\\377%%%%0125d\\\\303\\\\251\" 0 | tr 0 a)\"; exec sleep 1000'\n",
			build_path("san/pactctl"));
		fclose(f);
	}
	is_int(daemon_launch(&d), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	test_status();
	test_cgroup_names();
	test_reason();
	test_uenv_replies(have_uenv);
	if (tap_failed)
		printf("# log:\n%s", daemon_log(&d));
	kill(d.pid, SIGUSR2);
	daemon_wait_exit(&d, 15000);
	daemon_cleanup(&d);
	const char *rm[] = {"rm", "-rf", imgdir, NULL};
	run(rm);
	return done_testing();
}
