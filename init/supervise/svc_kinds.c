/*
 * Starting the units that have no process (svc_kinds.h): a target is
 * ready at once (the dependency graph already held it back until what it
 * orders after was done), a socket once it listens, a timer once armed.
 */
#include "supervise/svc_kinds_int.h"

#include <stdio.h>
#include <string.h>

const struct svc_kind_ops *svc_kind_ops;

void svc_kinds_init(const struct svc_kind_ops *ops)
{
	svc_kind_ops = ops;
}

void svc_kind_service_name(const struct unit *u, char *out, size_t cap)
{
	const char *named = u->kind == UNIT_KIND_SOCKET ? u->sock.service : u->timer.unit;
	if (named) {
		snprintf(out, cap, "%s", named);
		return;
	}
	size_t stem = strlen(u->name) - strlen(unit_kind_suffix(u->kind));
	snprintf(out, cap, "%.*s.service", (int)stem, u->name);
}

int svc_kind_start(struct svc *s, const struct unit *u)
{
	char why[256] = "";
	int r = 0;
	if (u->kind == UNIT_KIND_SOCKET)
		r = svc_socket_open(u, why, sizeof why);
	else if (u->kind == UNIT_KIND_TIMER)
		r = svc_timer_start(u, why, sizeof why);
	if (r < 0) {
		svc_kind_ops->failed(s, why);
		return r;
	}
	svc_kind_ops->ready(s, u->kind == UNIT_KIND_SOCKET  ? "listening"
			       : u->kind == UNIT_KIND_TIMER ? "armed"
							    : "reached");
	return 0;
}

void svc_kinds_service_state(const struct unit *service, int running, uint64_t started_ms)
{
	svc_socket_service_state(service, running);
	svc_timer_service_state(service, running, started_ms);
}
