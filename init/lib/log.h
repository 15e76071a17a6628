/*
 * Logging: one line per event, to /dev/kmsg with a syslog priority prefix
 * (so it shows in dmesg) and to the console (stderr). Never blocks: the
 * console is written through a non-blocking file description of its own,
 * and a line it does not take (a console held by flow control, a pty
 * nobody reads) is dropped and counted; the count is said on the console
 * once it takes lines again ("N log lines dropped").
 */
#ifndef PACT_LOG_H
#define PACT_LOG_H

#include <stddef.h>
#include <syslog.h>

void log_open(int to_kmsg);
void log_set_debug(int on);
int log_debug_enabled(void);
/* Keep the log's own fds out of the way of code that closes fds. */
int log_kmsg_fd(void);
/* Text for the human at the console (no prefix, no kmsg): non-blocking,
 * dropped and counted like a log line when the console does not take it. */
void log_console(const char *text, size_t len);

/* Hand each line also to fn (its priority, and its text without the
 * "pact-init: " and the newline), e.g. to a remote syslog server
 * (node/logs.c); it runs in whichever process logs. NULL: none. */
typedef void (*log_forward_fn)(int prio, const char *text, size_t len);
void log_set_forward(log_forward_fn fn);

__attribute__((format(printf, 2, 3))) void log_msg(int prio, const char *fmt, ...);

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
