/*
 * Host tier: the unit set at run time (issues 14 and 16), on a real
 * pact-init. Units in the admin's unit directory, enabled by
 * multi-user.target.wants/ links: `pactctl is-enabled` says enabled,
 * disabled, static, masked, alias, not-found with systemctl's exit codes;
 * `daemon-reload` refuses a unit that fails to load (naming file:line,
 * nothing changed), then adds a unit (started), changes one (the running
 * process untouched, the new command at its next start) and removes one
 * (stopped, gone from the table); `enable --now` / `disable --now` make
 * and remove the link and start and stop the unit; `enable --runtime`
 * links under the run directory (enabled-runtime).
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WAIT_MS 30000

static struct daemon d;
static char out[16384];

static void put(const char *rel, const char *text)
{
	FILE *f = fopen(pf("%s/etc/units/%s", d.dir, rel), "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static const char *svc(const char *cmd, int install)
{
	return pf("[Service]\nExecStart=/bin/sh -c '%s'\n%s", cmd,
		  install ? "[Install]\nWantedBy=multi-user.target\n" : "");
}

static void enable_link(const char *name)
{
	(void)!symlink(pf("%s/etc/units/%s", d.dir, name),
		       pf("%s/etc/units/multi-user.target.wants/%s", d.dir, name));
}

static void write_units(void)
{
	mkdir(pf("%s/etc/units", d.dir), 0755);
	mkdir(pf("%s/etc/units/multi-user.target.wants", d.dir), 0755);
	put("keep.service", svc("exec sleep 200001", 1));
	put("change.service", svc("echo v1; exec sleep 200002", 1));
	put("gone.service", svc("exec sleep 200003", 1));
	put("later.service", svc("exec sleep 200004", 1));
	put("static.service", svc("exec sleep 200005", 0));
	enable_link("keep.service");
	enable_link("change.service");
	enable_link("gone.service");
	(void)!symlink("/dev/null", pf("%s/etc/units/masked.service", d.dir));
	mkdir(pf("%s/etc/units/sockets.target.wants", d.dir), 0755);
	put("sock.socket", pf("[Socket]\nListenStream=%s/sock.sock\n", d.run_dir));
	put("sock.service", svc("exec sleep 200007", 0));
	(void)!symlink("../sock.socket",
		       pf("%s/etc/units/sockets.target.wants/sock.socket", d.dir));
	(void)!symlink("keep.service", pf("%s/etc/units/other-name.service", d.dir));
}

static int state_is(const char *name, const char *state)
{
	daemon_pactctl(&d, "--json services", out, sizeof out);
	return strstr(out, pf("\"name\":\"%s\",\"state\":\"%s\"", name, state)) != NULL;
}

static void test_is_enabled(void)
{
	static const struct {
		const char *unit, *word;
		int rc;
	} cases[] = {
	    {"keep", "enabled", 0},
	    {"later.service", "disabled", 1},
	    {"static", "static", 0},
	    {"masked", "masked", 1},
	    {"other-name", "alias", 0},
	    {"nothing.service", "not-found", 4},
	    {"multi-user.target", "static", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = daemon_pactctl(&d, pf("is-enabled %s", cases[i].unit), out, sizeof out);
		ok(rc == cases[i].rc && strcmp(out, pf("%s\n", cases[i].word)) == 0,
		   "is-enabled %s: %s, exit %d (got exit %d: %s)", cases[i].unit, cases[i].word,
		   cases[i].rc, rc, out);
	}
	is_int(daemon_pactctl(&d, "is-enabled --quiet later", out, sizeof out), 1,
	       "is-enabled --quiet: the exit code");
	is_str(out, "", "and nothing printed");
	is_int(daemon_pactctl(&d, "is-enabled later keep", out, sizeof out), 0,
	       "exit 0 when one of the units is enabled");
}

static void test_reload_refused(void)
{
	put("new.service", "[Service]\nExecStart=/bin/sleep 1\nRestart=sometimes\n");
	enable_link("new.service");
	int rc = daemon_pactctl(&d, "daemon-reload", out, sizeof out);
	ok(rc != 0 && strstr(out, pf("%s/etc/units/new.service:3:", d.dir)),
	   "a unit that fails to load: daemon-reload fails naming file:line (exit %d): %s", rc,
	   out);
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(!strstr(out, "new.service"), "and nothing changed: new.service is not loaded");
}

static void test_reload(void)
{
	int keep_pid = pactctl_int(&d, "services", "name", "keep.service", "pid");
	int change_pid = pactctl_int(&d, "services", "name", "change.service", "pid");
	put("new.service", svc("exec sleep 200006", 1));
	put("change.service", svc("echo v2; exec sleep 200012", 1));
	unlink(pf("%s/etc/units/gone.service", d.dir));
	is_int(daemon_pactctl(&d, "--json daemon-reload", out, sizeof out), 0, "daemon-reload");
	ok(strstr(out, "\"added\":[\"new.service\"]") &&
	       strstr(out, "\"changed\":[\"change.service\"]") &&
	       strstr(out, "\"removed\":[\"gone.service\"]") &&
	       strstr(out, "\"at_next_start\":[\"change.service\"]"),
	   "--json says what was added, changed (at its next start), removed: %s", out);
	daemon_pactctl(&d, "daemon-reload", out, sizeof out);
	ok(strstr(out, "0 added, 0 changed, 0 removed"),
	   "a second reload: the unit waiting for its next start is not changed again: %s", out);
	is_int(daemon_wait_log(&d, "service new.service: started", WAIT_MS), 0,
	       "the added unit, wanted by the node's target, starts");
	is_int(daemon_wait_log(&d, "unit gone.service: removed by daemon-reload", WAIT_MS), 0,
	       "the removed unit is stopped and leaves the table");
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(!strstr(out, "gone.service"), "pactctl services no longer lists it");
	is_int(pactctl_int(&d, "services", "name", "change.service", "pid"), change_pid,
	       "the changed unit's running process is left alone");
	is_int(pactctl_int(&d, "services", "name", "keep.service", "pid"), keep_pid,
	       "an unchanged unit is not touched");
	is_int(daemon_pactctl(&d, "restart change", out, sizeof out), 0,
	       "restart the changed unit");
	is_int(daemon_wait_log(&d, "change.service: starts with its reloaded unit file", WAIT_MS),
	       0, "its next start takes the new unit file");
	daemon_pactctl(&d, "logs change", out, sizeof out);
	ok(strstr(out, "v2"), "and runs the new command: %s", out);

	is_int(daemon_pactctl(&d, "daemon-reload", out, sizeof out), 0, "daemon-reload again");
	ok(strstr(out, "0 added, 0 changed, 0 removed"), "nothing more to do: %s", out);
}

static void test_enable_disable(void)
{
	const char *link = pf("%s/etc/units/multi-user.target.wants/later.service", d.dir);
	static char link_path[512];
	snprintf(link_path, sizeof link_path, "%s", link);
	struct stat st;
	is_int(daemon_pactctl(&d, "enable --now later", out, sizeof out), 0, "enable --now later");
	ok(strstr(out, pf("Created symlink %s", link_path)), "says the link it made: %s", out);
	ok(lstat(link_path, &st) == 0 && S_ISLNK(st.st_mode), "the link is there");
	is_int(daemon_wait_log(&d, "service later.service: started", WAIT_MS), 0,
	       "--now starts it");
	daemon_pactctl(&d, "is-enabled later", out, sizeof out);
	is_str(out, "enabled\n", "is-enabled: enabled");

	is_int(daemon_pactctl(&d, "disable --now later", out, sizeof out), 0,
	       "disable --now later");
	ok(strstr(out, pf("Removed \"%s\"", link_path)), "says the link it removed: %s", out);
	ok(lstat(link_path, &st) < 0, "the link is gone");
	is_int(daemon_wait_log(&d, "service later.service: stopped", WAIT_MS), 0, "--now stops it");
	daemon_pactctl(&d, "is-enabled later", out, sizeof out);
	is_str(out, "disabled\n", "is-enabled: disabled");
	ok(state_is("keep.service", "running"), "the others run on");

	is_int(daemon_pactctl(&d, "enable --runtime later", out, sizeof out), 0,
	       "enable --runtime later");
	ok(lstat(pf("%s/units/multi-user.target.wants/later.service", d.run_dir), &st) == 0,
	   "the link is in the run directory's units/");
	daemon_pactctl(&d, "is-enabled later", out, sizeof out);
	is_str(out, "enabled-runtime\n", "is-enabled: enabled-runtime");
	ok(state_is("later.service", "stopped"), "enable without --now does not start it");
	is_int(daemon_pactctl(&d, "enable static", out, sizeof out), 0, "enable a static unit");
	ok(strstr(out, "static"), "says it is static and does nothing: %s", out);
	ok(daemon_pactctl(&d, "enable masked", out, sizeof out) != 0 && strstr(out, "masked"),
	   "enable a masked unit fails: %s", out);
}

/* A started socket keeps its fds: a change waits for the next boot, a
 * removal stops it (listed, stopped), and it comes back in its slot. */
static void test_socket(void)
{
	struct stat st;
	ok(state_is("sock.socket", "running"), "sock.socket listens");
	put("sock.socket", pf("[Socket]\nListenStream=%s/sock.sock\nBacklog=8\n", d.run_dir));
	is_int(daemon_pactctl(&d, "--json daemon-reload", out, sizeof out), 0, "reload");
	ok(strstr(out, "\"changed\":[\"sock.socket\"]") && strstr(out, "\"at_next_start\":[]"),
	   "a changed socket is changed, its new definition for the next boot: %s", out);
	ok(state_is("sock.socket", "running") && stat(pf("%s/sock.sock", d.run_dir), &st) == 0,
	   "and it listens on");
	daemon_pactctl(&d, "daemon-reload", out, sizeof out);
	ok(strstr(out, "0 added, 0 changed, 0 removed"), "not changed again: %s", out);
	unlink(pf("%s/etc/units/sock.socket", d.dir));
	is_int(daemon_pactctl(&d, "--json daemon-reload", out, sizeof out), 0, "its file removed");
	ok(strstr(out, "\"removed\":[\"sock.socket\"]"), "removed: %s", out);
	ok(state_is("sock.socket", "stopped"), "stopped, and still listed (PID 1 keeps its fds)");
	put("sock.socket", pf("[Socket]\nListenStream=%s/sock.sock\n", d.run_dir));
	is_int(daemon_pactctl(&d, "--json daemon-reload", out, sizeof out), 0, "its file back");
	ok(strstr(out, "\"added\":[\"sock.socket\"]"), "added: %s", out);
	ok(state_is("sock.socket", "running"), "listening again");
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	is_int(daemon_prepare(&d, "node_id = reload-node\n", "quiet"), 0, "prepared");
	write_units();
	is_int(daemon_launch(&d), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", WAIT_MS), 0, "ready");
	ok(state_is("keep.service", "running") && state_is("gone.service", "running"),
	   "the enabled units run");
	daemon_pactctl(&d, "--json services", out, sizeof out);
	ok(!strstr(out, "later.service"), "a unit nothing enables is not loaded");
	test_is_enabled();
	test_reload_refused();
	test_reload();
	test_enable_disable();
	test_socket();
	daemon_finish(&d, tap_failed);
	return done_testing();
}
