/*
 * Host tier: pactctl as a site admin uses it, against the real daemon.
 * --help, VERB --help and --version work without a daemon and list every
 * verb the daemon knows; the services table fits 80 columns on a terminal
 * (a pty: TIOCGWINSZ) and keeps the failing unit's reason visible, and
 * --full gives every cell whole; status exits 0 on a ready node, status
 * UNIT shows the per-unit view with its log and exits 3 for a failed unit;
 * is-active, is-failed, show -p, cat; stop and start wait for the result;
 * logs takes -n, --lines and -u anywhere, --since and --until in the forms
 * journalctl users type (a bad one refused by name), -o json (one object
 * per line, both clocks), and -f prints what comes after, filtered; a log
 * of colour codes, more than a reply once escaped, gives its end; every
 * stored line has both stamps; status UNIT shows tasks, and its log lines
 * are cut to an 80-column pty. A member of control.group (here gid 65534)
 * may use the verbs that only read, reads every unit's logs and follows
 * one (the files are 0640 to the group), and no other verb; a uid outside
 * it cannot connect.
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct daemon d;
static char out[65536];

static int ctl(const char *args)
{
	out[0] = '\0';
	return daemon_pactctl(&d, args, out, sizeof out);
}

/* pactctl ARGS on a pty of cols columns (its stdout a terminal): its
 * output into out, its exit status. */
static int ctl_pty(int cols, const char *args)
{
	struct winsize ws = {.ws_row = 50, .ws_col = (unsigned short)cols};
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		unsetenv("COLUMNS");
		execl("/bin/sh", "sh", "-c",
		      pf("exec %s --run-dir %s %s", build_path("san/pactctl"), d.run_dir, args),
		      (char *)NULL);
		_exit(127);
	}
	size_t used = 0;
	for (;;) { /* until the pty's other end is gone (EIO): bounded by pactctl's own timeouts */
		ssize_t n = read(master, out + used, sizeof out - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	out[used] = '\0';
	close(master);
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The widest line of out, in columns (UTF-8), the pty's \r dropped. */
static int widest_line(void)
{
	int widest = 0, cols = 0;
	for (const char *p = out; *p; p++) {
		if (*p == '\n') {
			widest = cols > widest ? cols : widest;
			cols = 0;
		} else if (*p != '\r' && ((unsigned char)*p & 0xc0) != 0x80) {
			cols++;
		}
	}
	return cols > widest ? cols : widest;
}

static void test_offline(void)
{
	/* no daemon at this run directory */
	char cmd[512], list[4096] = "";
	snprintf(cmd, sizeof cmd, "%s --run-dir /nonexistent --list-verbs",
		 build_path("san/pactctl"));
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(list, 1, sizeof list - 1, p) : 0;
	list[n] = '\0';
	if (p)
		pclose(p);
	ok(strstr(list, "status\n") && strstr(list, "is-active\n") && strstr(list, "logs\n"),
	   "--list-verbs names the verbs without a daemon");
	snprintf(cmd, sizeof cmd, "%s --run-dir /nonexistent --help 2>/dev/null",
		 build_path("san/pactctl"));
	p = popen(cmd, "r");
	static char help[16384];
	n = p ? fread(help, 1, sizeof help - 1, p) : 0;
	help[n] = '\0';
	int st = p ? pclose(p) : -1;
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && n > 0, "--help on stdout, exit 0, no daemon");
	int missing = 0, nohelp = 0, verbs = 0;
	for (char *v = list, *nl; v && *v; v = nl) {
		nl = strchr(v, '\n');
		if (nl)
			*nl++ = '\0';
		verbs++;
		if (!strstr(help, pf("\n  %s ", v)))
			diag("--help lacks %s", v), missing++;
		if (run((const char *const[]){build_path("san/pactctl"), "--run-dir",
					      "/nonexistent", v, "--help", NULL}) != 0)
			diag("pactctl %s --help fails", v), nohelp++;
	}
	ok(verbs >= 25 && !missing, "--help lists all %d verbs, one line each", verbs);
	is_int(nohelp, 0, "every verb has VERB --help");
	snprintf(cmd, sizeof cmd, "%s --version", build_path("san/pactctl"));
	p = popen(cmd, "r");
	n = p ? fread(out, 1, sizeof out - 1, p) : 0;
	out[n] = '\0';
	st = p ? pclose(p) : -1;
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "--version exits 0");
	ok(strncmp(out, "pactctl ", 8) == 0 && strlen(out) > 10, "--version names the build (%s)",
	   strtok(out, "\n"));
}

static void test_daemon_verbs_listed(void)
{
	is_int(ctl("help --daemon --full"), 0, "help --daemon asks the daemon");
	char *verbs = strdup(out);
	int unlisted = 0, n = 0;
	for (char *line = strtok(verbs, "\n"); line; line = strtok(NULL, "\n")) {
		char verb[64];
		if (n++ == 0 || sscanf(line, "%63s", verb) != 1)
			continue; /* the header */
		char list[4096];
		snprintf(list, sizeof list, "%s --list-verbs | grep -qx '%s'",
			 build_path("san/pactctl"), verb);
		if (system(list) != 0)
			diag("the daemon's verb %s is not in pactctl's table", verb), unlisted++;
	}
	free(verbs);
	ok(n > 20 && !unlisted, "every verb the daemon knows (%d) has a line in --help", n - 1);
}

static void test_table(void)
{
	is_int(ctl_pty(80, "services"), 0, "services on an 80-column pty");
	diag("%s", out);
	ok(widest_line() <= 80, "every line fits 80 columns (widest %d)", widest_line());
	ok(strstr(out, "NAME") && strstr(out, "STATE") && strstr(out, "READY") &&
	       strstr(out, "RESTARTS") && strstr(out, "WHY"),
	   "NAME STATE READY RESTARTS WHY are kept");
	ok(strstr(out, "\u2026") != NULL, "a cut cell is marked with …");
	ok(strstr(out, "status 42") != NULL, "the failing unit's reason stays visible");
	const char *row = strstr(out, "badload.service  load-error");
	const char *eol = row ? strchr(row, '\n') : NULL;
	const char *reason = row ? strstr(row, "Type=some") : NULL;
	ok(reason && (!eol || reason < eol), "a load error keeps the start of its reason in view");
	ok(strstr(out, "more column") != NULL, "it says columns are left out, and how to see them");
	is_int(ctl("status badload"), 3, "status of a unit that failed to load exits 3");
	ok(strstr(out, "badload.service:2: Type=sometimes: unknown type") != NULL,
	   "... and shows the whole reason");
	is_int(ctl_pty(200, "services"), 0, "services on a 200-column pty");
	ok(widest_line() <= 200, "fits 200 columns (widest %d)", widest_line());
	is_int(ctl_pty(80, "--full services"), 0, "services --full on an 80-column pty");
	ok(strstr(out, "\u2026") == NULL && strstr(out, "memory_bytes") == NULL &&
	       strstr(out, "MEMORY_BYTES") != NULL,
	   "--full: every column, nothing cut");
	setenv("COLUMNS", "80", 1);
	is_int(ctl("services"), 0, "services with COLUMNS=80 (not a terminal)");
	unsetenv("COLUMNS");
	ok(widest_line() <= 80, "COLUMNS=80 is taken (widest %d)", widest_line());
	is_int(ctl("services"), 0, "services into a pipe");
	ok(strstr(out, "\u2026") == NULL && strstr(out, "MEMORY_BYTES"), "a pipe gets full width");
}

static void test_units(void)
{
	is_int(ctl("status"), 0, "status of a ready node exits 0");
	is_int(ctl("status good"), 0, "status good: exit 0 (running)");
	ok(strstr(out, "good.service") && strstr(out, "State: active (running)") &&
	       strstr(out, "Unit file: ") && strstr(out, "good.service") &&
	       strstr(out, "Main PID: ") && strstr(out, "hello from good"),
	   "status UNIT: state, pid, unit file, the end of its log");
	is_int(ctl("status broken.service"), 3, "status of a failed unit exits 3");
	ok(strstr(out, "status 42") != NULL, "... and says why");
	is_int(ctl("status nosuch"), 1, "status of an unknown unit exits 1");
	is_int(ctl("services good"), 0, "services UNIT gives the per-unit view");
	ok(strstr(out, "State: active (running)") != NULL, "... the same view");
	is_int(ctl("is-active good"), 0, "is-active good: 0");
	is_str(out, "active\n", "... prints active");
	is_int(ctl("is-active good broken"), 3, "is-active with a failed unit: 3");
	is_str(out, "active\nfailed\n", "... a state per unit");
	is_int(ctl("is-failed broken"), 0, "is-failed broken: 0");
	is_int(ctl("is-failed good"), 1, "is-failed good: 1");
	is_int(ctl("show good -p state,restarts"), 0, "show -p");
	is_str(out, "state=running\nrestarts=0\n", "show -p gives key=value of those properties");
	is_int(ctl("show -p ready"), 0, "show without a unit: the node");
	is_str(out, "ready=true\n", "... its properties");
	is_int(ctl("cat good"), 0, "cat good");
	ok(strstr(out, "# ") == out && strstr(out, "ExecStart=") != NULL,
	   "cat prints the unit file");

	is_int(ctl("stop good"), 0, "stop waits and succeeds");
	is_int(ctl("is-active good"), 3, "... the unit is stopped when stop returns");
	is_str(out, "inactive\n", "... inactive");
	is_int(ctl("start good"), 0, "start waits and succeeds");
	is_int(ctl("is-active good"), 0, "... the unit runs when start returns");
	is_int(ctl("restart good"), 0, "restart waits and succeeds");
	is_int(ctl("show good -p restarts,state"), 0, "show after the restart");
	ok(strstr(out, "state=running") != NULL, "... running again");
	is_int(ctl("start broken"), 1, "start of a unit that fails exits 1");
	ok(strstr(out, "failed") != NULL, "... and says it failed (%s)", strtok(out, "\n"));
	is_int(ctl("stop --no-block good"), 0, "stop --no-block returns at once");
	is_int(ctl("start good"), 0, "start after it");
}

static void test_logs(void)
{
	is_int(ctl("logs good -n 1"), 0, "logs UNIT -n 1");
	ok(strstr(out, "hello from good") && !strchr(strchr(out, '\n') + 1, '\n'), "one line");
	is_int(ctl("logs --lines 1 good"), 0, "logs --lines 1 UNIT (options first)");
	ok(strstr(out, "hello from good") != NULL, "... works");
	is_int(ctl("logs -u good -n2"), 0, "logs -u UNIT -n2");
	ok(strstr(out, "hello from good") != NULL, "... works");
	is_int(ctl("logs -n"), 2, "logs -n without a number: usage");

	/* the stored lines: wall clock and monotonic */
	FILE *f = fopen(pf("%s/logs/good.log", d.run_dir), "r");
	char line[1024];
	int lines = 0, stamped = 0;
	regex_t re;
	regcomp(&re,
		"^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}\\.[0-9]{6}Z \\[ *[0-9]+\\.[0-9]{6}\\] ",
		REG_EXTENDED | REG_NOSUB);
	while (f && fgets(line, sizeof line, f))
		lines++, stamped += regexec(&re, line, 0, NULL, 0) == 0;
	regfree(&re);
	if (f)
		fclose(f);
	ok(lines >= 2 && stamped == lines, "every line of good.log has both clocks (%d of %d)",
	   stamped, lines);

	is_int(ctl("logs good -o json -n 1"), 0, "logs -o json -n 1");
	ok(strstr(out, "{\"unit\":\"good.service\",\"time\":\"20") == out &&
	       strstr(out, "\"realtime_usec\":1") && strstr(out, "\"monotonic_usec\":") &&
	       !strstr(out, "\"monotonic_usec\":null") && strstr(out, "\"priority\":6") &&
	       strstr(out, "\"message\":\"hello from good\"}\n") && !strchr(out, '\n')[1],
	   "... one object: unit, both clocks, priority, the message (%s)", strtok(out, "\n"));
	is_int(ctl("--json logs -n 2 good"), 0, "--json logs is -o json");
	ok(out[0] == '{' && strchr(out, '\n') && strchr(out, '\n')[1] == '{',
	   "... one object a line");
	is_int(ctl("logs good -o cat -n 1"), 0, "logs -o cat");
	is_str(out, "hello from good\n", "... the message alone");
	is_int(ctl("logs good --since '5 min ago'"), 0, "--since '5 min ago'");
	ok(strstr(out, "hello from good") && strstr(out, "-- pact-init: starting"),
	   "... everything of this run (the start note too)");
	is_int(ctl("logs --since=-1h -n 1 good"), 0, "--since=-1h -n 1");
	ok(strstr(out, "hello from good") && !strchr(out, '\n')[1], "... the last line alone");
	is_int(ctl("logs good --since tomorrow"), 0, "--since tomorrow");
	is_str(out, "", "... nothing yet");
	is_int(ctl("logs good -S today -U yesterday"), 0, "-S today -U yesterday");
	is_str(out, "", "... an empty range");
	is_int(ctl("logs good --since boot"), 0, "--since boot (monotonic)");
	ok(strstr(out, "hello from good") != NULL, "... every line");
	is_int(ctl("logs good --since 'boot+10000d'"), 0, "--since boot+10000d");
	is_str(out, "", "... none");
	is_int(ctl("logs good --since '2026-02-30 22:00'"), 2, "--since a day that does not exist");
	ok(strstr(out, "--since '2026-02-30 22:00': not a time") && strstr(out, "YYYY-MM-DD"),
	   "... refused, the value named, the forms listed");
	is_int(ctl("logs good --since 'last tuesday'"), 2, "--since 'last tuesday': usage");
	is_int(ctl("logs good -o xml"), 2, "-o xml: usage");
	ok(strstr(out, "'xml'") != NULL, "... named (%s)", strtok(out, "\n"));
	is_int(ctl("logs good --since"), 2, "--since without a value: usage");
	is_int(ctl("logs ansi --since boot -o cat"), 0,
	       "a log of colours, more than a reply once escaped");
	ok(strstr(out, "\033[31mred\033[0m 1999\na nul\xef\xbf\xbd"
		       "byte\nansi done\n") != NULL,
	   "... its last lines, as they were written (a NUL as U+FFFD)");
	ok(strstr(out, "red\033[0m 1000\n") == NULL, "... the older ones left out");
}

/* pactctl ARGS in the background (as uid:gid with ids, else root), its
 * stdout a pipe: the pipe's end, and its pid in *pid */
static int spawn(const char *ids, const char *args, pid_t *pid)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0 || (*pid = fork()) < 0)
		return -1;
	if (*pid == 0) {
		dup2(p[1], 1);
		char as[128] = "";
		if (ids)
			snprintf(as, sizeof as, "setpriv --reuid=%.*s --regid=%s --clear-groups",
				 (int)strcspn(ids, ":"), ids, strchr(ids, ':') + 1);
		execl("/bin/sh", "sh", "-c",
		      pf("exec %s %s --run-dir %s %s", as, build_path("san/pactctl"), d.run_dir,
			 args),
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	return p[0];
}

/* Read fd into out until it has want, at most timeout_ms: 0, or -1 */
static int read_until(int fd, const char *want, int timeout_ms)
{
	size_t used = strlen(out);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	while (!strstr(out, want)) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		ssize_t n = read(fd, out + used, sizeof out - 1 - used);
		if (n <= 0)
			return -1;
		used += (size_t)n;
		out[used] = '\0';
	}
	return 0;
}

/* logs -f as ids (NULL: root): the tail, then a restart's lines, filtered */
static void test_follow(const char *ids, const char *who)
{
	pid_t pid;
	out[0] = '\0';
	int fd = spawn(ids, "logs good -f -n 1 -o json --since boot", &pid);
	ok(fd >= 0 && read_until(fd, "\"message\":\"hello from good\"}\n", 10000) == 0,
	   "%s: logs -f -o json prints the tail first", who);
	out[0] = '\0';
	is_int(ctl("restart good"), 0, "restart good while it is followed");
	out[0] = '\0';
	ok(read_until(fd, "\"message\":\"hello from good\"}\n", 10000) == 0,
	   "%s: ... -f prints what came after, as JSON", who);
	ok(strstr(out, "\"source\":\"pact-init\",\"message\":\"-- pact-init: starting\""),
	   "%s: ... the restart's own notes too", who);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	if (fd >= 0)
		close(fd);
}

static void test_status_view(void)
{
	is_int(ctl("status good"), 0, "status good");
	ok(strstr(out, "     Tasks: 1\n") != NULL, "... Tasks: 1 (sleep alone runs)");
	ok(strstr(out, "    Memory: ") && strstr(out, "       CPU: ") && strstr(out, " UTC; "),
	   "... memory, cpu, since when (UTC and how long ago)");
	ok(strstr(out, " hello from good\n") && strstr(out, "  20"),
	   "... its log lines, each with its time");
	is_int(ctl_pty(80, "status good"), 0, "status good on an 80-column pty");
	diag("%s", out);
	const char *tail = strstr(out, "\r\n\r\n");
	int wide = 0, cut = 0;
	for (const char *l = tail; l && *l; l = strchr(l + 1, '\n')) {
		const char *e = strchr(l + 1, '\n');
		int cols = 0;
		for (const char *p = l + 1; *p && p != e; p++)
			cols += *p != '\r' && ((unsigned char)*p & 0xc0) != 0x80;
		wide = cols > wide ? cols : wide;
		cut += e && strstr(l, "\u2026") && strstr(l, "\u2026") < e;
	}
	ok(tail && wide <= 80 && cut >= 1,
	   "its log lines fit 80 columns (widest %d), the long one "
	   "cut with …",
	   wide);
}

/* pactctl ARGS as uid:gid with no supplementary groups: its exit status */
static int ctl_as(const char *ids, const char *args)
{
	out[0] = '\0';
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "setpriv --reuid=%.*s --regid=%s --clear-groups %s --run-dir %s %s 2>&1",
		 (int)strcspn(ids, ":"), ids, strchr(ids, ':') + 1, build_path("san/pactctl"),
		 d.run_dir, args);
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
	out[n] = '\0';
	int st = p ? pclose(p) : -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_group(void)
{
	/* the run directory must be reachable for the others */
	chmod(d.dir, 0755);
	struct stat st;
	ok(stat(pf("%s/control.sock", d.run_dir), &st) == 0 && (st.st_mode & 0777) == 0660 &&
	       st.st_gid == 65534,
	   "control.sock is 0660 to control.group");
	is_int(ctl_as("65534:65534", "status"), 0, "a member of control.group: status");
	is_int(ctl_as("65534:65534", "services"), 0, "... services");
	is_int(ctl_as("65534:65534", "logs good -n 1"), 0, "... logs");
	ok(strstr(out, "hello from good") != NULL, "... which it reads");
	is_int(ctl_as("65534:65534", "is-active good"), 0, "... is-active (services, read)");
	is_int(ctl_as("65534:65534", "stop --no-block good"), 1, "... but not stop");
	ok(strstr(out, "PermissionDenied") && strstr(out, "root only"), "... told it is root's");
	is_int(ctl_as("65534:65534", "reexec"), 1, "... nor reexec");
	is_int(ctl_as("65534:65534", "is-enabled good"), 0, "... is-enabled (it reads)");
	is_int(ctl_as("65534:65534", "daemon-reload"), 1, "... but not daemon-reload");
	is_int(ctl_as("65534:65534", "enable good"), 1, "... nor enable");
	is_int(ctl("is-active good"), 0, "good still runs");
	struct stat lst;
	ok(stat(pf("%s/logs/broken.log", d.run_dir), &lst) == 0 && lst.st_gid == 65534 &&
	       (lst.st_mode & 0777) == 0640,
	   "the log files are 0640 to control.group");
	is_int(ctl_as("65534:65534", "logs broken -o json"), 0, "... it reads another unit's log");
	ok(strstr(out, "\"message\":\"going down\"") != NULL, "... whole");
	test_follow("65534:65534", "control.group");
	is_int(ctl_as("65533:65533", "logs good"), 1, "a uid outside the group reads no log");
	is_int(ctl_as("65533:65533", "status"), 1, "a uid outside the group cannot connect");
	ok(strstr(out, "Permission denied") != NULL, "... (%s)", strtok(out, "\n"));
}

static void add_unit(const char *name, const char *text)
{
	FILE *f = fopen(pf("%s/etc/services/%s", d.dir, name), "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	test_offline();
	is_int(daemon_prepare(
		   &d,
		   "node_id = ctl-node\nservices_required = good, ansi\ncontrol.group = 65534\n",
		   "quiet"),
	       0, "prepared");
	mkdir(pf("%s/etc/services", d.dir), 0755);
	add_unit("good.service",
		 "[Service]\nSlice=infra.slice\nExecStart=/bin/sh -c 'echo a line longer than an "
		 "80-column console can show, with its stamps before it, is cut with an ellipsis "
		 "in status; echo hello from good; exec sleep 1000'\n");
	add_unit("broken.service", "[Unit]\nDescription=a unit that fails at "
				   "once\n[Service]\nType=oneshot\nSlice=infra.slice\n"
				   "ExecStart=/bin/sh -c 'echo going down; exit 42'\nRestart=no\n");
	/* 2000 coloured lines: more than a reply holds once escaped */
	FILE *f = fopen(pf("%s/ansi.sh", d.dir), "w");
	if (f) {
		fputs("i=0\nwhile [ $i -lt 2000 ]; do printf '\\033[31mred\\033[0m %d\\n' $i; "
		      "i=$((i+1)); done\nprintf 'a nul\\000byte\\n'\necho ansi done\n",
		      f);
		fclose(f);
	}
	add_unit("ansi.service", pf("[Service]\nType=oneshot\nRemainAfterExit=yes\n"
				    "Slice=infra.slice\nExecStart=/bin/sh %s/ansi.sh\n",
				    d.dir));
	add_unit("badload.service", "[Service]\nType=sometimes\nExecStart=/bin/true\n");
	is_int(daemon_launch(&d), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	is_int(daemon_wait_log(&d, "broken.service.*(exit|status)", 10000), 0,
	       "broken.service has failed");
	test_daemon_verbs_listed();
	test_table();
	test_units();
	test_logs();
	test_follow(NULL, "root");
	test_status_view();
	test_group();
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	is_int(daemon_cleanup(&d), 0, "cleaned up");
	return done_testing();
}
