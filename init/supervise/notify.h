/*
 * The sd_notify server: one datagram socket (NOTIFY_SOCKET for services),
 * bound before any service is spawned. Each message is handed over with the
 * sender's pid from SO_PASSCRED credentials. Fds sent with a message
 * (BARRIER=1) never enter PID 1's fd table: a forked child takes them off
 * the queue and closes them once the message was handled, which is what
 * the sender waits for.
 */
#ifndef PACT_NOTIFY_H
#define PACT_NOTIFY_H

#include <stddef.h>
#include <sys/types.h>

#define NOTIFY_MSG_MAX 4096

typedef void (*notify_fn)(pid_t sender, char *msg, size_t len);

int notify_init(notify_fn fn);
/* "NOTIFY_SOCKET=<path>" for a service's environment. */
const char *notify_env(void);
/* Value of KEY= in a notify message, copied into out; 1 if present. */
int notify_get(const char *msg, const char *key, char *out, size_t cap);

#endif
