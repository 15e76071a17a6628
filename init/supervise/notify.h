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

/* Rate limits, per sending uid (the kernel's credentials: no sender can
 * shed its uid, where a pid is one fork away): messages over the budget
 * are dropped unread; warnings about senders in no service's scope are
 * few, then one summary per interval, the interval doubling while the
 * flood goes on. */
#define NOTIFY_RATE	   200	 /* messages a second, sustained, per uid */
#define NOTIFY_BURST	   400	 /* and at once */
#define NOTIFY_WARN_BURST  5	 /* warnings per uid before it is summarised */
#define NOTIFY_INTERVAL_MS 10000 /* the first summary interval; doubles up to an hour */
#define NOTIFY_SOURCES	   32	 /* uids tracked at once; the others share one budget */

/* Handle one message: 0, or -ESRCH when the sender is in no service's
 * scope (ignored; the notify server says so, rate-limited). */
typedef int (*notify_fn)(pid_t sender, char *msg, size_t len);

int notify_init(notify_fn fn);
/* "NOTIFY_SOCKET=<path>" for a service's environment. */
const char *notify_env(void);
/* Value of KEY= in a notify message, copied into out; 1 if present. */
int notify_get(const char *msg, const char *key, char *out, size_t cap);
/* Messages dropped by the rate limit since start (for the metrics). */
unsigned long long notify_dropped_total(void);
/* Messages from senders in no service's scope, ignored, since start. */
unsigned long long notify_ignored_total(void);

#endif
