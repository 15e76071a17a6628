/*
 * The [Timer] keys of a .timer unit (unit_timer.h). Persistent= is read
 * and ignored: a stateless node has no record of the last run, so a
 * missed run is not caught up (docs/units.md, "Timers"). AccuracySec= is
 * ignored too: pact-init fires at the due time, it does not batch wakeups.
 */
#include "units/unit_sections.h"
#include "units/unit_spec.h"

#include <stdio.h>
#include <string.h>

static int set_span(struct parser *p, const char *key, const char *v, uint64_t *dst)
{
	uint64_t ms;
	if (!*v) {
		*dst = UINT64_MAX;
		return 0;
	}
	if (unit_parse_timespan_ms(v, &ms) < 0 || ms == UNIT_INFINITY) {
		unit_perr(p, "%s=%s: not a finite time span (e.g. 15min, 1h, 0)", key, v);
		return -1;
	}
	*dst = ms;
	return 0;
}

static int add_calendar(struct parser *p, const char *v)
{
	struct unit_timer *t = &p->u->timer;
	char err[160];
	if (!*v) {
		t->n_calendar = 0;
		return 0;
	}
	if (t->n_calendar >= TIMER_CALENDAR_MAX) {
		unit_perr(p, "more than %d OnCalendar= entries", TIMER_CALENDAR_MAX);
		return -1;
	}
	if (calendar_parse(v, &t->calendar[t->n_calendar], err, sizeof err) < 0) {
		unit_perr(p, "OnCalendar=%s: %s", v, err);
		return -1;
	}
	t->n_calendar++;
	return 0;
}

int timer_keys_assign(struct parser *p, const char *key, const char *v)
{
	struct unit_timer *t = &p->u->timer;
	if (streq(key, "OnBootSec") || streq(key, "OnStartupSec"))
		set_span(p, key, v, &t->on_boot_ms);
	else if (streq(key, "OnActiveSec"))
		set_span(p, key, v, &t->on_active_ms);
	else if (streq(key, "OnUnitActiveSec"))
		set_span(p, key, v, &t->on_unit_active_ms);
	else if (streq(key, "OnUnitInactiveSec"))
		set_span(p, key, v, &t->on_unit_inactive_ms);
	else if (streq(key, "RandomizedDelaySec")) {
		uint64_t ms = UINT64_MAX;
		set_span(p, key, v, &ms);
		t->random_delay_ms = ms == UINT64_MAX ? 0 : ms;
	} else if (streq(key, "OnCalendar"))
		add_calendar(p, v);
	else if (streq(key, "Unit")) {
		char val[UNIT_LINE_MAX];
		if (!*v)
			t->unit = NULL;
		else if (unit_spec_expand(p, v, val, sizeof val) == 0) {
			if (!unit_name_valid(val) || unit_kind_of(val) != UNIT_KIND_SERVICE)
				unit_perr(p, "Unit=%s: not a service unit name", val);
			else
				t->unit = unit_arena_dup(p, val);
		}
	} else if (streq(key, "Persistent") || streq(key, "AccuracySec") ||
		   streq(key, "WakeSystem") || streq(key, "RemainAfterElapse") ||
		   streq(key, "FixedRandomDelay") || streq(key, "OnClockChange") ||
		   streq(key, "OnTimezoneChange"))
		return 1; /* docs/units.md: read and ignored */
	else
		return 0;
	return 1;
}

void timer_finish(struct parser *p)
{
	const struct unit_timer *t = &p->u->timer;
	if (p->failed)
		return;
	if (t->on_boot_ms == UINT64_MAX && t->on_active_ms == UINT64_MAX &&
	    t->on_unit_active_ms == UINT64_MAX && t->on_unit_inactive_ms == UINT64_MAX &&
	    !t->n_calendar)
		unit_pwarn(p, "no On*= trigger: the timer never fires");
}
