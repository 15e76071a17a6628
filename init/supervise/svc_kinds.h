/*
 * The units the supervisor runs that are not services: targets (ready as
 * soon as their dependencies allow), sockets (PID 1 listens and hands the
 * fds to the service by sd_listen_fds, starting it on the first
 * connection when the boot did not) and timers (start their service when
 * due). svc_kinds.c dispatches, svc_socket.c and svc_timer.c do the work.
 * The supervisor's records stay opaque here: it passes callbacks.
 */
#ifndef PACT_SVC_KINDS_H
#define PACT_SVC_KINDS_H

#include "units/unit.h"

#include <stddef.h>
#include <stdint.h>

struct svc;

struct svc_kind_ops {
	void (*ready)(struct svc *s, const char *how);	       /* the unit is up */
	void (*failed)(struct svc *s, const char *why);	       /* it cannot be */
	void (*activate)(const char *service, const char *by); /* start it if it is not */
};

void svc_kinds_init(const struct svc_kind_ops *ops);

/* Start u (not a service; s is the supervisor's record of it). */
int svc_kind_start(struct svc *s, const struct unit *u);

/* A service is up (running = 1, started at started_ms) or ended (0):
 * its sockets go quiet or are watched again, its timers count from it. */
void svc_kinds_service_state(const struct unit *service, int running, uint64_t started_ms);

/*
 * The listening fds of the sockets whose service is `service`, into fds
 * (at most max), and their names, colon-separated, into names (for
 * LISTEN_FDNAMES). Returns the count.
 */
int svc_socket_fds(const struct unit *service, int *fds, int max, char *names, size_t cap);

/* For pactctl list-sockets / list-timers: the i-th socket or timer unit
 * (NULL past the end), and what it says in one line. */
const struct unit *svc_socket_at(int i, char *text, size_t cap);
const struct unit *svc_timer_at(int i, char *text, size_t cap, uint64_t *next_ms);

#endif
