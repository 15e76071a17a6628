/* Small helpers shared by the host-tier test programs. */
#ifndef PACT_TEST_HOSTUTIL_H
#define PACT_TEST_HOSTUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* printf into one of 16 rotating static buffers (for building paths inline). */
char *pf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run argv (PATH searched) with stdout to /dev/null; its exit status or -1. */
int run(const char *const argv[]);
/* CLOCK_MONOTONIC in milliseconds: for the deadlines of bounded waits. */
long host_ms_now(void);
/* pid's resident anonymous memory in kB, or -1 (smaps_rollup walks its
 * page tables: VmRSS in status lags). */
long anon_kb(pid_t pid);
/* Number of open fds of pid, or -1. */
int fd_count(pid_t pid);
/* pid's fd count once it has not changed for 300 ms (at most 3 s): for
 * closes the daemon makes on its own time, which give no event to wait on. */
int fd_count_settled(pid_t pid);
/* Wait until cond(ctx) is true, looking again after each inotify event
 * (mask) on watch, at most timeout_ms. 0, or -ETIMEDOUT. */
int wait_until(const char *watch, unsigned mask, int (*cond)(void *ctx), void *ctx, int timeout_ms);
/* A TAP comment; every line of a multi-line text gets its "# ". */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct daemon;
/* `pactctl --json VERB` against the daemon d, its output into buf (cap
 * bytes); pactctl's exit status. */
int pactctl_json(const struct daemon *d, const char *verb, char *buf, size_t cap);
/* The number field of the first object in `pactctl --json VERB` whose
 * string key is value, or -1 when there is none, e.g. the holder pid of an
 * allocation: pactctl_int(d, "allocations", "allocation_id", id, "holder_pid"). */
int pactctl_int(const struct daemon *d, const char *verb, const char *key, const char *value,
		const char *field);
/* Between daemon_prepare and launch: a Type=notify service (slow.service)
 * that is ready only once fifo (<dir>/go, returned) is opened for writing,
 * so that the node's readiness waits for the test. NULL on failure. */
const char *daemon_add_gate_service(struct daemon *d);
/* holder_pid of allocation id (in the daemon's pid namespace), -1 if not listed. */
int alloc_holder_pid(const struct daemon *d, const char *id);

#endif
