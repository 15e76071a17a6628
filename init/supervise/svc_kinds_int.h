/* svc_kinds' own declarations for its satellites svc_socket.c and svc_timer.c. */
#ifndef PACT_SVC_KINDS_INT_H
#define PACT_SVC_KINDS_INT_H

#include "supervise/svc_kinds.h"

extern const struct svc_kind_ops *svc_kind_ops;

/* 0, or -errno with why set. */
int svc_socket_open(const struct unit *u, char *why, size_t cap);
int svc_timer_start(const struct unit *u, char *why, size_t cap);
void svc_socket_service_state(const struct unit *service, int running);
void svc_timer_service_state(const struct unit *service, int running, uint64_t started_ms);
/* The service a socket or timer starts: Service=/Unit= or its own name. */
void svc_kind_service_name(const struct unit *u, char *out, size_t cap);

#endif
