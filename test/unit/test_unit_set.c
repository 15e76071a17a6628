/*
 * The unit set (units/unit_set.c, unit_index.c): which units the boot
 * loads and starts from the unit directories: admin over vendor, drop-ins
 * with ExecStart= reset, masks, alias symlinks and Alias=, enablement by
 * NAME.wants/ links and `enable =`, built-in targets and the ordering
 * they imply, sockets and timers whose services are not started at boot,
 * the legacy services directory, Conflicts=, BindsTo=.
 */
#include "tap.h"
#include "tmptree.h"
#include "units/depgraph.h"
#include "units/unit_set.h"

#include <string.h>

static struct unit table[UNITS_MAX];
static struct unit_diag D;
static const struct unit_opts QUIET = {.quiet = 1, .no_userdb = 1};

#define SVC(cmd) "[Service]\nExecStart=" cmd "\n"

static int load_set(const char *legacy, const char *const *enable, int n_enable)
{
	static char admin[512], vendor[512], leg[512];
	snprintf(admin, sizeof admin, "%s", tree_path("etc/units"));
	snprintf(vendor, sizeof vendor, "%s", tree_path("lib/units"));
	const char *dirs[] = {admin, vendor};
	if (legacy)
		snprintf(leg, sizeof leg, "%s", tree_path(legacy));
	struct unit_set_conf c = {.dirs = dirs,
				  .n_dirs = 2,
				  .legacy_dir = legacy ? leg : NULL,
				  .enable = enable,
				  .n_enable = n_enable};
	unit_diag_clear(&D);
	return unit_set_load(&c, &QUIET, table, UNITS_MAX, &D);
}

static const struct unit *get(int n, const char *name)
{
	int i = unit_find(table, n, name);
	return i >= 0 ? &table[i] : NULL;
}

static int lists(const char *const *l, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(l[i], name) == 0)
			return 1;
	return 0;
}

static void test_enablement(void)
{
	tree_put("lib/units/a.service", "[Unit]\nWants=w.service\n" SVC("/bin/a"));
	tree_put("lib/units/w.service", SVC("/bin/w"));
	tree_put("lib/units/off.service",
		 SVC("/bin/off") "[Install]\nWantedBy=multi-user.target\n");
	tree_put("lib/units/e.service", "[Unit]\nDescription=enabled by init.conf\n" SVC(
					    "/bin/e") "[Install]\nWantedBy=multi-user.target\n"
						      "Also=also.service\n");
	tree_put("lib/units/also.service", SVC("/bin/also"));
	tree_link("../a.service", "lib/units/multi-user.target.wants/a.service");
	const char *enable[] = {"e"};
	int n = load_set(NULL, enable, 1);
	const struct unit *a = get(n, "a.service"), *e = get(n, "e.service");
	ok(a && a->boot, "a unit linked in multi-user.target.wants/ starts at boot");
	ok(get(n, "w.service") && get(n, "w.service")->boot, "what it Wants= comes along");
	ok(!get(n, "off.service"), "a unit nothing enables is not loaded (WantedBy= alone)");
	ok(e && e->boot, "`enable = e` starts e.service at boot");
	ok(get(n, "also.service") != NULL, "with its Also= unit");
	ok(a && lists(a->before, a->n_before, "multi-user.target"),
	   "a wanted unit is ordered before its target");
	ok(e && lists(e->before, e->n_before, "multi-user.target"),
	   "an enabled unit before the target of its WantedBy=");
	ok(a && lists(a->after, a->n_after, "basic.target") &&
	       lists(a->after, a->n_after, "sysinit.target"),
	   "DefaultDependencies=: a service after basic.target and sysinit.target");
	const struct unit *mu = get(n, "multi-user.target");
	ok(mu && mu->kind == UNIT_KIND_TARGET && mu->boot, "multi-user.target is built in");
	ok(!get(n, "swap.target"), "a built-in target nothing orders against is left out");
	is_int(D.nerr, 0, "no errors");
}

/* What decides readiness: what is enabled into the node's target, through
 * targets only (issue 14 item 6). */
static void test_in_target(void)
{
	tree_put("lib/units/a.service", "[Unit]\nWants=w.service\n" SVC("/bin/a"));
	tree_put("lib/units/w.service", SVC("/bin/w"));
	tree_put("lib/units/s.socket", "[Socket]\nListenStream=/run/s.sock\n");
	tree_put("lib/units/s.service", SVC("/bin/s"));
	tree_put("lib/units/e.service", SVC("/bin/e") "[Install]\nWantedBy=multi-user.target\n");
	tree_link("../a.service", "lib/units/multi-user.target.wants/a.service");
	tree_link("../s.socket", "lib/units/sockets.target.wants/s.socket");
	const char *enable[] = {"e"};
	int n = load_set(NULL, enable, 1);
	const struct unit *a = get(n, "a.service"), *w = get(n, "w.service");
	const struct unit *sock = get(n, "s.socket"), *svc = get(n, "s.service");
	ok(a && a->in_target, "a unit linked into multi-user.target decides readiness");
	ok(get(n, "e.service") && get(n, "e.service")->in_target, "so does one of units.enable");
	ok(sock && sock->in_target, "and a socket of sockets.target, which the target wants");
	ok(w && w->boot && !w->in_target, "what a service only Wants= starts, and does not decide");
	ok(svc && !svc->in_target, "nor does the service a socket starts");
}

static void test_override_dropin_mask_alias(void)
{
	tree_put("lib/units/o.service", SVC("/bin/vendor") "Environment=A=1\n");
	tree_put("etc/units/o.service", SVC("/bin/admin") "Environment=A=2\n");
	tree_put("lib/units/d.service", SVC("/bin/d-vendor"));
	tree_put("lib/units/d.service.d/10-env.conf", "[Service]\nEnvironment=X=vendor\n");
	tree_put("etc/units/d.service.d/10-env.conf", "[Service]\nEnvironment=X=admin\n");
	tree_put("etc/units/d.service.d/20-exec.conf",
		 "[Service]\nExecStart=\nExecStart=/bin/d-new\n");
	tree_put("etc/units/bad.service.d/x.conf", "[Service]\nExecStart=/bin/second\n");
	tree_put("lib/units/bad.service", SVC("/bin/first"));
	tree_put("lib/units/m.service", SVC("/bin/m"));
	tree_link("/dev/null", "etc/units/m.service");
	tree_put("lib/units/rpcbind.service", SVC("/bin/rpcbind"));
	tree_link("rpcbind.service", "lib/units/portmap.service");
	tree_put("lib/units/client.service",
		 "[Unit]\nAfter=portmap.service syslog.service\n" SVC("/bin/client"));
	tree_put("lib/units/rsyslog.service",
		 SVC("/bin/rsyslogd") "[Install]\nAlias=syslog.service\n");
	const char *enable[] = {"o", "d", "m", "portmap", "rpcbind", "client", "rsyslog", "bad"};
	int n = load_set(NULL, enable, 8);
	const struct unit *o = get(n, "o.service"), *d = get(n, "d.service");
	ok(o && strcmp(o->exec[UNIT_CMD_START][0].path, "/bin/admin") == 0,
	   "the admin's file hides the vendor's");
	ok(d && strcmp(d->exec[UNIT_CMD_START][0].path, "/bin/d-new") == 0,
	   "a drop-in replaces ExecStart= after an empty ExecStart=");
	ok(d && d->n_env == 1 && strcmp(d->envp[0], "X=admin") == 0,
	   "a drop-in of the same name in the admin's directory hides the vendor's");
	const struct unit *bad = get(n, "bad.service");
	ok(bad && bad->load_state == UNIT_LOAD_ERROR,
	   "a second ExecStart= in a drop-in without a reset is refused");
	ok(!get(n, "m.service"), "a unit masked by a /dev/null link is not loaded, even enabled");
	int runs = 0;
	for (int i = 0; i < n; i++)
		runs += strcmp(table[i].name, "rpcbind.service") == 0 ||
			strcmp(table[i].name, "portmap.service") == 0;
	is_int(runs, 1, "an alias symlink and its unit load once");
	const struct unit *c = get(n, "client.service");
	ok(c && lists(c->after, c->n_after, "rpcbind.service"),
	   "After= an alias symlink orders after the unit");
	ok(c && lists(c->after, c->n_after, "rsyslog.service"),
	   "After= an Alias= name orders after the unit");
}

static void test_socket_timer(void)
{
	tree_put("lib/units/bus.socket", "[Socket]\nListenStream=/run/bus.sock\nSocketMode=0600\n"
					 "[Install]\nWantedBy=sockets.target\n");
	tree_put("lib/units/bus.service", "[Unit]\nRequires=bus.socket\n" SVC("/bin/bus"));
	tree_link("../bus.socket", "lib/units/sockets.target.wants/bus.socket");
	tree_put("lib/units/job.timer", "[Timer]\nOnCalendar=daily\nPersistent=true\n");
	tree_put("lib/units/job.service", "[Service]\nType=oneshot\nExecStart=/bin/job\n");
	tree_link("../job.timer", "lib/units/timers.target.wants/job.timer");
	int n = load_set(NULL, NULL, 0);
	const struct unit *sk = get(n, "bus.socket"), *bus = get(n, "bus.service");
	const struct unit *tm = get(n, "job.timer"), *job = get(n, "job.service");
	ok(sk && sk->boot && sk->kind == UNIT_KIND_SOCKET && sk->sock.n_listen == 1 &&
	       sk->sock.mode == 0600,
	   "a socket enabled in sockets.target.wants/ is loaded, with its [Socket]");
	ok(bus && !bus->boot, "its service is loaded, started by the socket, not the boot");
	ok(sk && lists(sk->before, sk->n_before, "bus.service"),
	   "the socket is ordered before its service");
	ok(tm && tm->boot && tm->timer.n_calendar == 1, "a timer is loaded with its OnCalendar=");
	ok(job && !job->boot, "a timer's service does not run at boot");
	ok(get(n, "sockets.target") && get(n, "timers.target") && get(n, "basic.target"),
	   "sockets.target, timers.target and basic.target order them");
}

static void test_legacy_and_relations(void)
{
	tree_put("services/x.service", "[Unit]\nAfter=remote-fs.target\n" SVC("/bin/x"));
	tree_put("services/y.service", "[Unit]\nBindsTo=x.service\nConflicts=z.service\n" SVC(
					   "/bin/y") "[Install]\nWantedBy=multi-user.target\n");
	tree_put("services/z.service", SVC("/bin/z"));
	tree_put("services/p.service", "[Unit]\nPartOf=x.service\n" SVC("/bin/p"));
	tree_put("services/t@.service", SVC("/bin/t %i"));
	int n = load_set("services", NULL, 0);
	int targets = 0;
	for (int i = 0; i < n; i++)
		targets += table[i].kind == UNIT_KIND_TARGET;
	ok(get(n, "x.service") && get(n, "y.service") && get(n, "x.service")->boot,
	   "every service of the legacy directory starts at boot");
	ok(!get(n, "t@.service"), "a template there does not load without an instance");
	is_int(targets, 0, "a legacy directory alone brings no target in (the table as before)");
	const struct unit *y = get(n, "y.service"), *z = get(n, "z.service");
	ok(y && lists(y->requires, y->n_requires, "x.service"), "BindsTo= requires");
	ok(y && y->boot && z && !z->boot,
	   "of two boot units in conflict, the later does not start");
}

/* The order a target implies for what it wants gives way, as in systemd,
 * to one written the other way and to DefaultDependencies=no. */
static void test_implied_order_gives_way(void)
{
	tree_put("lib/units/nfs-client.target",
		 "[Unit]\nBefore=remote-fs-pre.target\nWants=remote-fs-pre.target\n"
		 "[Install]\nWantedBy=multi-user.target\n");
	tree_put("lib/units/early.service",
		 "[Unit]\nDefaultDependencies=no\n" SVC(
		     "/bin/early") "[Install]\nWantedBy=multi-user.target\n");
	const char *enable[] = {"nfs-client.target", "early"};
	int n = load_set(NULL, enable, 2);
	const struct unit *pre = get(n, "remote-fs-pre.target"), *nc = get(n, "nfs-client.target");
	/* (a target that then orders nothing is left out of the table) */
	ok(!(pre && lists(pre->before, pre->n_before, "nfs-client.target")) &&
	       !(nc && lists(nc->after, nc->n_after, "remote-fs-pre.target")),
	   "a target Before= what it wants is not also after it (no cycle)");
	const struct unit *early = get(n, "early.service");
	ok(early && early->boot && !lists(early->before, early->n_before, "multi-user.target"),
	   "DefaultDependencies=no: not ordered before the target that wants it");
	struct depgraph g;
	depgraph_build(&g, table, n);
	int dead = 0;
	for (int i = 0; i < n; i++)
		dead += g.dead[i];
	is_int(dead, 0, "the set has no dependency cycle");
}

int main(void)
{
	tree_init("unitset");
	test_enablement();
	tree_done();
	tree_init("unitset");
	test_in_target();
	tree_done();
	tree_init("unitset");
	test_override_dropin_mask_alias();
	tree_done();
	tree_init("unitset");
	test_socket_timer();
	tree_done();
	tree_init("unitset");
	test_legacy_and_relations();
	tree_done();
	tree_init("unitset");
	test_implied_order_gives_way();
	tree_done();
	return done_testing();
}
