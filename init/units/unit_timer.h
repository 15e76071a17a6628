/*
 * What a .timer unit says ([Timer]): when to start its service. The data
 * only; the keys are read by timer_unit.c, calendar expressions by
 * calendar.c, and the timers run by supervise/svc_timer.c. See
 * docs/units.md, "Timers".
 */
#ifndef PACT_TIMER_UNIT_H
#define PACT_TIMER_UNIT_H

#include <stdint.h>

#include "units/calendar.h"

#define TIMER_CALENDAR_MAX 4 /* OnCalendar= entries of one .timer */

struct unit_timer {
	/* monotonic triggers in ms; UINT64_MAX: not set */
	uint64_t on_boot_ms;	      /* OnBootSec=, OnStartupSec= (since the kernel started) */
	uint64_t on_active_ms;	      /* OnActiveSec= (since the timer started) */
	uint64_t on_unit_active_ms;   /* OnUnitActiveSec= (since the service last started) */
	uint64_t on_unit_inactive_ms; /* OnUnitInactiveSec= (since it last stopped) */
	struct calendar_spec calendar[TIMER_CALENDAR_MAX];
	int n_calendar;
	uint64_t random_delay_ms; /* RandomizedDelaySec= */
	const char *unit;	  /* Unit= (NULL: the .timer's own name) */
};

#endif
