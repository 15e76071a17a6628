/*
 * Timer units at run time (svc_kinds.h): each armed .timer has one entry
 * in the event loop's timer list (one timerfd for every deadline of PID
 * 1), set to its next due time; when it fires, its service starts (unless
 * it runs already) and the next due time is computed. Calendar times are
 * wall-clock: the wait is capped at an hour and recomputed, so a clock
 * stepped by NTP after boot is caught up with within the hour.
 */
#include "supervise/svc_kinds_int.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "node/reexec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define TIMER_UNITS_MAX	    32
#define CALENDAR_RECHECK_MS 3600000u
#define NEVER		    UINT64_MAX

static struct armed_timer {
	const struct unit *u;
	char service[UNIT_NAME_MAX];
	struct timer t;
	uint64_t armed_ms;	    /* monotonic: when the timer started */
	uint64_t unit_active_ms;    /* the service last started (0: never) */
	uint64_t unit_inactive_ms;  /* the service last ended (0: never) */
	int boot_done, active_done; /* the one-shot monotonic triggers fired */
	uint64_t next_ms;	    /* monotonic due time, NEVER: none */
	uint64_t jitter_ms;
} timers[TIMER_UNITS_MAX] PAGE_ALIGNED;
static int n_timers;

static uint64_t random_below(uint64_t n)
{
	uint64_t r = 0;
	if (n == 0)
		return 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
		r = now_ms() * 2654435761u;
	return r % n;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The next monotonic due time of t (NEVER when nothing is due). */
static uint64_t next_due(struct armed_timer *a, uint64_t now)
{
	const struct unit_timer *t = &a->u->timer;
	uint64_t due = NEVER;
	if (t->on_boot_ms != NEVER && !a->boot_done) {
		uint64_t since_boot = boottime_ms();
		due = min_u64(due,
			      now + (t->on_boot_ms > since_boot ? t->on_boot_ms - since_boot : 0));
	}
	if (t->on_active_ms != NEVER && !a->active_done)
		due = min_u64(due, a->armed_ms + t->on_active_ms);
	if (t->on_unit_active_ms != NEVER && a->unit_active_ms)
		due = min_u64(due, a->unit_active_ms + t->on_unit_active_ms);
	if (t->on_unit_inactive_ms != NEVER && a->unit_inactive_ms)
		due = min_u64(due, a->unit_inactive_ms + t->on_unit_inactive_ms);
	time_t wall = time(NULL);
	for (int i = 0; i < t->n_calendar; i++) {
		time_t next = calendar_next(&t->calendar[i], wall);
		if (next > wall)
			due = min_u64(due, now + (uint64_t)(next - wall) * 1000);
	}
	return due;
}

static void fire(void *ctx);

static void rearm(struct armed_timer *a)
{
	uint64_t now = now_ms();
	a->next_ms = next_due(a, now);
	timer_cancel(&a->t);
	if (a->next_ms == NEVER)
		return;
	uint64_t delay = (a->next_ms > now ? a->next_ms - now : 0) + a->jitter_ms;
	if (a->u->timer.n_calendar && delay > CALENDAR_RECHECK_MS)
		delay = CALENDAR_RECHECK_MS; /* recomputed then: the wall clock may have moved */
	timer_arm(&a->t, delay, fire, a);
}

static void fire(void *ctx)
{
	struct armed_timer *a = ctx;
	uint64_t now = now_ms();
	if (a->next_ms == NEVER || a->next_ms > now) { /* a calendar recheck, not due */
		rearm(a);
		return;
	}
	const struct unit_timer *t = &a->u->timer;
	if (t->on_boot_ms != NEVER && boottime_ms() >= t->on_boot_ms)
		a->boot_done = 1;
	if (t->on_active_ms != NEVER && now >= a->armed_ms + t->on_active_ms)
		a->active_done = 1;
	if (a->unit_inactive_ms && t->on_unit_inactive_ms != NEVER &&
	    now >= a->unit_inactive_ms + t->on_unit_inactive_ms)
		a->unit_inactive_ms = 0; /* counts again from its next end */
	if (a->unit_active_ms && t->on_unit_active_ms != NEVER &&
	    now >= a->unit_active_ms + t->on_unit_active_ms)
		a->unit_active_ms = 0; /* counts again from its next start */
	log_info("timer %s: due, starting %s", a->u->name, a->service);
	a->jitter_ms = random_below(t->random_delay_ms);
	svc_kind_ops->activate(a->service, a->u->name);
	rearm(a);
}

int svc_timer_start(const struct unit *u, char *why, size_t cap)
{
	struct armed_timer *a = NULL;
	for (int i = 0; i < n_timers && !a; i++)
		if (timers[i].u == u)
			a = &timers[i];
	if (!a) {
		if (n_timers == TIMER_UNITS_MAX) {
			snprintf(why, cap, "more than %d timer units", TIMER_UNITS_MAX);
			return -ENOSPC;
		}
		a = &timers[n_timers++];
		memset(a, 0, sizeof *a);
		a->u = u;
		svc_kind_service_name(u, a->service, sizeof a->service);
	}
	a->armed_ms = now_ms();
	a->boot_done = a->active_done = 0;
	if (reexec_restoring()) {
		/* the state of the timers does not come along a live re-exec: what
		 * was due before it counts as fired, and the service as if it just
		 * ran (its OnUnitActiveSec= cycle goes on, it does not run twice) */
		a->boot_done = boottime_ms() >= u->timer.on_boot_ms;
		a->active_done = 1;
		a->unit_active_ms = a->unit_inactive_ms = a->armed_ms;
	}
	a->jitter_ms = random_below(u->timer.random_delay_ms);
	rearm(a);
	return 0;
}

void svc_timer_service_state(const struct unit *service, int running, uint64_t started_ms)
{
	for (int i = 0; i < n_timers; i++) {
		struct armed_timer *a = &timers[i];
		if (strcmp(a->service, service->name) != 0)
			continue;
		if (running || started_ms)
			a->unit_active_ms = started_ms ? started_ms : now_ms();
		if (!running)
			a->unit_inactive_ms = now_ms();
		rearm(a);
	}
}

const struct unit *svc_timer_at(int i, char *text, size_t cap, uint64_t *next_ms)
{
	if (i < 0 || i >= n_timers)
		return NULL;
	const struct armed_timer *a = &timers[i];
	snprintf(text, cap, "%s", a->service);
	*next_ms = a->next_ms == NEVER ? 0 : a->next_ms + a->jitter_ms;
	return a->u;
}
