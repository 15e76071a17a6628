/*
 * Dependency graph tests: waves, the supervisor's may-start questions
 * under changing states, reverse stop order, cycles reported by name,
 * Requires= on missing and failed units, Wants= and unknown After=.
 */
#include "units/depgraph.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct unit T[DG_MAX];
static struct depgraph G;
static enum dg_state S[DG_MAX];
static const struct unit_opts QUIET = {.quiet = 1, .no_userdb = 1};

/* Load unit name from a [Unit] body; returns its index. */
static int add(int *n, const char *name, const char *unit_section)
{
	char text[1024];
	snprintf(text, sizeof text, "[Unit]\n%s\n[Service]\nExecStart=/bin/true\n", unit_section);
	int r = unit_load_buffer(name, NULL, text, strlen(text), &QUIET, &T[*n], NULL);
	if (r < 0)
		printf("# %s failed to load: %s\n", name, T[*n].load_error);
	return (*n)++;
}

static int idx(const char *name)
{
	return unit_find(T, G.n, name);
}

static void reset_states(void)
{
	for (int i = 0; i < DG_MAX; i++)
		S[i] = DG_PENDING;
}

/* The startable set as "a b c" for easy comparison. */
static const char *startable(void)
{
	static char buf[1024];
	int out[DG_MAX], n = depgraph_startable(&G, S, out, DG_MAX);
	buf[0] = '\0';
	for (int k = 0; k < n; k++) {
		size_t o = strlen(buf);
		snprintf(buf + o, sizeof buf - o, "%s%.*s", k ? " " : "",
			 (int)(strlen(G.name[out[k]]) - strlen(".service")), G.name[out[k]]);
	}
	return buf;
}

static void test_waves(void)
{
	int n = 0;
	add(&n, "time.service", "");
	add(&n, "dbus.service", "");
	add(&n, "agent.service",
	    "After=time.service dbus.service network-online.target\nRequires=dbus.service\n"
	    "Wants=time.service missing.service");
	add(&n, "gpu.service", "Before=agent.service");
	add(&n, "late.service", "After=agent.service");
	add(&n, "free.service", "");
	is_int(depgraph_build(&G, T, n), 0, "graph builds");
	is_int(G.n_cycles, 0, "no cycles");
	is_int(G.n_levels, 3, "three waves");
	is_int(G.level[idx("time")], 0, "time in wave 0");
	is_int(G.level[idx("gpu")], 0, "gpu in wave 0 (Before=)");
	is_int(G.level[idx("agent")], 1, "agent in wave 1");
	is_int(G.level[idx("late")], 2, "late in wave 2");
	is_int(G.n_order, 6, "every unit ordered");
	is_str(G.name[G.order[0]], "time.service", "order starts with wave 0 by index");
	is_str(G.name[G.order[5]], "late.service", "order ends with the last wave");

	reset_states();
	is_str(startable(), "time dbus gpu free", "first wave startable together");
	char why[256];
	is_int(depgraph_may_start(&G, idx("agent"), S, why, sizeof why), DG_WAIT, "agent waits");
	ok(strstr(why, "waiting for") != NULL, "wait reason: %s", why);
	S[idx("time")] = DG_STARTING;
	S[idx("dbus")] = DG_STARTING;
	S[idx("gpu")] = DG_READY;
	S[idx("free")] = DG_READY;
	is_str(startable(), "", "nothing new while wave 0 is starting");
	S[idx("time")] = DG_FAILED;
	is_int(depgraph_may_start(&G, idx("agent"), S, why, sizeof why), DG_WAIT,
	       "agent still waits for the required dbus");
	ok(strstr(why, "dbus.service to be ready") != NULL, "reason names dbus: %s", why);
	S[idx("dbus")] = DG_READY;
	is_str(startable(), "agent", "After= a failed unit does not block; Requires ready");
	S[idx("agent")] = DG_STARTING;
	is_str(startable(), "", "late waits for agent (After= waits for a start to finish)");
	S[idx("agent")] = DG_READY;
	is_str(startable(), "late", "then late");

	/* a required unit failing fails the dependent */
	reset_states();
	S[idx("dbus")] = DG_FAILED;
	S[idx("time")] = DG_READY;
	S[idx("gpu")] = DG_READY;
	is_int(depgraph_may_start(&G, idx("agent"), S, why, sizeof why), DG_NEVER,
	       "agent never starts when dbus failed");
	is_str(why, "requires dbus.service, which failed", "reason names the failed unit");

	int rb[DG_MAX];
	is_int(depgraph_required_by(&G, idx("dbus"), rb, DG_MAX), 1,
	       "dbus is required by one unit");
	is_str(G.name[rb[0]], "agent.service", "by agent");
	is_int(depgraph_required_by(&G, idx("time"), rb, DG_MAX), 0, "time: After=/Wants= only");

	/* stop: reverse order, a unit waits for what started after it */
	int stop[DG_MAX];
	int ns = depgraph_stop_order(&G, stop, DG_MAX);
	is_int(ns, 6, "stop order has every unit");
	is_str(G.name[stop[0]], "late.service", "late stops first");
	is_str(G.name[stop[5]], "time.service", "time stops last");
	for (int i = 0; i < n; i++)
		S[i] = DG_READY;
	is_int(depgraph_may_stop(&G, idx("dbus"), S), DG_WAIT, "dbus waits for agent to stop");
	is_int(depgraph_may_stop(&G, idx("late"), S), DG_GO, "late may stop at once");
	S[idx("late")] = DG_STOPPED;
	is_int(depgraph_may_stop(&G, idx("agent"), S), DG_GO, "agent after late");
	S[idx("agent")] = DG_FAILED;
	is_int(depgraph_may_stop(&G, idx("dbus"), S), DG_GO, "dbus once agent is down");
	is_int(depgraph_may_stop(&G, idx("gpu"), S), DG_GO, "gpu (Before=agent) once agent down");
}

static void test_cycle(void)
{
	int n = 0;
	add(&n, "a.service", "After=b.service");
	add(&n, "b.service", "After=c.service");
	add(&n, "c.service", "Requires=a.service");
	add(&n, "d.service", "After=a.service");
	add(&n, "e.service", "Requires=b.service");
	add(&n, "f.service", "");
	add(&n, "x.service", "Before=y.service");
	add(&n, "y.service", "Before=x.service");
	is_int(depgraph_build(&G, T, n), 0, "graph with cycles builds");
	is_int(G.n_cycles, 2, "two cycles found");
	is_str(G.cycle[0], "a.service -> b.service -> c.service -> a.service",
	       "cycle reported by member names in order");
	is_str(G.cycle[1], "x.service -> y.service -> x.service", "Before= cycle reported");
	ok(G.in_cycle[idx("a")] && G.in_cycle[idx("b")] && G.in_cycle[idx("c")], "members marked");
	ok(!G.in_cycle[idx("d")] && !G.in_cycle[idx("f")], "others not marked");
	reset_states();
	char why[DG_TEXT_MAX];
	is_int(depgraph_may_start(&G, idx("b"), S, why, sizeof why), DG_NEVER,
	       "member never starts");
	ok(strstr(why, "in a dependency cycle: a.service -> b.service") != NULL, "why: %s", why);
	is_int(depgraph_may_start(&G, idx("e"), S, why, sizeof why), DG_NEVER,
	       "Requires= a cycle member: never");
	is_str(why, "requires b.service, which cannot start", "reason");
	is_str(startable(), "d f", "the rest still starts (After= a dead unit does not wait)");
	is_int(G.level[idx("a")], -1, "dead units have no wave");
	is_int(G.n_order, 2, "only live units are ordered");
}

static void test_missing(void)
{
	int n = 0;
	add(&n, "agent.service", "Requires=nope.service\nAfter=nope.service");
	add(&n, "w.service", "Wants=nope.service\nAfter=also-nope.service");
	add(&n, "chain.service", "Requires=agent");
	add(&n, "net.service",
	    "Requires=network-online.target dbus.socket\nAfter=network-online.target");
	is_int(depgraph_build(&G, T, n), 0, "graph builds");
	reset_states();
	char why[DG_TEXT_MAX];
	is_int(depgraph_may_start(&G, 0, S, why, sizeof why), DG_NEVER, "Requires= missing: never");
	is_str(why, "requires nope.service, which is not loaded", "reason names the missing unit");
	is_int(depgraph_may_start(&G, 1, S, why, sizeof why), DG_GO,
	       "Wants= and After= of missing units are ignored");
	is_int(depgraph_may_start(&G, 2, S, why, sizeof why), DG_NEVER,
	       "Requires= (without suffix) of a dead unit: never");
	is_int(depgraph_may_start(&G, 3, S, why, sizeof why), DG_GO,
	       "Requires= of a target or socket is ignored");
	is_str(startable(), "w net", "only w and net startable");

	/* a unit that failed to load is dead, with its load error */
	n = 0;
	add(&n, "bad.service", "Bogus line");
	add(&n, "dep.service", "Requires=bad.service");
	is_int(T[0].load_state, UNIT_LOAD_ERROR, "bad unit failed to load");
	depgraph_build(&G, T, n);
	is_int(depgraph_may_start(&G, 0, S, why, sizeof why), DG_NEVER, "load error: never");
	ok(strncmp(why, "failed to load: bad.service:2", 29) == 0, "why has the load error: %s",
	   why);
	is_int(depgraph_may_start(&G, 1, S, why, sizeof why), DG_NEVER, "its dependent: never");
	is_int(depgraph_build(&G, T, DG_MAX + 1), -E2BIG, "too many units refused");
}

static void test_big(void)
{
	/* a chain of DG_MAX units: waves 0..DG_MAX-1, and bounded work */
	int n = 0;
	for (int i = 0; i < DG_MAX; i++) {
		char name[32], deps[64] = "";
		snprintf(name, sizeof name, "u%03d.service", i);
		if (i)
			snprintf(deps, sizeof deps, "After=u%03d.service", i - 1);
		add(&n, name, deps);
	}
	is_int(depgraph_build(&G, T, n), 0, "chain of %d builds", DG_MAX);
	is_int(G.n_levels, DG_MAX, "one wave per link");
	is_int(G.level[DG_MAX - 1], DG_MAX - 1, "last in the last wave");
	/* close the chain into one big cycle */
	char text[256];
	snprintf(text, sizeof text, "[Unit]\nAfter=u%03d.service\n[Service]\nExecStart=/bin/true\n",
		 DG_MAX - 1);
	unit_load_buffer("u000.service", NULL, text, strlen(text), &QUIET, &T[0], NULL);
	is_int(depgraph_build(&G, T, n), 0, "ring builds");
	is_int(G.n_cycles, 1, "one cycle");
	is_int(G.n_order, 0, "nothing startable in a ring");
	ok(strncmp(G.cycle[0], "u000.service -> u127.service -> u126.service", 44) == 0,
	   "ring reported from its first member");
}

int main(void)
{
	test_waves();
	test_cycle();
	test_missing();
	test_big();
	return done_testing();
}
