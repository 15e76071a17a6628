/*
 * Which units run (unit_set.h): from the seeds (the default target, the
 * `enable =` list, the legacy services directory, the instances), every
 * unit they pull in, loaded from the unit directories with its drop-ins;
 * then the relations systemd implies (DefaultDependencies=, a target after
 * what it wants, a socket before its service, BindsTo=/Requisite= as
 * requirements, Conflicts= between two boot units), and the built-in
 * targets that nothing orders against dropped, so a node without unit
 * directories looks as it always did.
 */
#include "units/unit_set.h"
#include "units/unit_index.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define QUEUE_MAX (UNITS_MAX * 4)
#define LINKS_MAX 128

static const struct builtin {
	const char *name, *wants, *after;
} builtins[] = {
    {"multi-user.target", "basic.target", "basic.target"},
    {"basic.target", "sysinit.target sockets.target timers.target paths.target slices.target",
     "sysinit.target sockets.target timers.target paths.target slices.target"},
    {"sysinit.target", "local-fs.target swap.target", "local-fs.target swap.target"},
    {"network-online.target", "", "network.target"},
    {"remote-fs.target", "", "remote-fs-pre.target"},
    {"time-sync.target", "", ""},
    {"nss-lookup.target", "", ""},
    {"network.target", "", "network-pre.target"},
    {"sockets.target", "", ""},
    {"timers.target", "", ""},
    {"paths.target", "", ""},
    {"slices.target", "", ""},
    {"local-fs.target", "", ""},
    {"swap.target", "", ""},
    {"remote-fs-pre.target", "", ""},
    {"network-pre.target", "", ""},
    {"nss-user-lookup.target", "", ""},
    {"rpcbind.target", "", ""},
    {"default.target", "multi-user.target", "multi-user.target"},
};

struct queued {
	char name[UNIT_NAME_MAX];
	char from[UNIT_NAME_MAX]; /* who pulled it in ("" for a seed) */
	int boot;
};

/* "order `unit` before `target`": from NAME.wants/ links, WantedBy= of
 * enabled units and a target's Wants=, applied once everything is loaded */
struct order_pair {
	char unit[UNIT_NAME_MAX], target[UNIT_NAME_MAX];
};

struct set_state {
	struct unit_index ix; /* first: the big part of the mapping */
	struct queued q[QUEUE_MAX];
	int qhead, qtail;
	struct order_pair ord[QUEUE_MAX];
	int n_ord;
	char links[LINKS_MAX][UNIT_NAME_MAX];
	char dropins[UNIT_DROPINS_MAX + 1][PATH_MAX];
	const struct unit_set_conf *c;
	const struct unit_opts *opts;
	struct unit_diag *d;
	struct unit *table;
	int n, max;
};

__attribute__((format(printf, 3, 4))) static void note(struct set_state *s, int level,
						       const char *fmt, ...)
{
	char text[UNIT_DIAG_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (level == LOG_INFO) { /* said, not counted as a warning */
		if (!s->opts || !s->opts->quiet)
			log_info("%s", text);
		return;
	}
	unit_diag_add(s->d, s->opts, level, text);
}

int unit_builtin_target(const char *name)
{
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (strcmp(builtins[i].name, name) == 0)
			return 1;
	return 0;
}

static void enqueue(struct set_state *s, const char *name, const char *from, int boot)
{
	int have = unit_find(s->table, s->n, name);
	if (have >= 0 && (s->table[have].boot || !boot))
		return; /* loaded already, and nothing to upgrade */
	if (s->qtail == QUEUE_MAX) {
		note(s, LOG_ERR, "units: more than %d units to look at, %.100s not loaded",
		     QUEUE_MAX, name);
		return;
	}
	struct queued *q = &s->q[s->qtail++];
	/* a bare name is a service, as in `enable = chrony` */
	snprintf(q->name, sizeof q->name, "%s%s", name, unit_kind_of(name) < 0 ? ".service" : "");
	snprintf(q->from, sizeof q->from, "%s", from ? from : "");
	q->boot = boot;
}

static void order_before(struct set_state *s, const char *unit, const char *target)
{
	if (s->n_ord == QUEUE_MAX || unit_kind_of(target) != UNIT_KIND_TARGET)
		return;
	snprintf(s->ord[s->n_ord].unit, UNIT_NAME_MAX, "%s", unit);
	snprintf(s->ord[s->n_ord].target, UNIT_NAME_MAX, "%s", target);
	s->n_ord++;
}

/* A target no directory has: built in, or an empty one. */
static void load_target(struct set_state *s, const char *name, struct unit *u)
{
	char text[512], path[UNIT_NAME_MAX + 16];
	const struct builtin *b = NULL;
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (strcmp(builtins[i].name, name) == 0)
			b = &builtins[i];
	int len =
	    snprintf(text, sizeof text, "[Unit]\nDescription=%s (built in)\nWants=%s\nAfter=%s\n",
		     name, b ? b->wants : "", b ? b->after : "");
	snprintf(path, sizeof path, "(built-in)/%s", name);
	unit_load_buffer(path, NULL, text, (size_t)len, s->opts, u, s->d);
}

/* Load the unit file of entry e (name is what was asked: an instance of
 * a template is loaded from the template's file). */
static void load_file(struct set_state *s, const struct unit_entry *e, const char *name,
		      struct unit *u)
{
	const char *paths[UNIT_DROPINS_MAX + 1];
	if (unit_index_path(&s->ix, e, s->dropins[0], sizeof s->dropins[0]) < 0) {
		char text[UNIT_DIAG_LEN];
		snprintf(text, sizeof text, "%s: path of its unit file too long", name);
		unit_set_failed(u, name, text);
		return;
	}
	int n = 1 + unit_index_dropins(&s->ix, name, s->dropins + 1, UNIT_DROPINS_MAX);
	for (int i = 0; i < n; i++)
		paths[i] = s->dropins[i];
	const char *inst = NULL;
	char instance[UNIT_NAME_MAX];
	if (strcmp(e->name, name) != 0) { /* name@inst.service from name@.service */
		const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
		snprintf(instance, sizeof instance, "%.*s", (int)(dot - at - 1), at + 1);
		inst = instance;
	}
	unit_load_files(paths, n, inst, s->opts, u, s->d);
	snprintf(u->name, sizeof u->name, "%s", name);
}

/* Queue what u pulls in. */
static void pull_in(struct set_state *s, const struct unit *u, int boot)
{
	for (int i = 0; i < u->n_wants; i++)
		enqueue(s, u->wants[i], u->name, boot);
	for (int i = 0; i < u->n_requires; i++)
		enqueue(s, u->requires[i], u -> name, boot);
	for (int i = 0; i < u->binds_to.n; i++)
		enqueue(s, u->binds_to.name[i], u->name, boot);
	for (int i = 0; i < u->on_failure.n; i++) /* loaded, started only at the end */
		enqueue(s, u->on_failure.name[i], u->name, 0);
	for (int i = 0; i < u->on_success.n; i++)
		enqueue(s, u->on_success.name[i], u->name, 0);
	if (u->kind == UNIT_KIND_TARGET && u->default_deps) {
		for (int i = 0; i < u->n_wants; i++)
			order_before(s, u->wants[i], u->name);
		for (int i = 0; i < u->n_requires; i++)
			order_before(s, u->requires[i], u -> name);
	}
	for (int req = 0; req < 2; req++) {
		int n = unit_index_links(&s->ix, u->name, req, s->links, LINKS_MAX);
		for (int i = 0; i < n; i++) {
			enqueue(s, s->links[i], u->name, boot);
			if (u->default_deps)
				order_before(s, s->links[i], u->name);
		}
	}
	/* what a socket or timer starts is loaded, not started at boot */
	char svc[UNIT_NAME_MAX];
	const char *act = u->kind == UNIT_KIND_SOCKET  ? u->sock.service
			  : u->kind == UNIT_KIND_TIMER ? u->timer.unit
						       : NULL;
	if (u->kind == UNIT_KIND_SOCKET || u->kind == UNIT_KIND_TIMER) {
		if (!act) {
			snprintf(svc, sizeof svc, "%.*s.service",
				 (int)(strlen(u->name) - strlen(unit_kind_suffix(u->kind))),
				 u->name);
			act = svc;
		}
		enqueue(s, act, u->name, 0);
	}
}

static void take(struct set_state *s, const struct queued *q)
{
	char canon[UNIT_NAME_MAX], tmpl[UNIT_NAME_MAX];
	const struct unit_entry *e = unit_index_resolve(&s->ix, q->name, canon, sizeof canon);
	if (e && e->type == UNIT_ENTRY_MASK) {
		note(s, LOG_INFO, "unit: %s is masked, not loaded", canon);
		return;
	}
	int i = unit_find(s->table, s->n, canon);
	if (i >= 0) {
		s->table[i].in_target |= q->boot && !q->from[0];
		if (q->boot && !s->table[i].boot) {
			s->table[i].boot = 1;
			pull_in(s, &s->table[i], 1);
		}
		return;
	}
	if (!e && unit_template_of(canon, tmpl, sizeof tmpl) == 0) {
		e = unit_index_find(&s->ix, tmpl);
		if (e && e->type != UNIT_ENTRY_FILE)
			e = NULL;
	}
	int kind = unit_kind_of(canon);
	if (!e && kind != UNIT_KIND_TARGET) {
		if (q->from[0])
			note(s, LOG_WARNING,
			     "unit: %s (wanted by %s) is not found in the unit "
			     "directories, ignored",
			     canon, q->from);
		else
			note(s, LOG_ERR,
			     "unit: %s is enabled but not found in the unit directories", canon);
		return;
	}
	if (s->n == s->max) {
		note(s, LOG_ERR, "units: more than %d units, %s not loaded", s->max, canon);
		return;
	}
	struct unit *u = &s->table[s->n++];
	if (e)
		load_file(s, e, canon, u);
	else
		load_target(s, canon, u);
	u->boot = q->boot;
	u->in_target = q->boot && !q->from[0];
	if (u->load_state == UNIT_LOADED)
		pull_in(s, u, q->boot);
}

static int add_name(struct unit *u, const char **list, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(list[i], name) == 0)
			return 0;
	if (*n >= UNIT_DEPS_MAX)
		return -1;
	const char *copy = unit_arena_strdup(u, name, strlen(name));
	if (!copy)
		return -1;
	list[(*n)++] = copy;
	return 0;
}

static int lists_name(const char *const *list, int n, const char *name);

/* DefaultDependencies=, sockets before their services, the collected
 * "before target" pairs, BindsTo=/Requisite= as Requires=. */
static void add_implied(struct set_state *s)
{
	for (int i = 0; i < s->n_ord; i++) {
		int k = unit_find(s->table, s->n, s->ord[i].unit);
		if (k < 0 || s->table[k].load_state != UNIT_LOADED || !s->table[k].default_deps)
			continue;
		/* as systemd: no implied order against one already written the
		 * other way (nfs-client.target wants remote-fs-pre.target and
		 * is Before= it): that would be a cycle */
		int t = unit_find(s->table, s->n, s->ord[i].target);
		if (lists_name(s->table[k].after, s->table[k].n_after, s->ord[i].target) ||
		    (t >= 0 &&
		     lists_name(s->table[t].before, s->table[t].n_before, s->ord[i].unit)))
			continue;
		add_name(&s->table[k], s->table[k].before, &s->table[k].n_before, s->ord[i].target);
	}
	for (int k = 0; k < s->n; k++) {
		struct unit *u = &s->table[k];
		if (u->load_state != UNIT_LOADED)
			continue;
		if (u->default_deps && u->kind != UNIT_KIND_TARGET) {
			add_name(u, u->after, &u->n_after, "sysinit.target");
			if (u->kind == UNIT_KIND_SERVICE)
				add_name(u, u->after, &u->n_after, "basic.target");
			else
				add_name(u, u->before, &u->n_before,
					 u->kind == UNIT_KIND_SOCKET ? "sockets.target"
								     : "timers.target");
		}
		if (u->kind == UNIT_KIND_SOCKET) {
			char svc[UNIT_NAME_MAX];
			snprintf(svc, sizeof svc, "%.*s.service",
				 (int)(strlen(u->name) - strlen(".socket")), u->name);
			add_name(u, u->before, &u->n_before,
				 u->sock.service ? u->sock.service : svc);
		}
		for (int j = 0; j < u->binds_to.n; j++)
			add_name(u, u->requires, &u->n_requires, u->binds_to.name[j]);
		for (int j = 0; j < u->requisite.n; j++)
			add_name(u, u->requires, &u->n_requires, u->requisite.name[j]);
	}
}

/* Two boot units in conflict: the later one is not started at boot. */
static void settle_conflicts(struct set_state *s)
{
	for (int k = 0; k < s->n; k++) {
		const struct unit *u = &s->table[k];
		for (int j = 0; u->boot && j < u->conflicts.n; j++) {
			int o = unit_find(s->table, s->n, u->conflicts.name[j]);
			if (o < 0 || o == k || !s->table[o].boot ||
			    s->table[o].kind == UNIT_KIND_TARGET)
				continue;
			struct unit *later = &s->table[o > k ? o : k];
			note(s, LOG_WARNING,
			     "unit: %s conflicts with %s: both would start at boot; "
			     "%s does not",
			     u->name, s->table[o].name, later->name);
			later->boot = 0;
		}
	}
}

static int lists_name(const char *const *list, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

/* Keep a target only when some unit is ordered before it, directly or
 * through another kept target: an empty target orders nothing. */
static void drop_empty_targets(struct set_state *s)
{
	int keep[UNITS_MAX] = {0};
	for (int round = 0, changed = 1; changed && round < s->n; round++) {
		changed = 0;
		for (int t = 0; t < s->n; t++) {
			const struct unit *tu = &s->table[t];
			if (tu->kind != UNIT_KIND_TARGET || keep[t])
				continue;
			for (int k = 0; k < s->n && !keep[t]; k++) {
				const struct unit *u = &s->table[k];
				if (k == t || (u->kind == UNIT_KIND_TARGET && !keep[k]))
					continue;
				keep[t] = lists_name(u->before, u->n_before, tu->name) ||
					  lists_name(tu->after, tu->n_after, u->name);
			}
			changed |= keep[t];
		}
	}
	int n = 0;
	for (int k = 0; k < s->n; k++) {
		if (s->table[k].kind == UNIT_KIND_TARGET && !keep[k])
			continue;
		if (n != k)
			unit_copy(&s->table[n], &s->table[k]);
		n++;
	}
	s->n = n;
}

/* The name a unit is loaded under, for a name that may be an alias: a
 * symlink of the directories or an Alias= of a loaded unit. */
static const char *canonical(struct set_state *s, const char *name, char *buf, size_t cap)
{
	const struct unit_entry *e = unit_index_resolve(&s->ix, name, buf, cap);
	if (e && strcmp(buf, name) != 0)
		return buf;
	for (int k = 0; k < s->n; k++)
		if (lists_name(s->table[k].alias.name, s->table[k].alias.n, name))
			return s->table[k].name;
	return name;
}

static void resolve_list(struct set_state *s, struct unit *u, const char **list, int n)
{
	char buf[UNIT_NAME_MAX];
	for (int i = 0; i < n; i++) {
		const char *c = canonical(s, list[i], buf, sizeof buf);
		if (c != list[i]) {
			const char *copy = unit_arena_strdup(u, c, strlen(c));
			if (copy)
				list[i] = copy;
		}
	}
}

static void resolve_aliases(struct set_state *s)
{
	for (int k = 0; k < s->n; k++) {
		struct unit *u = &s->table[k];
		if (u->load_state != UNIT_LOADED)
			continue;
		resolve_list(s, u, u->after, u->n_after);
		resolve_list(s, u, u->before, u->n_before);
		resolve_list(s, u, u->requires, u->n_requires);
		resolve_list(s, u, u->wants, u->n_wants);
	}
}

/* `enable =`: each starts at boot, with its Also=, ordered before the
 * targets its WantedBy=/RequiredBy= name. */
static void apply_enable(struct set_state *s)
{
	for (int k = 0; k < s->n; k++) {
		const struct unit *u = &s->table[k];
		int enabled = 0;
		for (int i = 0; i < s->c->n_enable && !enabled; i++) {
			char want[UNIT_NAME_MAX];
			const char *e = s->c->enable[i];
			snprintf(want, sizeof want, "%s%s", e,
				 unit_kind_of(e) < 0 ? ".service" : "");
			enabled = strcmp(want, u->name) == 0;
		}
		if (!enabled || u->load_state != UNIT_LOADED)
			continue;
		for (int i = 0; i < u->wanted_by.n; i++)
			order_before(s, u->name, u->wanted_by.name[i]);
		for (int i = 0; i < u->required_by.n; i++)
			order_before(s, u->name, u->required_by.name[i]);
	}
}

/* Mark the unit of name (or of the alias name) enabled into the target. */
static int mark(struct set_state *s, const char *name)
{
	char buf[UNIT_NAME_MAX];
	int k = unit_find(s->table, s->n, canonical(s, name, buf, sizeof buf));
	if (k < 0 || s->table[k].in_target || !s->table[k].boot)
		return 0;
	s->table[k].in_target = 1;
	return 1;
}

static int mark_list(struct set_state *s, const char *const *names, int n)
{
	int changed = 0;
	for (int i = 0; i < n; i++)
		changed |= mark(s, names[i]);
	return changed;
}

/*
 * What is enabled into the node's target decides its readiness: the seeds
 * (the target, `units.enable`, the legacy directory, the instances) and
 * what a target among them wants or requires, through targets only (a
 * unit that a service merely wants does not decide; one it requires fails
 * it anyway).
 */
static void mark_in_target(struct set_state *s)
{
	for (int changed = 1, round = 0; changed && round < s->n; round++) {
		changed = 0;
		for (int k = 0; k < s->n; k++) {
			const struct unit *u = &s->table[k];
			if (!u->in_target || u->kind != UNIT_KIND_TARGET ||
			    u->load_state != UNIT_LOADED)
				continue;
			changed |= mark_list(s, u->wants, u->n_wants);
			changed |= mark_list(s, u->requires, u->n_requires);
			changed |= mark_list(s, u->binds_to.name, u->binds_to.n);
			for (int req = 0; req < 2; req++) {
				int n = unit_index_links(&s->ix, u->name, req, s->links, LINKS_MAX);
				for (int i = 0; i < n; i++)
					changed |= mark(s, s->links[i]);
			}
		}
	}
}

static void run_queue(struct set_state *s)
{
	while (s->qhead < s->qtail) {
		struct queued q = s->q[s->qhead++];
		take(s, &q);
	}
}

int unit_set_load(const struct unit_set_conf *c, const struct unit_opts *opts, struct unit *table,
		  int max, struct unit_diag *d)
{
	struct set_state *s =
	    mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -ENOMEM;
	s->c = c;
	s->opts = opts;
	s->d = d;
	s->table = table;
	s->max = max;
	/* the legacy directory first: it is the admin's, as it always was */
	const char *dirs[UNIT_SET_DIRS_MAX];
	int nd = 0, legacy = -1;
	if (c->legacy_dir)
		dirs[legacy = nd++] = c->legacy_dir;
	for (int i = 0; i < c->n_dirs && nd < UNIT_SET_DIRS_MAX; i++)
		dirs[nd++] = c->dirs[i];
	unit_index_scan(&s->ix, dirs, nd, opts, d);

	enqueue(s, c->target ? c->target : UNIT_DEFAULT_TARGET, NULL, 1);
	for (int i = 0; i < s->ix.n; i++) {
		const struct unit_entry *e = &s->ix.e[i];
		if (e->dir == legacy && e->type == UNIT_ENTRY_FILE && !strchr(e->name, '@') &&
		    unit_kind_of(e->name) == UNIT_KIND_SERVICE)
			enqueue(s, e->name, NULL, 1);
	}
	for (int i = 0; i < c->n_instances; i++)
		enqueue(s, c->instances[i], NULL, 1);
	for (int i = 0; i < c->n_enable; i++)
		enqueue(s, c->enable[i], NULL, 1);
	run_queue(s);
	for (int k = 0; k < s->n; k++) /* Also= of the enabled units */
		for (int i = 0; i < c->n_enable; i++)
			if (unit_find(s->table, s->n, c->enable[i]) == k)
				for (int j = 0; j < s->table[k].also.n; j++)
					enqueue(s, s->table[k].also.name[j], s->table[k].name, 1);
	run_queue(s);
	apply_enable(s);
	mark_in_target(s);
	resolve_aliases(s);
	add_implied(s);
	settle_conflicts(s);
	drop_empty_targets(s);
	int n = s->n;
	munmap(s, sizeof *s);
	return n;
}
