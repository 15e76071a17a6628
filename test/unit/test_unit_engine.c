/*
 * Unit tier: the service engine's keys (issue 14 items 1, 2, 7): command
 * lists and prefixes, Type=forking, limits, directories, KillMode=, the
 * exit status sets, the hardening summary, and conditions evaluated
 * against a described node.
 */
#include "tap.h"
#include "units/unit.h"
#include "units/unit_cond.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

static struct unit U;
static struct unit_diag D;

static int load(const char *text)
{
	struct unit_opts o = {.quiet = 1, .no_userdb = 1};
	unit_diag_clear(&D);
	return unit_load_buffer("e.service", NULL, text, strlen(text), &o, &U, &D);
}

static int has(const char *s)
{
	for (int i = 0; i < D.n; i++)
		if (strstr(D.msg[i].text, s))
			return 1;
	return 0;
}

static void test_commands(void)
{
	int r =
	    load("[Service]\nType=oneshot\nExecStart=/bin/a\nExecStart=-/bin/b x\n"
		 "ExecStartPre=/bin/p\nExecStartPost=/bin/q\nExecReload=/bin/kill -HUP $MAINPID\n"
		 "ExecStop=/bin/s\nExecStopPost=/bin/t\n");
	is_int(r, 0, "a oneshot with two ExecStart= and every other list loads");
	is_int(U.n_exec[UNIT_CMD_START], 2, "two ExecStart=");
	ok(U.exec[UNIT_CMD_START][1].flags & UNIT_EXEC_IGNORE_FAILURE, "- on the second");
	ok(U.n_exec[UNIT_CMD_PRE] == 1 && U.n_exec[UNIT_CMD_POST] == 1 &&
	       U.n_exec[UNIT_CMD_RELOAD] == 1 && U.n_exec[UNIT_CMD_STOP] == 1 &&
	       U.n_exec[UNIT_CMD_STOP_POST] == 1,
	   "ExecStartPre/Post, ExecReload, ExecStop, ExecStopPost");
	is_str(U.exec[UNIT_CMD_RELOAD][0].argv[2], "$MAINPID", "$MAINPID kept for the reload");
	r = load("[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n");
	ok(r < 0 && has("e.service:3: more than one ExecStart= is only for Type=oneshot"),
	   "two ExecStart= in a simple service refused at the second line");
	r = load("[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStop=/bin/s\n");
	ok(r == 0 && U.remain_after_exit && !U.n_exec[UNIT_CMD_START],
	   "a oneshot with only ExecStop= loads (blk-availability)");
	r = load("[Service]\nType=forking\nPIDFile=/var/run/x.pid\nExecStart=/bin/x\n");
	ok(r == 0 && U.type == UNIT_TYPE_FORKING && strcmp(U.pid_file, "/run/x.pid") == 0,
	   "Type=forking, PIDFile= under /var/run is /run");
	r = load("[Service]\nExecCondition=/bin/c a\nExecCondition=-/bin/d\nExecStart=/bin/x\n");
	ok(r == 0 && D.nwarn == 0 && U.n_exec[UNIT_CMD_CONDITION] == 2 &&
	       strcmp(U.exec[UNIT_CMD_CONDITION][0].argv[1], "a") == 0 &&
	       (U.exec[UNIT_CMD_CONDITION][1].flags & UNIT_EXEC_IGNORE_FAILURE),
	   "ExecCondition= is a command list of its own, with prefixes, without a warning");
	r = load("[Service]\nExecCondition=/bin/c\nExecCondition=\nExecStart=/bin/x\n");
	is_int(U.n_exec[UNIT_CMD_CONDITION], 0, "an empty ExecCondition= resets the list");
	r = load("[Service]\nType=idle\nExecStart=/bin/x\n");
	ok(r == 0 && U.type == UNIT_TYPE_SIMPLE && D.nwarn == 0, "Type=idle is simple, quietly");
}

static void test_keys(void)
{
	int r = load(
	    "[Service]\nExecStart=/bin/x\nLimitMEMLOCK=infinity\nLimitNOFILE=1024:65536\n"
	    "LimitCORE=1M\nLimitCPU=2min\nLimitNICE=-5\nKillMode=process\nSendSIGKILL=no\n"
	    "FinalKillSignal=SIGQUIT\nRestart=on-success\nRestartPreventExitStatus=255 SIGHUP\n"
	    "SuccessExitStatus=3\nRestartForceExitStatus=7\n"
	    "RuntimeDirectory=a b/\nRuntimeDirectoryMode=0700\nStateDirectory=s\n"
	    "RuntimeDirectoryPreserve=restart\nUMask=0077\nNice=-3\nCPUAffinity=0 2-3\n"
	    "IOSchedulingClass=idle\nStandardOutput=append:/var/log/x\nStandardError=null\n"
	    "WatchdogSec=30\nDelegate=yes\nGuessMainPID=no\n");
	is_int(r, 0, "the engine's keys load");
	ok(U.rlim[RLIMIT_MEMLOCK].soft == UNIT_INFINITY && U.rlim[RLIMIT_NOFILE].hard == 65536 &&
	       U.rlim[RLIMIT_CORE].soft == 1048576 && U.rlim[RLIMIT_CPU].soft == 120 &&
	       U.rlim[RLIMIT_NICE].soft == 25,
	   "Limit*=: infinity, soft:hard, sizes, times, nice levels");
	ok(U.kill_mode == UNIT_KILL_PROCESS && !U.send_sigkill && U.final_kill_signal == SIGQUIT,
	   "KillMode=process, SendSIGKILL=no, FinalKillSignal=");
	ok(unit_exit_set_has(&U.restart_prevent, 255 << 8) &&
	       unit_exit_set_has(&U.restart_prevent, SIGHUP) &&
	       !unit_exit_set_has(&U.restart_prevent, 1 << 8) &&
	       unit_exit_set_has(&U.success_status, 3 << 8) &&
	       unit_exit_set_has(&U.restart_force, 7 << 8),
	   "exit status sets: codes and signals");
	ok(U.n_dirs[UNIT_DIR_RUNTIME] == 2 && strcmp(U.dirs[UNIT_DIR_RUNTIME][1], "b") == 0 &&
	       U.dir_mode[UNIT_DIR_RUNTIME] == 0700 && U.n_dirs[UNIT_DIR_STATE] == 1 &&
	       U.runtime_preserve == 2,
	   "RuntimeDirectory= (trailing / dropped), its mode, StateDirectory=, Preserve=restart");
	ok(U.umask == 077 && U.has_nice && U.nice == -3 && U.cpus[0] == 0xd && U.io_class == 3,
	   "UMask, Nice, CPUAffinity, IOSchedulingClass");
	ok(U.std_out == UNIT_STD_APPEND && strcmp(U.std_out_path, "/var/log/x") == 0 &&
	       U.std_err == UNIT_STD_NULL,
	   "StandardOutput=append:, StandardError=null");
	ok(U.watchdog_ms == 30000 && U.delegate && !U.guess_main_pid &&
	       U.restart == UNIT_RESTART_ON_SUCCESS,
	   "WatchdogSec, Delegate, GuessMainPID, Restart=on-success");
	r = load("[Service]\nExecStart=/bin/x\nProtectKernelTunables=yes\nRestrictRealtime=yes\n"
		 "SystemCallFilter=@system-service\nNoNewPrivileges=yes\nRootDirectory=/srv\n");
	ok(r == 0 &&
	       has("hardening not applied by pact-init (the service runs without it), 3 keys: "
		   "ProtectKernelTunables= RestrictRealtime= SystemCallFilter="),
	   "hardening not applied: one summary line naming the keys");
	ok(has("RootDirectory=/srv is not supported: the service runs in the node's root"),
	   "a key that changes function is said with its consequence");
	ok(U.no_new_privs, "NoNewPrivileges= applied");
	r = load("[Service]\nExecStart=/bin/x\nLimitNOFILE=5:4\n");
	ok(r < 0 && has("e.service:3: LimitNOFILE=5:4"), "soft above hard refused");
}

static void test_conditions(void)
{
	int r =
	    load("[Unit]\nConditionPathExists=!/nonexistent\nConditionKernelCommandLine=!audit=0\n"
		 "ConditionVirtualization=!container\nConditionCPUs=>1\n"
		 "ConditionCapability=CAP_SYS_TIME\nConditionPathIsDirectory=|/nope\n"
		 "ConditionPathIsDirectory=|/\nAssertArchitecture=x86-64\n"
		 "[Service]\nExecStart=/bin/x\n");
	is_int(r, 0, "conditions load");
	is_int(U.n_cond, 8, "eight of them");
	struct unit_cond_host h = {.cmdline = "quiet audit=1",
				   .virt = "qemu",
				   .container = "none",
				   .cap_bounding = 1ull << 25,
				   .arch = "x86-64",
				   .ncpus = 2};
	char why[256];
	is_int(unit_cond_check(&U, &h, why, sizeof why), 1, "all hold on a 2-CPU qemu node");
	h.ncpus = 1;
	is_int(unit_cond_check(&U, &h, why, sizeof why), 0, "one CPU: skipped");
	is_str(why, "ConditionCPUs=>1 is false", "why names the condition");
	h.ncpus = 4;
	h.cmdline = "audit=0";
	is_int(unit_cond_check(&U, &h, why, sizeof why), 0, "audit=0 on the command line: skipped");
	h.cmdline = "";
	h.container = "docker";
	is_int(unit_cond_check(&U, &h, why, sizeof why), 0, "in a container: skipped");
	h.container = "none";
	h.cap_bounding = 0;
	is_int(unit_cond_check(&U, &h, why, sizeof why), 0, "without CAP_SYS_TIME: skipped");
	h.cap_bounding = ~0ull;
	h.arch = "arm64";
	is_int(unit_cond_check(&U, &h, why, sizeof why), -1, "a false assertion fails");
	r = load("[Unit]\nConditionPathExists=|/nope1\nConditionPathExists=|/nope2\n"
		 "ConditionMemory=>=1G\nConditionHost=node*\nConditionEnvironment=A=1\n"
		 "[Service]\nExecStart=/bin/x\n");
	h.arch = "x86-64";
	h.memory = 2ull << 30;
	h.hostname = "node7";
	char *env[] = {"A=1", NULL};
	h.env = env;
	ok(unit_cond_check(&U, &h, why, sizeof why) == 0 && strstr(why, "none of the"),
	   "no trigger holds: skipped");
	r = load("[Unit]\nConditionMemory=>=1G\nConditionHost=node*\nConditionEnvironment=A=1\n"
		 "ConditionDirectoryNotEmpty=/\nConditionFileNotEmpty=!/nonexistent\n"
		 "[Service]\nExecStart=/bin/x\n");
	is_int(unit_cond_check(&U, &h, why, sizeof why), 1,
	       "Memory, Host glob, Environment, DirectoryNotEmpty, !FileNotEmpty hold");
	r = load(
	    "[Unit]\nConditionPathExistsGlob=/proc/sel*\nConditionPathExistsGlob=!/proc/nope*\n"
	    "[Service]\nExecStart=/bin/x\n");
	is_int(unit_cond_check(&U, &h, why, sizeof why), 1, "PathExistsGlob, with and without !");
	r = load("[Unit]\nConditionHost=node*\n[Service]\nExecStart=/bin/x\n");
	h.hostname = "login1";
	is_int(unit_cond_check(&U, &h, why, sizeof why), 0, "another host: skipped");
	h.hostname = "NODE7";
	is_int(unit_cond_check(&U, &h, why, sizeof why), 1, "ConditionHost= ignores case");
}

int main(void)
{
	test_commands();
	test_keys();
	test_conditions();
	return done_testing();
}
