/*
 * Unit tier: the one list of keys (units/unit_key_table.c) against its
 * handlers and against docs/units.md. Every key of the table reaches a
 * handler (none is "unknown"), a key outside it is unknown, and the key
 * table of docs/units.md (between <!-- keys:begin --> and
 * <!-- keys:end -->) has exactly the table's keys with the table's support
 * level, so neither can drift from the other. Then the keys the vendor
 * fixtures brought in: PermissionsStartOnly=, DynamicUser=,
 * CPUSchedulingPolicy=, IgnoreSIGPIPE=, NonBlocking=, Slice=system.slice,
 * OnFailure=, the logging keys; and, in a child on the real kernel, what
 * the spawner's setup makes of the first three of the process ones.
 */
#include "tap.h"
#include "lib/fileio.h"
#include "supervise/svc_child.h"
#include "units/unit_key_table.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct unit U;
static struct unit_diag D;

static int load_as(const char *name, const char *text)
{
	struct unit_opts o = {.quiet = 1, .no_userdb = 1};
	unit_diag_clear(&D);
	return unit_load_buffer(name, NULL, text, strlen(text), &o, &U, &D);
}

static int has(const char *s)
{
	for (int i = 0; i < D.n; i++)
		if (strstr(D.msg[i].text, s))
			return 1;
	return 0;
}

/* a unit of the section's kind with key= in that section */
static void load_key(const struct unit_key_info *k, const char *value)
{
	char text[512];
	const char *name = "k.service", *rest = "[Service]\nExecStart=/bin/true\n";
	if (k->sec == SEC_SOCKET)
		name = "k.socket", rest = "[Socket]\nListenStream=/run/k.sock\n";
	else if (k->sec == SEC_TIMER)
		name = "k.timer", rest = "[Timer]\nOnBootSec=1min\n";
	snprintf(text, sizeof text, "%s[%s]\n%s=%s\n", rest,
		 unit_section_name((enum section)k->sec), k->key, value);
	load_as(name, text);
}

static void test_every_key_has_a_handler(void)
{
	size_t unknown = 0;
	const char *first = NULL;
	for (size_t i = 0; i < unit_key_table_len; i++) {
		load_key(&unit_key_table[i], "");
		if (has("unknown key") || has("] in a")) {
			unknown++;
			if (!first)
				first = unit_key_table[i].key;
		}
	}
	ok(unit_key_table_len > 300, "%zu keys in the table", unit_key_table_len);
	is_int((int)unknown, 0, "every key of the table reaches its handler%s%s",
	       first ? ", not " : "", first ? first : "");
	struct unit_key_info bogus = {SEC_SERVICE, KEY_SUPPORTED, "ProtectBogus"};
	load_key(&bogus, "yes");
	ok(has("unknown key ProtectBogus= in [Service]"),
	   "a key outside the table is unknown, whatever its prefix");
	struct unit_key_info cond = {SEC_UNIT, KEY_SUPPORTED, "ConditionBogus"};
	load_key(&cond, "x");
	ok(has("unknown key ConditionBogus= in [Unit]"), "so is an unknown Condition*=");
}

/* one row of the doc's key table: | [Section] | `Key=` | level | notes | */
static int parse_row(const char *line, char *sec, char *key, char *level)
{
	return sscanf(line, "| [%31[A-Za-z]] | `%63[A-Za-z0-9]=` | %15[a-z] |", sec, key, level) ==
	       3;
}

static void test_doc_matches_table(void)
{
	static char doc[128 * 1024];
	static unsigned char seen[1024];
	ssize_t n = read_file("docs/units.md", doc, sizeof doc - 1);
	ok(n > 0, "docs/units.md read");
	if (n <= 0)
		return;
	doc[n] = '\0';
	char *begin = strstr(doc, "<!-- keys:begin -->"), *end = strstr(doc, "<!-- keys:end -->");
	ok(begin && end && begin < end, "docs/units.md has the key table markers");
	if (!begin || !end || begin > end)
		return;
	*end = '\0';
	int rows = 0, not_in_code = 0, wrong_level = 0, dup = 0;
	char first_bad[160] = "";
	for (char *save = NULL, *l = strtok_r(begin, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char sec[32], key[64], level[16];
		if (!parse_row(l, sec, key, level))
			continue;
		rows++;
		const struct unit_key_info *k = NULL;
		for (enum section s = SEC_UNIT; s <= SEC_TIMER && !k; s++)
			if (strcmp(unit_section_name(s), sec) == 0)
				k = unit_key_find(s, key);
		const char *bad =
		    !k ? "not in the code's table"
		    : strcmp(unit_key_support_name((enum unit_key_support)k->support), level)
			? "a different level in the code"
		    : seen[k - unit_key_table] ? "twice"
					       : NULL;
		not_in_code += !k;
		wrong_level += k && bad && !seen[k - unit_key_table];
		dup += k && seen[k - unit_key_table];
		if (k)
			seen[k - unit_key_table] = 1;
		if (bad && !first_bad[0])
			snprintf(first_bad, sizeof first_bad, ": [%s] %s= %s: %s", sec, key, level,
				 bad);
	}
	int missing = 0;
	const char *first_missing = NULL;
	for (size_t i = 0; i < unit_key_table_len; i++)
		if (!seen[i]) {
			missing++;
			if (!first_missing)
				first_missing = unit_key_table[i].key;
		}
	ok(unit_key_table_len <= sizeof seen, "the table fits the check");
	is_int(rows, (int)unit_key_table_len, "the doc has one row per key of the code");
	is_int(not_in_code + wrong_level + dup, 0,
	       "every row of the doc is a key of the code, at "
	       "its level, once%s",
	       first_bad);
	is_int(missing, 0, "every key of the code is in the doc%s%s", first_missing ? ": not " : "",
	       first_missing ? first_missing : "");
}

static void test_vendor_keys(void)
{
	load_as("p.service",
		"[Service]\nUser=daemon\nPermissionsStartOnly=true\n"
		"ExecStartPre=/bin/mkdir -p /run/p\nExecStart=/bin/p\nExecStop=/bin/q\n");
	ok((U.exec[UNIT_CMD_PRE][0].flags & UNIT_EXEC_PRIVILEGED) &&
	       (U.exec[UNIT_CMD_STOP][0].flags & UNIT_EXEC_PRIVILEGED) &&
	       !(U.exec[UNIT_CMD_START][0].flags & UNIT_EXEC_PRIVILEGED),
	   "PermissionsStartOnly=: every command but ExecStart= runs as with \"+\"");
	load_as("d.service", "[Service]\nDynamicUser=yes\nExecStart=/bin/d\n");
	ok(U.user && strcmp(U.user, "nobody") == 0 && D.n == 0,
	   "DynamicUser=yes without User= runs as nobody, without a warning");
	load_as("d.service", "[Service]\nDynamicUser=yes\nUser=chrony\nExecStart=/bin/d\n");
	ok(U.user && strcmp(U.user, "chrony") == 0, "DynamicUser=yes with User= keeps it");
	load_as("s.service", "[Service]\nCPUSchedulingPolicy=idle\nExecStart=/bin/s\n");
	is_int(U.cpu_sched_policy, SCHED_IDLE, "CPUSchedulingPolicy=idle");
	load_as("s.service", "[Service]\nCPUSchedulingPolicy=fifo\nCPUSchedulingPriority=10\n"
			     "ExecStart=/bin/s\n");
	ok(U.cpu_sched_policy == SCHED_FIFO && U.cpu_sched_prio == 10,
	   "CPUSchedulingPolicy=fifo with CPUSchedulingPriority=10");
	load_as("s.service", "[Service]\nCPUSchedulingPolicy=deadline\nExecStart=/bin/s\n");
	ok(has("CPUSchedulingPolicy=deadline: other, batch, idle, fifo or rr"),
	   "an unknown policy is an error naming the ones there are");
	load_as("s.service", "[Service]\nExecStart=/bin/s\n");
	ok(U.ignore_sigpipe == 1 && U.cpu_sched_policy == -1 && !U.non_blocking,
	   "by default SIGPIPE is ignored (as systemd), no policy, blocking fds");
	load_as("s.service", "[Service]\nIgnoreSIGPIPE=false\nNonBlocking=yes\nExecStart=/bin/s\n");
	ok(U.ignore_sigpipe == 0 && U.non_blocking == 1, "IgnoreSIGPIPE=false, NonBlocking=yes");
	load_as("s.service", "[Service]\nSlice=system.slice\nExecStart=/bin/s\n");
	ok(U.slice == UNIT_SLICE_INFRA && D.n == 0, "Slice=system.slice is the default slice");
	load_as("w@1.service", "[Unit]\nOnFailure=wd_keepalive.service fail@%i.service\n"
			       "OnSuccess=done.service\nFailureAction=reboot\n"
			       "[Service]\nExecStart=/bin/w\n");
	ok(U.on_failure.n == 2 && strcmp(U.on_failure.name[1], "fail@1.service") == 0 &&
	       U.on_success.n == 1 && strcmp(U.on_success.name[0], "done.service") == 0 &&
	       !has("OnFailure=") && !has("OnSuccess="),
	   "OnFailure=, OnSuccess= take their units (specifiers resolved), without a warning");
	ok(U.failure_action == UNIT_ACTION_REBOOT && U.success_action == UNIT_ACTION_NONE &&
	       !has("FailureAction="),
	   "FailureAction=reboot is taken, without a warning; SuccessAction= is none");
	static const struct {
		const char *v;
		enum unit_end_action a;
	} acts[] = {{"poweroff-force", UNIT_ACTION_POWEROFF},
		    {"exit", UNIT_ACTION_POWEROFF},
		    {"reboot-immediate", UNIT_ACTION_REBOOT},
		    {"halt", UNIT_ACTION_HALT},
		    {"none", UNIT_ACTION_NONE}};
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
		char text[128];
		snprintf(text, sizeof text,
			 "[Unit]\nSuccessAction=%s\n[Service]\nExecStart=/bin/w\n", acts[i].v);
		load_as("w.service", text);
		ok(U.success_action == acts[i].a && D.n == 0, "SuccessAction=%s", acts[i].v);
	}
	load_as("w.service", "[Unit]\nFailureAction=reboot-later\n[Service]\nExecStart=/bin/w\n");
	ok(U.failure_action == UNIT_ACTION_NONE &&
	       has("FailureAction=reboot-later: not an action (none, reboot, poweroff"),
	   "an unknown action warns and none is taken");
	load_as("i.socket", "[Socket]\nListenStream=/run/i-unix.sock\nSymlinks=/run/i.sock "
			    "/run/j.sock\n");
	ok(U.sock.n_symlinks == 2 && strcmp(U.sock.symlinks[1], "/run/j.sock") == 0 && D.n == 0,
	   "Symlinks= takes its paths");
	static struct unit copy;
	unit_copy(&copy, &U);
	memset(&U, 0, sizeof U);
	ok(copy.sock.n_symlinks == 2 && strcmp(copy.sock.symlinks[0], "/run/i.sock") == 0,
	   "and a copy of the unit keeps them (its own arena)");
	load_as("s.socket", "[Socket]\nListenStream=/run/s.sock\nExecStartPre=-/bin/p a\n"
			    "ExecStartPost=/bin/q\nExecStopPost=/bin/r\n");
	ok(U.n_exec[UNIT_CMD_PRE] == 1 &&
	       (U.exec[UNIT_CMD_PRE][0].flags & UNIT_EXEC_IGNORE_FAILURE) &&
	       strcmp(U.exec[UNIT_CMD_PRE][0].argv[1], "a") == 0 && U.n_exec[UNIT_CMD_POST] == 1 &&
	       !has("ExecStartPre=") && !has("ExecStartPost=") &&
	       has("ExecStopPost= in [Socket] is not run"),
	   "a socket's ExecStartPre=/ExecStartPost= are command lists; ExecStopPost= warns");
	load_as("i.socket", "[Socket]\nListenStream=/run/i-unix.sock\nSymlinks=run/i.sock\n");
	ok(has("Symlinks=run/i.sock: not an absolute path"), "a relative Symlinks= is an error");
	load_as("l.service",
		"[Unit]\nReloadPropagatedFrom=x.service\n[Service]\nType=dbus\n"
		"BusName=org.x\nSyslogIdentifier=l\nSyslogLevel=debug\nExecStart=/bin/l\n");
	is_int(D.n, 1,
	       "the logging keys, BusName= and ReloadPropagatedFrom= are silent; Type=dbus "
	       "says its difference once");
}

/* the spawner's setup, in a child on the real kernel */
static void test_child_setup(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		ok(0, "socketpair");
		return;
	}
	load_as("c.service", "[Service]\nCPUSchedulingPolicy=idle\nNonBlocking=yes\n"
			     "ExecStart=/bin/c\n");
	static struct svc_child c;
	svc_child_prepare(&U, 0, &c);
	c.nonblock_fds = 1;
	struct unit_opts o = {.quiet = 1, .no_userdb = 1};
	static struct unit rt;
	const char *fifo = "[Service]\nCPUSchedulingPolicy=fifo\nExecStart=/bin/c\n";
	static struct svc_child rc;
	unit_load_buffer("f.service", NULL, fifo, strlen(fifo), &o, &rt, &D);
	svc_child_prepare(&rt, 0, &rc);
	is_int(rc.cpu_sched_prio, 1, "fifo without a priority gets the lowest real-time one");
	rt.cpu_sched_policy = SCHED_IDLE;
	rt.cpu_sched_prio = 10;
	svc_child_prepare(&rt, 0, &rc);
	is_int(rc.cpu_sched_prio, 0,
	       "idle takes no priority (sched_setscheduler would refuse one)");
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(sv[0], 3) < 0)
			_exit(10);
		signal(SIGPIPE, SIG_DFL);
		if (svc_child_setup(&c) < 0)
			_exit(11);
		struct sigaction sa;
		if (sigaction(SIGPIPE, NULL, &sa) < 0 || sa.sa_handler != SIG_IGN)
			_exit(12);
		if (sched_getscheduler(0) != SCHED_IDLE)
			_exit(13);
		if (!(fcntl(3, F_GETFL) & O_NONBLOCK))
			_exit(14);
		_exit(0);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "in the child: SIGPIPE ignored, SCHED_IDLE, the listen fd non-blocking (exit %d)",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	test_every_key_has_a_handler();
	test_doc_matches_table();
	test_vendor_keys();
	test_child_setup();
	return done_testing();
}
