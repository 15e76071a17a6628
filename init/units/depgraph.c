/*
 * depgraph: edges from the units' After/Before/Requires/Wants, Tarjan's
 * strongly connected components for cycles (n <= DG_MAX keeps the
 * recursion shallow), dead-unit propagation along Requires=, and waves by
 * longest path. The questions the supervisor asks are answered from the
 * bitsets and the states it passes in.
 */
#include "units/depgraph.h"
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set_bit(uint64_t *w, int j)
{
	w[j / 64] |= 1ULL << (j % 64);
}

static int has_bit(const uint64_t *w, int j)
{
	return (w[j / 64] >> (j % 64)) & 1;
}

__attribute__((format(printf, 3, 4))) static void mark_dead(struct depgraph *g, int i,
							    const char *fmt, ...)
{
	if (g->dead[i])
		return;
	g->dead[i] = 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->why[i], sizeof g->why[i], fmt, ap);
	va_end(ap);
	log_err("unit: %s: %s", g->name[i], g->why[i]);
}

/* "x.service", or "x" which unit_find reads as x.service */
static int is_service_name(const char *name)
{
	const char *dot = strrchr(name, '.');
	return !dot || strcmp(dot, ".service") == 0;
}

/* Add the edges of one list; dir 0: i after each, 1: each after i. */
static void add_order(struct depgraph *g, const struct unit *units, int i, const char *const *list,
		      int n, int before)
{
	for (int k = 0; k < n; k++) {
		int j = unit_find(units, g->n, list[k]);
		if (j < 0 || j == i) {
			if (j < 0)
				log_debug("unit: %s: %s %s is not loaded, ignored", g->name[i],
					  before ? "Before" : "After", list[k]);
			continue;
		}
		if (before)
			set_bit(g->pred[j], i);
		else
			set_bit(g->pred[i], j);
	}
}

struct tarjan {
	struct depgraph *g;
	int index[DG_MAX], low[DG_MAX], on_stack[DG_MAX];
	int stack[DG_MAX], sp, next;
};

static void report_cycle(struct depgraph *g, const int *members, int nm)
{
	/* walk pred edges from the first member back to it, inside the SCC,
	 * so the text shows a real cycle in waiting order */
	int in[DG_MAX] = {0}, path[DG_MAX + 1], np = 0, seen[DG_MAX] = {0};
	for (int k = 0; k < nm; k++)
		in[members[k]] = 1;
	int start = members[0];
	for (int k = 1; k < nm; k++)
		if (members[k] < start)
			start = members[k];
	/* greedy DFS with backtracking over the SCC: bounded by nm^2 */
	int cur = start, next_from[DG_MAX] = {0};
	path[np++] = start;
	seen[start] = 1;
	for (;;) {
		int found = -1;
		if (np > 1 && has_bit(g->pred[cur], start))
			break;
		for (int j = next_from[cur]; j < g->n; j++)
			if (in[j] && !seen[j] && has_bit(g->pred[cur], j)) {
				found = j;
				next_from[cur] = j + 1;
				break;
			}
		if (found < 0) {
			if (np == 1)
				break; /* cannot happen in an SCC; stay bounded anyway */
			np--;
			cur = path[np - 1];
			continue;
		}
		seen[found] = 1;
		path[np++] = found;
		cur = found;
	}
	/* "a -> b" reads "a waits for b" (After=/Requires=) */
	char text[DG_TEXT_MAX];
	size_t o = 0;
	text[0] = '\0';
	for (int k = 0; k <= np && o < sizeof text; k++) {
		int w = snprintf(text + o, sizeof text - o, "%s%s", k ? " -> " : "",
				 g->name[path[k < np ? k : 0]]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (nm > np && o < sizeof text)
		snprintf(text + o, sizeof text - o, " (and %d more units in the cycle)", nm - np);
	if (g->n_cycles < DG_CYCLES_MAX)
		snprintf(g->cycle[g->n_cycles], sizeof g->cycle[0], "%s", text);
	g->n_cycles++;
	log_err("unit: dependency cycle: %s", text);
	for (int k = 0; k < nm; k++) {
		int u = members[k];
		g->in_cycle[u] = 1;
		mark_dead(g, u, "in a dependency cycle: %s", text);
	}
}

static void strongconnect(struct tarjan *t, int v)
{
	struct depgraph *g = t->g;
	t->index[v] = t->low[v] = t->next++;
	t->stack[t->sp++] = v;
	t->on_stack[v] = 1;
	for (int w = 0; w < g->n; w++) {
		if (!has_bit(g->pred[v], w))
			continue;
		if (t->index[w] < 0) {
			strongconnect(t, w);
			if (t->low[w] < t->low[v])
				t->low[v] = t->low[w];
		} else if (t->on_stack[w] && t->index[w] < t->low[v]) {
			t->low[v] = t->index[w];
		}
	}
	if (t->low[v] != t->index[v])
		return;
	int members[DG_MAX], nm = 0, w;
	do {
		w = t->stack[--t->sp];
		t->on_stack[w] = 0;
		members[nm++] = w;
	} while (w != v);
	if (nm > 1)
		report_cycle(g, members, nm);
}

static void find_cycles(struct depgraph *g)
{
	struct tarjan t = {.g = g};
	for (int i = 0; i < g->n; i++)
		t.index[i] = -1;
	for (int i = 0; i < g->n; i++)
		if (t.index[i] < 0)
			strongconnect(&t, i);
}

/* A unit that Requires a dead one is dead; iterate to a fixed point. */
static void propagate_dead(struct depgraph *g)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (int i = 0; i < g->n; i++) {
			if (g->dead[i])
				continue;
			for (int j = 0; j < g->n; j++)
				if (has_bit(g->req[i], j) && g->dead[j]) {
					mark_dead(g, i, "requires %s, which cannot start",
						  g->name[j]);
					changed = 1;
					break;
				}
		}
	}
}

/* Waves: longest chain of live predecessors; dead ones do not hold anyone. */
static void compute_levels(struct depgraph *g)
{
	for (int i = 0; i < g->n; i++)
		g->level[i] = g->dead[i] ? -1 : 0;
	/* the live graph is acyclic: n rounds of relaxation reach the fixed point */
	for (int round = 0; round < g->n; round++) {
		int changed = 0;
		for (int i = 0; i < g->n; i++) {
			if (g->dead[i])
				continue;
			for (int j = 0; j < g->n; j++)
				if (has_bit(g->pred[i], j) && !g->dead[j] &&
				    g->level[j] + 1 > g->level[i]) {
					g->level[i] = g->level[j] + 1;
					changed = 1;
				}
		}
		if (!changed)
			break;
	}
	g->n_levels = 0;
	g->n_order = 0;
	for (int lv = 0; lv < g->n; lv++) {
		int any = 0;
		for (int i = 0; i < g->n; i++)
			if (g->level[i] == lv) {
				g->order[g->n_order++] = i;
				any = 1;
			}
		if (!any)
			break;
		g->n_levels = lv + 1;
	}
}

int depgraph_build(struct depgraph *g, const struct unit *units, int n)
{
	if (n < 0 || n > DG_MAX)
		return -E2BIG;
	/* clear only the n rows in use: the graph is sized for DG_MAX units,
	 * and every page touched here stays resident in PID 1 */
	g->n_levels = g->n_order = g->n_cycles = 0;
	for (int i = 0; i < n; i++) {
		memset(g->pred[i], 0, sizeof g->pred[i]);
		memset(g->req[i], 0, sizeof g->req[i]);
		memset(g->part[i], 0, sizeof g->part[i]);
		g->dead[i] = g->in_cycle[i] = 0;
		g->level[i] = 0;
		g->order[i] = 0;
		if (g->why[i][0]) /* reasons are rare: their rows stay untouched */
			g->why[i][0] = '\0';
	}
	g->n = n;
	for (int i = 0; i < n; i++)
		snprintf(g->name[i], sizeof g->name[i], "%s", units[i].name);
	for (int i = 0; i < n; i++) {
		const struct unit *u = &units[i];
		if (u->load_state != UNIT_LOADED) {
			g->dead[i] = 1;
			snprintf(g->why[i], sizeof g->why[i], "failed to load: %s", u->load_error);
			continue;
		}
		add_order(g, units, i, u->after, u->n_after, 0);
		add_order(g, units, i, u->before, u->n_before, 1);
		for (int k = 0; k < u->n_requires; k++) {
			int j = unit_find(units, n, u->requires[k]);
			if (j == i)
				continue;
			if (j < 0 && !is_service_name(u->requires[k])) {
				/* targets, sockets, mounts: pact-init has none; its boot
				 * phases reach network and mounts before any service */
				log_debug("unit: %s: Requires=%s is not a service, ignored",
					  u->name, u->requires[k]);
				continue;
			}
			if (j < 0) {
				mark_dead(g, i, "requires %s, which is not loaded", u->requires[k]);
				continue;
			}
			set_bit(g->req[i], j);
			set_bit(g->pred[i], j);
		}
		const struct unit_names *bound[] = {&u->part_of, &u->binds_to};
		for (int b = 0; b < 2; b++)
			for (int k = 0; k < bound[b]->n; k++) {
				int j = unit_find(units, n, bound[b]->name[k]);
				if (j >= 0 && j != i)
					set_bit(g->part[i], j);
			}
		for (int k = 0; k < u->n_wants; k++)
			if (unit_find(units, n, u->wants[k]) < 0)
				log_debug("unit: %s: wanted %s is not loaded, ignored", u->name,
					  u->wants[k]);
	}
	find_cycles(g);
	propagate_dead(g);
	compute_levels(g);
	return 0;
}

enum dg_verdict depgraph_may_start(const struct depgraph *g, int i, const enum dg_state *st,
				   char *why, size_t cap)
{
	char dummy[1];
	if (!why || !cap) {
		why = dummy;
		cap = sizeof dummy;
	}
	why[0] = '\0';
	if (i < 0 || i >= g->n) {
		snprintf(why, cap, "no such unit");
		return DG_NEVER;
	}
	if (g->dead[i]) {
		snprintf(why, cap, "%s", g->why[i]);
		return DG_NEVER;
	}
	for (int j = 0; j < g->n; j++) {
		if (!has_bit(g->pred[i], j))
			continue;
		int failed = g->dead[j] || st[j] == DG_FAILED;
		if (has_bit(g->req[i], j)) {
			if (failed) {
				snprintf(why, cap, "requires %s, which failed", g->name[j]);
				return DG_NEVER;
			}
			if (st[j] != DG_READY) {
				snprintf(why, cap, "waiting for %s to be ready", g->name[j]);
				return DG_WAIT;
			}
		} else if (!failed && (st[j] == DG_PENDING || st[j] == DG_STARTING)) {
			snprintf(why, cap, "waiting for %s (After=)", g->name[j]);
			return DG_WAIT;
		}
	}
	return DG_GO;
}

int depgraph_startable(const struct depgraph *g, const enum dg_state *st, int *out, int cap)
{
	int n = 0;
	for (int k = 0; k < g->n_order && n < cap; k++) {
		int i = g->order[k];
		if (st[i] == DG_PENDING && depgraph_may_start(g, i, st, NULL, 0) == DG_GO)
			out[n++] = i;
	}
	return n;
}

enum dg_verdict depgraph_may_stop(const struct depgraph *g, int i, const enum dg_state *st)
{
	if (i < 0 || i >= g->n)
		return DG_NEVER;
	for (int j = 0; j < g->n; j++)
		if (has_bit(g->pred[j], i) && (st[j] == DG_STARTING || st[j] == DG_READY))
			return DG_WAIT;
	return DG_GO;
}

int depgraph_stop_order(const struct depgraph *g, int *out, int cap)
{
	int n = 0;
	for (int k = g->n_order - 1; k >= 0 && n < cap; k--)
		out[n++] = g->order[k];
	return n;
}

int depgraph_required_by(const struct depgraph *g, int i, int *out, int cap)
{
	int n = 0;
	if (i < 0 || i >= g->n)
		return 0;
	for (int j = 0; j < g->n && n < cap; j++)
		if (has_bit(g->req[j], i))
			out[n++] = j;
	return n;
}

int depgraph_bound_to(const struct depgraph *g, int i, int *out, int cap)
{
	int n = 0;
	if (i < 0 || i >= g->n)
		return 0;
	for (int j = 0; j < g->n && n < cap; j++)
		if (has_bit(g->part[j], i))
			out[n++] = j;
	return n;
}
