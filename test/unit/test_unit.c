/*
 * Unit file parser tests: every key, quoting and expansion, specifiers,
 * time spans and sizes, warnings and errors (asserted by text), templates,
 * EnvironmentFile=, unit_copy (the files: test_unit_files.c).
 */
#include "units/unit.h"
#include "units/depgraph.h"
#include "lib/fileio.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_fixture.h"

static void test_minimal(void)
{
	int r = load("/etc/pact/services/a.service", "[Unit]\nDescription=A thing\n" SVC);
	is_int(r, 0, "minimal unit loads");
	is_str(U.name, "a.service", "name from the file name");
	is_str(U.description, "A thing", "Description");
	load("b.service", SVC);
	is_str(U.description, "", "no Description: empty string");
	load("/etc/pact/services/a.service", "[Unit]\nDescription=A thing\n" SVC);
	is_str(U.source, "/etc/pact/services/a.service", "source path kept");
	is_int(U.type, UNIT_TYPE_SIMPLE, "default Type=simple");
	is_int(U.restart, UNIT_RESTART_NO, "default Restart=no");
	is_int(U.slice, UNIT_SLICE_INFRA, "default slice infra");
	is_int(U.kill_signal, SIGTERM, "default KillSignal=SIGTERM");
	ok(U.timeout_stop_ms == UNIT_DEFAULT_TIMEOUT_STOP_MS, "default stop timeout 10 s");
	ok(U.timeout_start_ms == UNIT_DEFAULT_TIMEOUT_START_MS, "default start timeout 90 s");
	ok(U.memory_max == UNIT_INFINITY && U.tasks_max == UNIT_INFINITY, "no limits by default");
	is_int(U.cpu_weight, 0, "no CPUWeight by default");
	is_int(U.exec[UNIT_CMD_START][0].argc, 1, "argc 1");
	is_str(U.exec[UNIT_CMD_START][0].path, "/bin/true", "path");
	is_str(U.exec[UNIT_CMD_START][0].argv[0], "/bin/true", "argv[0]");
	ok(U.exec[UNIT_CMD_START][0].argv[1] == NULL, "argv NULL-terminated");
	ok(U.envp[0] == NULL, "empty envp NULL-terminated");
	is_int(D.nerr + D.nwarn, 0, "no diagnostics");
	is_str(unit_slice_path(U.slice), "pact.slice/infra.slice", "slice path");
}

static void test_all_keys(void)
{
	const char *text = "# a comment\n"
			   "; another\n"
			   "[Unit]\n"
			   "Description=All keys\n"
			   "Documentation=man:foo(8)\n"
			   "After=a.service b.service\n"
			   "After=c.service\n"
			   "Before=z.service\n"
			   "Requires=a.service\n"
			   "Wants=w.service network.target\n"
			   "\n"
			   "[Service]\n"
			   "Type=notify\n"
			   "ExecStartPre=-/bin/mkdir -p /run/x\n"
			   "ExecStartPre=/bin/echo pre2\n"
			   "ExecStart=/usr/bin/daemon --flag value\n"
			   "Environment=A=1 B=2\n"
			   "WorkingDirectory=/var/lib/x\n"
			   "User=daemon\n"
			   "Group=daemon\n"
			   "Restart=on-failure\n"
			   "RestartSec=5\n"
			   "TimeoutStartSec=1min 30s\n"
			   "TimeoutStopSec=500ms\n"
			   "KillSignal=SIGINT\n"
			   "Slice=gpu.slice\n"
			   "MemoryMax=512M\n"
			   "CPUWeight=200\n"
			   "TasksMax=100\n"
			   "IOReadBandwidthMax=/dev/sda 10M\n"
			   "IOWriteBandwidthMax=/dev/sda 5M\n"
			   "IOWriteBandwidthMax=/dev/nvme0n1 1G\n"
			   "LimitNOFILE=1024:4096\n"
			   "OOMScoreAdjust=-500\n"
			   "NotifyAccess=all\n"
			   "[Install]\n"
			   "WantedBy=multi-user.target\n"
			   "Alias=whatever.service\n";
	int r = load("all.service", text);
	is_int(r, 0, "unit with every key loads");
	if (r)
		dump_diag();
	is_int(D.nerr + D.nwarn, 0, "no diagnostics ([Install] ignored silently)");
	is_int(U.n_after, 3, "After= lines accumulate");
	is_str(U.after[2], "c.service", "After third");
	is_int(U.n_before, 1, "Before");
	is_int(U.n_requires, 1, "Requires");
	is_int(U.n_wants, 2, "Wants");
	is_str(U.wants[1], "network.target", "Wants keeps targets (ignored by the graph)");
	is_int(U.type, UNIT_TYPE_NOTIFY, "Type=notify");
	is_int(U.n_exec[UNIT_CMD_PRE], 2, "two ExecStartPre");
	ok(U.exec[UNIT_CMD_PRE][0].flags & UNIT_EXEC_IGNORE_FAILURE,
	   "'-' prefix sets ignore-failure");
	is_str(U.exec[UNIT_CMD_PRE][0].path, "/bin/mkdir", "'-' stripped from the path");
	is_int(U.exec[UNIT_CMD_PRE][0].argc, 3, "pre argc");
	is_str(U.exec[UNIT_CMD_PRE][1].argv[1], "pre2", "second pre argv");
	is_int(U.exec[UNIT_CMD_START][0].argc, 3, "ExecStart argc");
	is_str(U.exec[UNIT_CMD_START][0].argv[2], "value", "ExecStart argv[2]");
	is_int(U.n_env, 2, "two env entries");
	is_str(U.envp[0], "A=1", "env A");
	is_str(U.envp[1], "B=2", "env B");
	ok(U.envp[2] == NULL, "envp terminated");
	is_str(U.working_dir, "/var/lib/x", "WorkingDirectory");
	is_str(U.user, "daemon", "User");
	is_str(U.group, "daemon", "Group");
	is_int(U.has_cred, 0, "no_userdb: not resolved");
	is_int(U.restart, UNIT_RESTART_ON_FAILURE, "Restart=on-failure");
	is_int(U.restart_ms, 5000, "RestartSec=5 is 5 s");
	is_int(U.timeout_start_ms, 90000, "TimeoutStartSec=1min 30s");
	is_int(U.timeout_stop_ms, 500, "TimeoutStopSec=500ms");
	is_int(U.kill_signal, SIGINT, "KillSignal=SIGINT");
	is_int(U.slice, UNIT_SLICE_GPU, "Slice=gpu.slice");
	ok(U.memory_max == 512ULL << 20, "MemoryMax=512M");
	is_int(U.cpu_weight, 200, "CPUWeight");
	is_int(U.tasks_max, 100, "TasksMax");
	is_int(U.n_io, 2, "two IO devices");
	is_str(U.io[0].device, "/dev/sda", "IO device");
	ok(U.io[0].rbps == 10ULL << 20 && U.io[0].wbps == 5ULL << 20, "read+write merged on sda");
	ok(U.io[1].rbps == UNIT_INFINITY && U.io[1].wbps == 1ULL << 30, "nvme write only");
	ok((U.rlim_set & 1u << RLIMIT_NOFILE) && U.rlim[RLIMIT_NOFILE].soft == 1024 &&
	       U.rlim[RLIMIT_NOFILE].hard == 4096,
	   "LimitNOFILE soft:hard");
	ok(U.has_oom_score_adj && U.oom_score_adj == -500, "OOMScoreAdjust");
}

static void test_quoting(void)
{
	int r = load("q.service", "[Service]\n"
				  "ExecStart=/bin/sh -c 'echo \"hi there\"; exit 0' \"a b\" c\\ d "
				  "e\\x41f \\101 \"tab\\there\" mid\"dle q\"uote '' \"\"\n");
	is_int(r, 0, "quoted command loads");
	if (r)
		dump_diag();
	is_int(U.exec[UNIT_CMD_START][0].argc, 11, "argc with quotes");
	is_str(U.exec[UNIT_CMD_START][0].argv[1], "-c", "argv1");
	is_str(U.exec[UNIT_CMD_START][0].argv[2], "echo \"hi there\"; exit 0",
	       "single quotes keep double quotes");
	is_str(U.exec[UNIT_CMD_START][0].argv[3], "a b", "double quotes join");
	is_str(U.exec[UNIT_CMD_START][0].argv[4], "c d", "backslash-space escape");
	is_str(U.exec[UNIT_CMD_START][0].argv[5], "eAf", "\\x41 escape");
	is_str(U.exec[UNIT_CMD_START][0].argv[6], "A", "octal escape");
	is_str(U.exec[UNIT_CMD_START][0].argv[7], "tab\there", "\\t inside double quotes");
	is_str(U.exec[UNIT_CMD_START][0].argv[8], "middle quote", "quotes may start mid-word");
	is_str(U.exec[UNIT_CMD_START][0].argv[9], "", "'' is an empty argument");
	is_str(U.exec[UNIT_CMD_START][0].argv[10], "", "\"\" is an empty argument");

	r = load("q.service", "[Service]\nExecStart=/bin/echo \"unterminated\n");
	ok(r < 0, "unterminated double quote fails");
	ok(diag_has("q.service:2: ExecStart=: unterminated double quote"), "error names file:line");
	r = load("q.service", "[Service]\nExecStart=/bin/echo 'x\n");
	ok(r < 0 && diag_has("unterminated single quote"), "unterminated single quote fails");
	r = load("q.service", "[Service]\nExecStart=/bin/echo \\q a\\\n");
	ok(r == 0 && strcmp(U.exec[UNIT_CMD_START][0].argv[1], "\\q") == 0,
	   "unknown escape kept verbatim");
	ok(diag_has("q.service:2: ExecStart=: unknown escape sequences kept verbatim"),
	   "unknown escape warned");
	r = load("q.service", "[Service]\nExecStart=/bin/echo \\x00\n");
	ok(r == 0 && strcmp(U.exec[UNIT_CMD_START][0].argv[1], "\\x00") == 0,
	   "escaped NUL kept verbatim");
	r = load("q.service", "[Service]\nExecStart=bin/echo x\n");
	ok(r < 0 && diag_has("neither absolute nor a plain name"), "relative path with / refused");
	r = load("q.service", "[Service]\nExecStart=echo x\n");
	is_int(r, 0, "plain program name accepted (searched in PATH by the spawner)");
}

static void test_prefixes(void)
{
	int r = load("p.service", "[Service]\nExecStart=-@/bin/busybox sleep 5\n");
	is_int(r, 0, "-@ prefixes");
	ok(U.exec[UNIT_CMD_START][0].flags & UNIT_EXEC_IGNORE_FAILURE, "- flag");
	ok(U.exec[UNIT_CMD_START][0].flags & UNIT_EXEC_ARGV0, "@ flag");
	is_str(U.exec[UNIT_CMD_START][0].path, "/bin/busybox", "@: path is the first word");
	is_str(U.exec[UNIT_CMD_START][0].argv[0], "sleep", "@: argv[0] is the second word");
	is_str(U.exec[UNIT_CMD_START][0].argv[1], "5", "@: then the arguments");
	is_int(U.exec[UNIT_CMD_START][0].argc, 2, "@: argc");

	r = load("p.service", "[Service]\nEnvironment=X=1\nExecStart=:/bin/echo $X ${X}\n");
	is_int(r, 0, ": prefix");
	is_str(U.exec[UNIT_CMD_START][0].argv[1], "$X", ": keeps $X literal");
	is_str(U.exec[UNIT_CMD_START][0].argv[2], "${X}", ": keeps ${X} literal");

	r = load("p.service", "[Service]\nExecStart=+/bin/true\n");
	ok(r == 0 && (U.exec[UNIT_CMD_START][0].flags & UNIT_EXEC_PRIVILEGED), "+ runs as root");
	r = load("p.service", "[Service]\nExecStart=!!-/bin/true\n");
	ok(r == 0 && (U.exec[UNIT_CMD_START][0].flags & UNIT_EXEC_NO_SETUID) &&
	       (U.exec[UNIT_CMD_START][0].flags & UNIT_EXEC_IGNORE_FAILURE) &&
	       strcmp(U.exec[UNIT_CMD_START][0].path, "/bin/true") == 0,
	   "!! and - together");
	r = load("p.service", "[Service]\nExecStart=@/bin/true\n");
	ok(r < 0 && diag_has("needs the program and an argv[0]"), "@ without argv0 refused");
}

static void test_env_expansion(void)
{
	int r =
	    load("e.service", "[Service]\n"
			      "Environment=\"OPTS=-a -b 'c d'\" ONE=x\\ y EMPTY=\n"
			      "Environment='Q=quoted value'\n"
			      "ExecStart=/bin/prog $OPTS ${ONE} pre${ONE}post $MISSING ${MISSING} "
			      "$$literal $ONE/no\n");
	is_int(r, 0, "expansion unit loads");
	if (r)
		dump_diag();
	is_int(U.n_env, 4, "four variables");
	is_str(U.envp[0], "OPTS=-a -b 'c d'", "quoted assignment");
	is_str(U.envp[1], "ONE=x y", "escaped space in value");
	is_str(U.envp[2], "EMPTY=", "empty value");
	is_str(U.envp[3], "Q=quoted value", "single-quoted assignment");
	/* /bin/prog -a -b "c d" "x y" "prex ypost" "" "$literal" "$ONE/no" */
	is_int(U.exec[UNIT_CMD_START][0].argc, 9, "argc after expansion");
	is_str(U.exec[UNIT_CMD_START][0].argv[1], "-a", "$OPTS split 1");
	is_str(U.exec[UNIT_CMD_START][0].argv[2], "-b", "$OPTS split 2");
	is_str(U.exec[UNIT_CMD_START][0].argv[3], "c d", "$OPTS split honours quotes");
	is_str(U.exec[UNIT_CMD_START][0].argv[4], "x y", "${ONE} one word");
	is_str(U.exec[UNIT_CMD_START][0].argv[5], "prex ypost", "${ONE} inside a word");
	is_str(U.exec[UNIT_CMD_START][0].argv[6], "",
	       "${MISSING} is an empty word; $MISSING vanishes");
	is_str(U.exec[UNIT_CMD_START][0].argv[7], "$literal", "$$ is a literal $");
	is_str(U.exec[UNIT_CMD_START][0].argv[8], "$ONE/no", "$NAME inside a word is literal");

	r = load("e.service", "[Service]\nEnvironment=A=1\nEnvironment=A=2\nExecStart=/bin/x\n");
	ok(r == 0 && U.n_env == 1 && strcmp(U.envp[0], "A=2") == 0, "later assignment wins");
	r = load("e.service", "[Service]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n"
			      "ExecStart=/bin/x\n");
	ok(r == 0 && U.n_env == 1 && strcmp(U.envp[0], "B=2") == 0, "empty Environment= resets");
	r = load("e.service", "[Service]\nEnvironment=noequals 1X=2 OK=1\nExecStart=/bin/x\n");
	ok(r == 0 && U.n_env == 1, "invalid assignments skipped");
	ok(diag_has("e.service:2: Environment=: invalid assignment \"noequals\""),
	   "invalid assignment warned with file:line");
	r = load("e.service", "[Service]\nExecStart=/bin/$X\n");
	ok(r < 0 && diag_has("may not contain a variable"), "variable in the program refused");
	r = load("e.service", "[Service]\nExecStart=/bin/x ${A}\nEnvironment=A=late\n");
	ok(r == 0 && strcmp(U.exec[UNIT_CMD_START][0].argv[1], "late") == 0,
	   "Environment= after ExecStart= still expands");
}

static void test_specifiers(void)
{
	const char *tmpl = "[Unit]\nDescription=RH %i of %p (%n, %N) 100%%\n"
			   "[Service]\nExecStart=/usr/bin/cxi_rh --device=cxi%i --name=%N\n"
			   "Environment=DEV=/dev/%I\nSlice=network.slice\n";
	int r = load_inst("/x/cxi_rh@.service", "3", tmpl);
	is_int(r, 0, "template instance loads");
	if (r)
		dump_diag();
	is_str(U.name, "cxi_rh@3.service", "instance name");
	is_str(U.instance, "3", "instance");
	is_str(U.description, "RH 3 of cxi_rh (cxi_rh@3.service, cxi_rh@3) 100%", "specifiers");
	is_str(U.exec[UNIT_CMD_START][0].argv[1], "--device=cxi3", "%%i in ExecStart");
	is_str(U.exec[UNIT_CMD_START][0].argv[2], "--name=cxi_rh@3", "%%N in ExecStart");
	is_int(U.slice, UNIT_SLICE_NETWORK, "network slice");

	r = load_inst("/x/getty@.service", "dev-ttyS0", "[Service]\nExecStart=/bin/getty %I\n");
	ok(r == 0 && strcmp(U.exec[UNIT_CMD_START][0].argv[1], "dev/ttyS0") == 0,
	   "%%I unescapes - to /");

	r = load("/x/cxi_rh@.service", tmpl);
	ok(r < 0 && diag_has("is a template"), "template without instance refused");
	r = load_inst("/x/plain.service", "1", SVC);
	ok(r < 0 && diag_has("not a template"), "instance of a non-template refused");
	r = load_inst("/x/t@.service", "a/b", SVC);
	ok(r < 0 && diag_has("not a valid instance"), "bad instance refused");
	r = load("s.service", "[Service]\nExecStart=/bin/echo %q\n");
	ok(r < 0 && diag_has("s.service:2: unsupported specifier %q"), "unknown specifier: error");
	r = load("s.service", "[Service]\nExecStart=/bin/echo %t/x %p\n");
	ok(r == 0 && strcmp(U.exec[UNIT_CMD_START][0].argv[1], "/run/x") == 0 &&
	       strcmp(U.exec[UNIT_CMD_START][0].argv[2], "s") == 0,
	   "%%t and %%p of a plain unit");
	r = load("/d/x@7.service", "[Service]\nExecStart=/bin/echo %i\n");
	ok(r == 0 && strcmp(U.exec[UNIT_CMD_START][0].argv[1], "7") == 0,
	   "instance file written out: %%i");
}

static void test_timespans(void)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} good[] = {
	    {"5", 5000},	   {"5s", 5000},
	    {"500ms", 500},	   {"1min 30s", 90000},
	    {"1min30s", 90000},	   {"2h", 7200000},
	    {"1d", 86400000},	   {"1.5s", 1500},
	    {"100us", 1},	   {"0", 0},
	    {" 3 sec ", 3000},	   {"1m", 60000},
	    {"2 minutes", 120000}, {"infinity", UNIT_INFINITY},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		uint64_t ms = 42;
		int r = unit_parse_timespan_ms(good[i].s, &ms);
		ok(r == 0 && ms == good[i].ms, "timespan \"%s\" = %llu ms (got %llu)", good[i].s,
		   (unsigned long long)good[i].ms, (unsigned long long)ms);
	}
	static const char *const bad[] = {
	    "", "abc", "5x", "-5", "5s garbage", "1.5.5s", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t ms;
		ok(unit_parse_timespan_ms(bad[i], &ms) < 0, "timespan \"%s\" refused", bad[i]);
	}
	int r = load("t.service", "[Service]\nExecStart=/bin/x\nTimeoutStopSec=infinity\n"
				  "TimeoutStartSec=infinity\n");
	ok(r == 0 && U.timeout_stop_ms == UNIT_STOP_TIMEOUT_CAP_MS,
	   "TimeoutStopSec=infinity capped");
	ok(U.timeout_start_ms == UNIT_TIMEOUT_NONE, "TimeoutStartSec=infinity: none");
	r = load("t.service", "[Service]\nExecStart=/bin/x\nType=oneshot\n");
	ok(r == 0 && U.timeout_start_ms == UNIT_TIMEOUT_NONE,
	   "oneshot: no start timeout by default");
	r = load("t.service", "[Service]\nExecStart=/bin/x\nType=oneshot\nTimeoutStartSec=3\n");
	ok(r == 0 && U.timeout_start_ms == 3000, "oneshot: explicit start timeout kept");
	r = load("t.service", "[Service]\nExecStart=/bin/x\nTimeoutSec=7\n");
	ok(r == 0 && U.timeout_stop_ms == 7000 && U.timeout_start_ms == 7000,
	   "TimeoutSec= sets both");
	r = load("t.service", "[Service]\nExecStart=/bin/x\nRestartSec=infinity\n");
	ok(r < 0 && diag_has("must be finite"), "RestartSec=infinity refused");
	r = load("t.service", "[Service]\nExecStart=/bin/x\nRestartSec=soon\n");
	ok(r < 0 && diag_has("t.service:3: RestartSec=soon: not a time span"),
	   "bad span: file:line");
}

static void test_sizes(void)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
	    {"0", 0},
	    {"1024", 1024},
	    {"1K", 1024},
	    {"1M", 1 << 20},
	    {"3G", 3ULL << 30},
	    {"2T", 2ULL << 40},
	    {"infinity", UNIT_INFINITY},
	    {"17B", 17},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		uint64_t v = 42;
		ok(unit_parse_size(good[i].s, &v) == 0 && v == good[i].v, "size \"%s\"", good[i].s);
	}
	static const char *const bad[] = {"", "1X", "K", "-1", "1.5G", "99999999999E", "1 G"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t v;
		ok(unit_parse_size(bad[i], &v) < 0, "size \"%s\" refused", bad[i]);
	}
	int r = load("m.service", "[Service]\nExecStart=/bin/x\nMemoryMax=50%\n");
	ok(r < 0 && diag_has("m.service:3: MemoryMax=50%: percentages are not supported"),
	   "percent refused");
	r = load("m.service", "[Service]\nExecStart=/bin/x\nMemoryMax=1G\nMemoryMax=infinity\n");
	ok(r == 0 && U.memory_max == UNIT_INFINITY, "last MemoryMax wins (infinity)");
	r = load("m.service", "[Service]\nExecStart=/bin/x\n");
	ok(r == 0 && !U.tasks_max_set, "no TasksMax=: the default task limit applies");
	r = load("m.service", "[Service]\nExecStart=/bin/x\nTasksMax=infinity\n");
	ok(r == 0 && U.tasks_max == UNIT_INFINITY && U.tasks_max_set,
	   "TasksMax=infinity (given: no default limit)");
	r = load("m.service", "[Service]\nExecStart=/bin/x\nTasksMax=30\nTasksMax=\n");
	ok(r == 0 && !U.tasks_max_set, "an empty TasksMax= is back to the default");
	r = load("m.service", "[Service]\nExecStart=/bin/x\nTasksMax=0\n");
	ok(r < 0, "TasksMax=0 refused");
	r = load("m.service", "[Service]\nExecStart=/bin/x\nIOReadBandwidthMax=sda 1M\n");
	ok(r < 0 && diag_has("expected \"<device path> <bytes>\""), "IO without path refused");
	r = load("m.service", "[Service]\nExecStart=/bin/x\nIOReadBandwidthMax=/dev/sda 1M\n"
			      "IOReadBandwidthMax=\n");
	ok(r == 0 && U.n_io == 0, "empty IOReadBandwidthMax= resets");
}

static void test_start_limit(void)
{
	int r = load("m.service", "[Service]\nExecStart=/bin/x\n");
	ok(r == 0 && U.start_limit_ms == 10000 && U.start_limit_burst == 5,
	   "start limit: systemd's defaults, 5 starts in 10 s");
	r = load("m.service", "[Unit]\nStartLimitIntervalSec=30s\nStartLimitBurst=3\n"
			      "[Service]\nExecStart=/bin/x\n");
	ok(r == 0 && U.start_limit_ms == 30000 && U.start_limit_burst == 3,
	   "StartLimitIntervalSec= and StartLimitBurst= in [Unit]");
	r = load("m.service", "[Service]\nExecStart=/bin/x\nStartLimitInterval=0\n");
	ok(r == 0 && U.start_limit_ms == 0,
	   "StartLimitInterval=0 in [Service] (older spelling): no limit");
	r = load("m.service", "[Unit]\nStartLimitBurst=many\n[Service]\nExecStart=/bin/x\n");
	ok(r < 0 && diag_has("StartLimitBurst=many: not a number"),
	   "a bad StartLimitBurst= refused");
	r = load("m.service",
		 "[Unit]\nStartLimitIntervalSec=infinity\n[Service]\nExecStart=/bin/x\n");
	ok(r < 0 && diag_has("not a finite time span"), "StartLimitIntervalSec=infinity refused");
}

static void test_values(void)
{
	is_int(unit_parse_signal("TERM"), SIGTERM, "TERM");
	is_int(unit_parse_signal("SIGKILL"), SIGKILL, "SIGKILL");
	is_int(unit_parse_signal("2"), 2, "2");
	ok(unit_parse_signal("SIGFOO") < 0, "SIGFOO refused");
	ok(unit_parse_signal("0") < 0 && unit_parse_signal("65") < 0, "out of range refused");

	static const struct {
		const char *line, *err;
	} bad[] = {
	    {"Type=weird2", "Type=weird2: unknown type"},
	    {"Type=weird", "Type=weird: unknown type"},
	    {"Restart=sometimes", "Restart=sometimes: unknown"},
	    {"Slice=machine.slice", "Slice=machine.slice: not one of"},
	    {"CPUWeight=idle", "CPUWeight=idle is not supported"},
	    {"CPUWeight=0", "CPUWeight=0: not a weight"},
	    {"CPUWeight=10001", "CPUWeight=10001: not a weight"},
	    {"OOMScoreAdjust=1001", "OOMScoreAdjust=1001"},
	    {"OOMScoreAdjust=abc", "OOMScoreAdjust=abc"},
	    {"LimitNOFILE=10:5", "LimitNOFILE=10:5"},
	    {"LimitNOFILE=many", "LimitNOFILE=many"},
	    {"KillSignal=SIGNOPE", "KillSignal=SIGNOPE: unknown signal"},
	    {"WorkingDirectory=relative", "WorkingDirectory=relative: not an absolute path"},
	    {"EnvironmentFile=relative", "EnvironmentFile=relative: not an absolute path"},
	    {"User=a b", "User=a b: not a valid name"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "[Service]\nExecStart=/bin/x\n%s\n", bad[i].line);
		int r = load("v.service", text);
		char want[128];
		snprintf(want, sizeof want, "v.service:3: %s", bad[i].err);
		ok(r < 0 && diag_has(want), "%s refused: \"%s\"", bad[i].line, want);
		if (!(r < 0 && diag_has(want)))
			dump_diag();
		ok(U.load_state == UNIT_LOAD_ERROR && strstr(U.load_error, bad[i].err),
		   "load_error holds it");
	}
	static const char *const good[] = {
	    "Type=exec",
	    "Type=oneshot",
	    "Type=simple",
	    "Restart=always",
	    "OOMScoreAdjust=-1000",
	    "OOMScoreAdjust=1000",
	    "LimitNOFILE=infinity",
	    "LimitNOFILE=65536",
	    "KillSignal=9",
	    "Slice=pact.slice/audit.slice",
	    "Slice=audit.slice",
	    "WorkingDirectory=-/maybe",
	    "WorkingDirectory=~",
	    "CPUWeight=10000",
	    "User=1000",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "[Service]\nExecStart=/bin/x\n%s\n", good[i]);
		int r = load("v.service", text);
		ok(r == 0 && D.nwarn == 0, "%s accepted", good[i]);
	}
	load("v.service", "[Service]\nExecStart=/bin/x\nWorkingDirectory=-/maybe\n");
	ok(U.working_dir_optional && strcmp(U.working_dir, "/maybe") == 0, "WorkingDirectory=-");
	load("v.service", "[Service]\nExecStart=/bin/x\nWorkingDirectory=~\n");
	is_str(U.working_dir, "/root", "~ without User= is /root");
	load("v.service", "[Service]\nExecStart=/bin/x\nLimitNOFILE=infinity\n");
	ok(U.rlim[RLIMIT_NOFILE].soft == UNIT_INFINITY &&
	       U.rlim[RLIMIT_NOFILE].hard == UNIT_INFINITY,
	   "NOFILE infinity");

	int r = load("v.service", "[Service]\nExecStart=/bin/x\nType=dbus\nBusName=org.x\n");
	ok(r == 0 && U.type == UNIT_TYPE_SIMPLE, "Type=dbus runs as simple");
	ok(diag_has("v.service:3: Type=dbus is run as Type=simple"), "with a warning");
	r = load("v.service", "[Service]\nExecStart=/bin/x\nRestart=on-abnormal\n");
	ok(r == 0 && U.restart == UNIT_RESTART_ON_ABNORMAL, "Restart=on-abnormal");
	r = load("v.service", "[Service]\nExecStart=/bin/x\nKillSignal=HUP\nKillSignal=\n");
	ok(r == 0 && U.kill_signal == SIGTERM, "empty scalar resets to the default");
	r = load("v.service", "[Service]\nExecStart=/bin/x\nSlice=gpu.slice\nSlice=audit.slice\n");
	ok(r == 0 && U.slice == UNIT_SLICE_AUDIT, "duplicate scalar: last wins");
}

static void test_syntax(void)
{
	int r = load("w.service", "[Unit]\nFrobnicate=yes\nDescription=x\n[Weird]\nA=b\nC=d\n"
				  "[X-Custom]\nE=f\n" SVC "ExecFrob=/bin/kill -HUP $MAINPID\n");
	is_int(r, 0, "unknown keys and sections do not fail the unit");
	is_int(D.nwarn, 3, "one warning per unknown key and per unknown section");
	is_int(D.nerr, 0, "no errors");
	ok(diag_has("w.service:2: unknown key Frobnicate= in [Unit], ignored"), "unknown key text");
	ok(diag_has("w.service:4: unknown section [Weird], ignored"), "unknown section text");
	ok(diag_has("w.service:11: unknown key ExecFrob= in [Service]"), "unknown [Service] key");

	r = load("s.service", "[Service]\nExecStart=/bin/x\njust words\n");
	ok(r < 0 && diag_has("s.service:3: \"just words\": not an assignment"), "line without =");
	r = load("s.service", "Description=x\n" SVC);
	ok(r < 0 && diag_has("s.service:1: assignment \"Description=x\" outside of a section"),
	   "assignment outside a section");
	r = load("s.service", "[Unit\n" SVC);
	ok(r < 0 && diag_has("s.service:1: section header \"[Unit\" lacks"), "bad header");
	r = load("s.service", "[Unit]\nDescription=x\n");
	ok(r < 0 && diag_has("s.service: no ExecStart="), "missing ExecStart");
	r = load("s.service", "[Service]\n=x\n");
	ok(r < 0 && diag_has("s.service:2: assignment without a key"), "empty key");
	r = load("s.service", "[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n");
	ok(r < 0 && diag_has("s.service:3: more than one ExecStart="), "two ExecStart refused");
	r = load("s.service", "[Service]\nExecStart=/bin/a\nExecStart=\nExecStart=/bin/b\n");
	ok(r == 0 && strcmp(U.exec[UNIT_CMD_START][0].path, "/bin/b") == 0,
	   "empty ExecStart= resets");
	r = load("s.service", "[Service]\nExecStartPre=/bin/a\nExecStartPre=\n"
			      "ExecStartPre=/bin/c\n"
			      "ExecStart=/bin/b\n");
	ok(r == 0 && U.n_exec[UNIT_CMD_PRE] == 1 &&
	       strcmp(U.exec[UNIT_CMD_PRE][0].path, "/bin/c") == 0,
	   "empty ExecStartPre= resets the list");
	r = load("s.service", "[Unit]\nAfter=a.service\nAfter=\nAfter=b.service\n" SVC);
	ok(r == 0 && U.n_after == 1 && strcmp(U.after[0], "b.service") == 0, "empty After= resets");
	r = load("s.service", "[Unit]\nAfter=ok.service bad/name\n" SVC);
	ok(r == 0 && U.n_after == 1 && diag_has("invalid unit name \"bad/name\""),
	   "invalid dependency name warned and skipped");
	r = load("bad name.service", SVC);
	ok(r < 0 && diag_has("not a valid unit name"), "bad unit file name");
	r = load("x.mount", SVC);
	ok(r < 0, "a kind of unit pact-init has not (.mount) refused");
	char nul[] = "[Service]\nExecStart=/bin/x\0\n";
	unit_diag_clear(&D);
	r = unit_load_buffer("n.service", NULL, nul, sizeof nul - 1, &QUIET, &U, &D);
	ok(r < 0 && diag_has("NUL byte"), "NUL byte refused");

	/* continuation lines, comments inside them, whitespace, CRLF */
	r = load("c.service", "  [Unit]  \r\n"
			      "   Description = spaced out   \r\n"
			      "[Service]\n"
			      "ExecStart=/bin/echo one \\\n"
			      "# a comment inside the continuation\n"
			      "   two \\\n"
			      "three\n"
			      "Environment=A=1\n");
	is_int(r, 0, "continuations and whitespace");
	if (r)
		dump_diag();
	is_str(U.description, "spaced out", "value trimmed");
	is_int(U.exec[UNIT_CMD_START][0].argc, 4, "continued ExecStart has 4 words");
	is_str(U.exec[UNIT_CMD_START][0].argv[3], "three", "last continued word");
	is_int(U.n_env, 1, "line after a continuation parsed normally");
	r = load("c.service", "[Service]\nExecStart=/bin/x\nBogus=1\n\nFoo\n");
	ok(r < 0 && diag_has("c.service:5: \"Foo\""), "line numbers count blank lines");

	/* load_error and name survive a failure; other fields are reset */
	r = load("f.service", "[Unit]\nDescription=gone\n[Service]\nExecStart=/bin/x\nType=bad\n");
	ok(r < 0 && U.load_state == UNIT_LOAD_ERROR, "failed unit marked");
	is_str(U.name, "f.service", "failed unit keeps its name");
	ok(U.description && !U.description[0] && U.exec[UNIT_CMD_START][0].argc == 0,
	   "failed unit has nothing else");
	ok(strstr(U.load_error, "f.service:5: Type=bad") != NULL, "load_error is the first error");
}

static void test_limits(void)
{
	char text[UNIT_FILE_MAX];
	size_t o = (size_t)snprintf(text, sizeof text, "[Service]\nExecStart=/bin/x");
	for (int i = 0; i < UNIT_ARGV_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, " a%d", i);
	snprintf(text + o, sizeof text - o, "\n");
	int r = load("l.service", text);
	ok(r < 0 && diag_has("more than 64 arguments"), "argv bounded at %d", UNIT_ARGV_MAX);

	o = (size_t)snprintf(text, sizeof text, "[Service]\nExecStart=/bin/x\n");
	for (int i = 0; i <= UNIT_CMD_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "ExecStartPre=/bin/p%d\n", i);
	r = load("l.service", text);
	ok(r < 0 && diag_has("more than 8 ExecStartPre="), "ExecStartPre bounded");

	o = (size_t)snprintf(text, sizeof text, "[Service]\nExecStart=/bin/x\n");
	for (int i = 0; i <= UNIT_ENV_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "Environment=V%d=1\n", i);
	r = load("l.service", text);
	ok(r < 0 && diag_has("more than 64 environment variables"), "environment bounded");

	o = (size_t)snprintf(text, sizeof text, "[Unit]\nAfter=");
	for (int i = 0; i <= UNIT_DEPS_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "u%d.service ", i);
	snprintf(text + o, sizeof text - o, "\n" SVC);
	r = load("l.service", text);
	ok(r < 0 && diag_has("After=: more than 32 units"), "dependency list bounded");

	o = (size_t)snprintf(text, sizeof text, "[Unit]\nDescription=");
	for (int i = 0; i < UNIT_LINE_MAX; i++)
		text[o++] = 'x';
	snprintf(text + o, sizeof text - o, "\n" SVC);
	r = load("l.service", text);
	ok(r < 0 && diag_has("l.service:2: line longer than"), "long line refused");

	/* the arena: many long descriptions eventually fill it */
	o = (size_t)snprintf(text, sizeof text, SVC "[Unit]\n");
	for (int i = 0; i < 6; i++) {
		o += (size_t)snprintf(text + o, sizeof text - o, "Description=");
		for (int k = 0; k < 2000; k++)
			text[o++] = 'd';
		text[o++] = '\n';
	}
	text[o] = '\0';
	r = load("l.service", text);
	ok(r < 0 && diag_has("arena of 8192 bytes full"), "arena bounded");

	/* diag keeps UNIT_DIAG_MAX messages but counts all */
	o = (size_t)snprintf(text, sizeof text, "[Service]\nExecStart=/bin/x\n");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "Unknown%d=1\n", i);
	r = load("l.service", text);
	ok(r == 0 && D.nwarn == 40 && D.n == UNIT_DIAG_MAX, "diag bounded, totals counted");
}

static void test_envfile(void)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/etc/sysconfig", tmpdir);
	mkdir_p(path, 0755);
	snprintf(path, sizeof path, "%s/etc/sysconfig/chronyd", tmpdir);
	write_text(path, "# Command-line options for chronyd\n"
			 "OPTIONS=\"-F 2 -x\"\n"
			 "\n"
			 "; semicolon comment\n"
			 "  PLAIN = plain value  \n"
			 "SQ='single $quoted'\n"
			 "SP=' keep spaces '\n"
			 "UNTERM=\"oops\n"
			 "ESC=\"a \\\"b\\\" c\"\n"
			 "bad line\n"
			 "A=from-file\n");
	struct unit_opts opts = {.root = tmpdir, .quiet = 1, .no_userdb = 1};
	const char *text = "[Service]\n"
			   "Environment=A=from-unit B=kept\n"
			   "EnvironmentFile=/etc/sysconfig/chronyd\n"
			   "EnvironmentFile=-/etc/sysconfig/missing\n"
			   "ExecStart=/usr/sbin/chronyd -n $OPTIONS\n";
	unit_diag_clear(&D);
	int r = unit_load_buffer("chronyd.service", NULL, text, strlen(text), &opts, &U, &D);
	is_int(r, 0, "EnvironmentFile loads (optional missing file is fine)");
	if (r)
		dump_diag();
	is_int(U.exec[UNIT_CMD_START][0].argc, 5, "$OPTIONS from the file split into words");
	is_str(U.exec[UNIT_CMD_START][0].argv[2], "-F", "first option");
	is_str(U.exec[UNIT_CMD_START][0].argv[4], "-x", "last option");
	int found = 0;
	for (int i = 0; i < U.n_env; i++) {
		found += strcmp(U.envp[i], "PLAIN=plain value") == 0;
		found += strcmp(U.envp[i], "SQ=single $quoted") == 0;
		found += strcmp(U.envp[i], "ESC=a \"b\" c") == 0;
		found += strcmp(U.envp[i], "A=from-file") == 0;
		found += strcmp(U.envp[i], "B=kept") == 0;
		found += strcmp(U.envp[i], "SP= keep spaces ") == 0;
	}
	is_int(found, 6, "file values parsed (quotes, escapes, trimming) and override");
	is_int(U.n_env, 7, "seven variables in all");
	char want[PATH_MAX + 64];
	snprintf(want, sizeof want, "%s/etc/sysconfig/chronyd:10: not a KEY=VALUE line", tmpdir);
	ok(diag_has(want), "bad env file line warned with its own file:line");
	snprintf(want, sizeof want,
		 "%s/etc/sysconfig/chronyd:8: bad quoting in the value of UNTERM", tmpdir);
	ok(diag_has(want), "unterminated quote in an env file warned");

	text = "[Service]\nEnvironmentFile=/etc/sysconfig/missing\nExecStart=/bin/x\n";
	unit_diag_clear(&D);
	r = unit_load_buffer("m.service", NULL, text, strlen(text), &opts, &U, &D);
	ok(r < 0 && diag_has("m.service:2: EnvironmentFile=") && diag_has("No such file"),
	   "missing required EnvironmentFile fails with file:line");
}

static void test_userdb_in_unit(void)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/etc/passwd", tmpdir);
	write_text(path,
		   "root:x:0:0:root:/root:/bin/sh\nchrony:x:101:102::/var/lib/chrony:/bin/false\n");
	snprintf(path, sizeof path, "%s/etc/group", tmpdir);
	write_text(path, "root:x:0:\nchrony:x:102:\nadm:x:4:chrony\n");
	struct unit_opts opts = {.root = tmpdir, .quiet = 1};
	const char *text = "[Service]\nUser=chrony\nWorkingDirectory=~\nExecStart=/bin/x\n";
	unit_diag_clear(&D);
	int r = unit_load_buffer("u.service", NULL, text, strlen(text), &opts, &U, &D);
	is_int(r, 0, "User= resolved at load");
	ok(U.has_cred && U.cred.uid == 101 && U.cred.gid == 102, "uid/gid from passwd");
	ok(U.cred.ngroups == 1 && U.cred.groups[0] == 4, "supplementary group adm");
	is_str(U.working_dir, "/var/lib/chrony", "~ is the user's home");
	text = "[Service]\nExecStart=/bin/x\nUser=nobody-here\n";
	unit_diag_clear(&D);
	r = unit_load_buffer("u.service", NULL, text, strlen(text), &opts, &U, &D);
	ok(r < 0 && diag_has("u.service:3: unknown user \"nobody-here\""),
	   "unknown user fails with file:line");
}

static void test_copy(void)
{
	static struct unit copy;
	int r = load("c.service", "[Unit]\nDescription=d\nAfter=x.service\n[Service]\n"
				  "Environment=K=V\nExecStart=/bin/echo a b\nExecStartPre=/bin/p\n"
				  "IOReadBandwidthMax=/dev/sda 1M\nUser=nobody\n");
	is_int(r, 0, "unit to copy loads");
	unit_copy(&copy, &U);
	memset(&U, 0x5a, sizeof U); /* the copy must not point into the original */
	is_str(copy.description, "d", "copied description");
	is_str(copy.after[0], "x.service", "copied After");
	is_str(copy.exec[UNIT_CMD_START][0].argv[2], "b", "copied argv");
	ok(copy.exec[UNIT_CMD_START][0].argv[0] == copy.exec[UNIT_CMD_START][0].path,
	   "argv[0] is path in the copy");
	ok(copy.exec[UNIT_CMD_START][0].argv[3] == NULL, "copied argv terminated");
	is_str(copy.exec[UNIT_CMD_PRE][0].path, "/bin/p", "copied pre");
	is_str(copy.envp[0], "K=V", "copied env");
	is_str(copy.io[0].device, "/dev/sda", "copied io device");
	is_str(copy.user, "nobody", "copied user");
	ok(copy.instance >= copy.arena && copy.instance < copy.arena + UNIT_ARENA_SIZE,
	   "instance rebased");
}

int main(void)
{
	fixture_begin("pact-test-unit");

	test_minimal();
	test_all_keys();
	test_quoting();
	test_prefixes();
	test_env_expansion();
	test_specifiers();
	test_timespans();
	test_sizes();
	test_start_limit();
	test_values();
	test_syntax();
	test_limits();
	test_envfile();
	test_userdb_in_unit();
	test_copy();

	fixture_end();
	return done_testing();
}
