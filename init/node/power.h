/*
 * Shutdown: the one way out of a running node. Requested by a signal, by
 * pactctl, or by the console program's exit; carried out step by step from
 * the event loop, every step bounded in time.
 */
#ifndef PACT_POWER_H
#define PACT_POWER_H

enum power_action {
	POWER_NONE = 0,
	POWER_OFF,
	POWER_REBOOT,
	POWER_HALT,
};

#define POWER_MAX_OBSERVERS 4

const char *power_action_name(enum power_action a);
/* Start shutting down (a second request only logs). */
void power_request(enum power_action a, const char *why);
enum power_action power_pending(void);

/* Hear that shutdown has begun (the node is no longer ready, nothing
 * respawns): fn runs once, at the request, before the stop hooks. 0, or
 * -ENOSPC. */
int power_subscribe(void (*fn)(void));

/* The stop hooks run first, one after the other in the order given (main.c:
 * the reverse of start-up): each stops what its subsystem started, calling
 * done() when finished (it may call it at once). The whole stage is
 * bounded by the shutdown grace time. fns must stay valid (a static table). */
typedef void (*power_stop_fn)(void (*done)(void));
void power_set_stop_order(const power_stop_fn *fns, int n);

#endif
