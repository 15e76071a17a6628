/*
 * daemon-reload (svc_reload.h). Slots never move: a service's record
 * holds timers linked into the event loop and its log pipe, and sockets
 * and timers point at their unit, so an added unit takes a free slot (or
 * one past the end), a removed one empties its slot once it is at rest,
 * and a changed one is copied into its slot when it is not running, else
 * kept aside (one mapping per unit) until its next start. A unit keeps
 * the boot flag it had: the boot has happened, a newly enabled unit that
 * was loaded already is not started by a reload. svc_count and svc_at
 * live here too: they skip the slots a reload emptied.
 */
#include "supervise/svc_reload.h"
#include "supervise/supervise_int.h"
#include "supervise/svc_units.h"
#include "lib/log.h"
#include "units/unit_set_diff.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static struct unit *pending[UNITS_MAX];	 /* the next start's definition */
static unsigned char leaving[UNITS_MAX]; /* removed: empty the slot at rest */
static unsigned char gone[UNITS_MAX];	 /* a removed socket or timer, kept stopped */

/* A slot that daemon-reload emptied has no name: the accessors skip it. */
int svc_count(void)
{
	int n = 0;
	for (int i = 0; i < svc_n; i++)
		n += svc_units[i].name[0] != '\0';
	return n;
}

struct svc *svc_at(int i)
{
	for (int k = 0; k < svc_n && i >= 0; k++)
		if (svc_units[k].name[0] && i-- == 0)
			return &svc_table[k];
	return NULL;
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void drop_pending(int i)
{
	if (pending[i])
		munmap(pending[i], sizeof *pending[i]);
	pending[i] = NULL;
}

static int at_rest(const struct svc *s)
{
	return s->state == SVC_INACTIVE || s->state == SVC_FAILED || s->state == SVC_STOPPED ||
	       s->state == SVC_SKIPPED;
}

/* A socket keeps its fds, a timer its entry, for the node's life: their
 * slot stays theirs (stopped) once they are removed. */
static int keeps_slot(const struct unit *u)
{
	return u->kind == UNIT_KIND_SOCKET || u->kind == UNIT_KIND_TIMER;
}

/* Copy src into slot i, keeping the boot flag of what runs there. */
static void put(int i, const struct unit *src)
{
	int boot = svc_units[i].boot;
	unit_copy(&svc_units[i], src);
	svc_units[i].boot = boot;
}

void svc_reload_before_start(struct svc *s)
{
	int i = (int)(s - svc_table);
	if (!pending[i] || keeps_slot(s->u))
		return; /* a socket or timer: at the next boot */
	put(i, pending[i]);
	drop_pending(i);
	log_info("service %s: starts with its reloaded unit file", s->u->name);
	depgraph_build(&svc_graph, svc_units, svc_n);
}

static void empty_slot(int i)
{
	struct svc *s = &svc_table[i];
	log_info("unit %s: removed by daemon-reload, leaves the table", s->u->name);
	timer_cancel(&s->start_timer);
	timer_cancel(&s->stop_timer);
	timer_cancel(&s->restart_timer);
	timer_cancel(&s->watchdog_timer);
	timer_cancel(&s->pidfile_timer);
	svclog_close(&s->log);
	unit_reset(&svc_units[i]); /* no name, no relations: the accessors skip it */
	s->state = SVC_STOPPED;
	s->admin_stop = s->settled = 1;
	leaving[i] = 0;
	depgraph_build(&svc_graph, svc_units, svc_n);
}

void svc_reload_at_rest(struct svc *s)
{
	int i = (int)(s - svc_table);
	if (leaving[i] && at_rest(s))
		empty_slot(i);
}

/* names space-separated into out, bounded */
static void add_name(char *out, const char *name)
{
	size_t len = strlen(out);
	if (len + strlen(name) + 2 < SVC_RELOAD_NAMES)
		snprintf(out + len, SVC_RELOAD_NAMES - len, "%s%s", len ? " " : "", name);
}

/* A slot for an added unit: its own old one (a removed socket or timer
 * of that name), a free one, or one past the end; -1 when full. */
static int slot_for(const char *name)
{
	for (int i = 0; i < svc_n; i++)
		if (gone[i] && strcmp(svc_units[i].name, name) == 0)
			return i;
	for (int i = 0; i < svc_n; i++)
		if (!svc_units[i].name[0] && !leaving[i])
			return i;
	return svc_n < UNITS_MAX ? svc_n : -1;
}

/* Refuse a set whose added or changed units fail to load: file:line each. */
static int check_loads(const struct unit *fresh, const struct unit_set_diff *d, char *err,
		       size_t cap)
{
	size_t len = 0;
	int bad = 0;
	for (int pass = 0; pass < 2; pass++) {
		const int *idx = pass ? d->changed : d->added;
		int n = pass ? d->n_changed : d->n_added;
		for (int k = 0; k < n; k++) {
			const struct unit *u = &fresh[idx[k]];
			if (u->load_state == UNIT_LOADED)
				continue;
			bad++;
			if (len < cap)
				len += (size_t)snprintf(err + len, cap - len, "%s%s",
							len ? "; " : "", u->load_error);
		}
	}
	return bad;
}

/* Keep src for slot i's next start; 0, or -ENOMEM (said). */
static int keep_pending(int i, const struct unit *src)
{
	drop_pending(i);
	pending[i] = map(sizeof *pending[i]);
	if (!pending[i]) {
		log_err("daemon-reload: %s: out of memory, its new unit file is not taken",
			src->name);
		return -ENOMEM;
	}
	unit_copy(pending[i], src);
	return 0;
}

/* A socket or timer back under its old name: its slot and its open fds
 * or timer, started again when the target wants it; a new definition
 * waits for the next boot, as for a changed one. */
static void revive(int i, const struct unit *src, int start_added)
{
	gone[i] = 0;
	if (svc_units[i].digest != src->digest)
		keep_pending(i, src);
	if (start_added && svc_units[i].boot) {
		svc_table[i].admin_stop = 0;
		svc_table[i].state = SVC_INACTIVE;
	}
}

static void add_unit(const struct unit *src, int start_added, struct svc_reload_report *r)
{
	int i = slot_for(src->name);
	if (i < 0) {
		log_err("daemon-reload: more than %d units, %s not added", UNITS_MAX, src->name);
		return;
	}
	if (gone[i]) {
		revive(i, src, start_added);
	} else {
		unit_copy(&svc_units[i], src);
		if (!start_added)
			svc_units[i].boot = 0;
		if (i == svc_n)
			svc_n++;
		svc_slot_init(i);
	}
	if (unit_set_builtin(src))
		return; /* needed now that a unit orders against it: no news */
	r->n_added++;
	add_name(r->added, src->name);
}

/* A socket's fds and a timer's entry, once started, stay as they were
 * opened: their new definition waits for the next boot (or re-exec). */
static int applies_later(const struct svc *s)
{
	return keeps_slot(s->u) ? s->state != SVC_INACTIVE : !at_rest(s);
}

static void change_unit(int i, const struct unit *src, struct svc_reload_report *r)
{
	r->n_changed++;
	add_name(r->changed, src->name);
	drop_pending(i);
	if (!applies_later(&svc_table[i])) {
		put(i, src);
		return;
	}
	if (keep_pending(i, src) == 0 && !keeps_slot(src)) {
		r->n_pending++;
		add_name(r->pending, src->name);
	}
}

static void remove_unit(int i, struct svc_reload_report *r)
{
	struct svc *s = &svc_table[i];
	r->n_removed++;
	add_name(r->removed, s->u->name);
	drop_pending(i);
	if (keeps_slot(s->u))
		gone[i] = 1;
	else
		leaving[i] = 1;
	if (at_rest(s)) {
		s->admin_stop = 1;
		if (leaving[i])
			empty_slot(i);
		return;
	}
	log_info("unit %s: its file is gone or masked: stopping it", s->u->name);
	svc_admin_stop(s);
}

/* Copy the unchanged units too: what the set implies (relations from
 * enablement, aliases) may have changed though their files did not. */
static void refresh_unchanged(const struct unit *fresh, int n_fresh)
{
	for (int k = 0; k < n_fresh; k++) {
		int i = unit_find(svc_units, svc_n, fresh[k].name);
		if (i >= 0 && !pending[i] && !gone[i] && svc_units[i].digest == fresh[k].digest)
			put(i, &fresh[k]);
	}
}

/* Changed, and not as it waits for its next start already. */
static int still_changed(int i, const struct unit *src)
{
	return !pending[i] || pending[i]->digest != src->digest ||
	       pending[i]->load_state != src->load_state;
}

static void apply(const struct unit *fresh, int n_fresh, const struct unit_set_diff *d,
		  int start_added, struct svc_reload_report *r)
{
	for (int k = 0; k < d->n_changed; k++) {
		const struct unit *src = &fresh[d->changed[k]];
		int i = unit_find(svc_units, svc_n, src->name);
		if (still_changed(i, src))
			change_unit(i, src, r);
	}
	refresh_unchanged(fresh, n_fresh);
	for (int k = 0; k < d->n_removed; k++)
		remove_unit(d->removed[k], r);
	for (int k = 0; k < d->n_added; k++)
		add_unit(&fresh[d->added[k]], start_added, r);
	depgraph_build(&svc_graph, svc_units, svc_n);
}

int svc_reload_units(int start_added, struct svc_reload_report *r, char *err, size_t cap)
{
	memset(r, 0, sizeof *r);
	if (!svc_services_began()) { /* a start now would come before the boot's phases */
		snprintf(err, cap, "the boot has not reached StartServices yet; try once it has");
		return -EBUSY;
	}
	size_t len = sizeof(struct unit) * UNITS_MAX;
	struct unit *fresh = map(len);
	struct unit_set_diff *d = map(sizeof *d);
	int rc = 0;
	if (!fresh || !d) {
		snprintf(err, cap, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	struct unit_diag diag = {0};
	int n = svc_units_reload(fresh, UNITS_MAX, &diag);
	/* a socket or timer that was removed is no unit of the running set */
	unsigned char skip[UNITS_MAX];
	memcpy(skip, gone, sizeof skip);
	if (unit_set_diff(svc_units_conf(), svc_units, svc_n, skip, fresh, n, d) < 0) {
		snprintf(err, cap, "out of memory");
		rc = -ENOMEM;
	} else if (check_loads(fresh, d, err, cap)) {
		rc = -EINVAL;
	} else {
		apply(fresh, n, d, start_added, r);
		log_info("daemon-reload: %d added, %d changed (%d at their next start), %d removed",
			 r->n_added, r->n_changed, r->n_pending, r->n_removed);
		svc_start_ready(); /* the added units the boot would start */
	}
out:
	if (fresh)
		munmap(fresh, len);
	if (d)
		munmap(d, sizeof *d);
	return rc;
}
