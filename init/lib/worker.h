/*
 * Workers: a function run in a forked child, so that work which may block
 * for long (finit_module, mount of a server that does not answer, a big
 * tmpfiles tree) never stalls the event loop, and what it parses dies with
 * it instead of growing PID 1. The child's last line (worker_say) is its
 * message; its exit status is its result. A worker past its deadline is
 * killed and reported at once as -ETIMEDOUT, for the caller to say (a task
 * in D state may not die: the loop reaps it whenever it does).
 */
#ifndef PACT_WORKER_H
#define PACT_WORKER_H

#include "lib/loop.h"

#include <stddef.h>
#include <sys/types.h>

#define WORKER_MSG_MAX 256

struct worker;
/* r: 0, the child's -errno (its exit status), -ETIMEDOUT past the
 * deadline, -EINTR when killed by someone else; msg: its last line. */
typedef void (*worker_done_fn)(struct worker *w, int r, const char *msg);

struct worker {
	const char *name; /* in log lines */
	pid_t pid;	  /* 0: not running */
	int rfd;
	worker_done_fn done;
	void *ctx;
	/* optional, set after worker_start: each line as it comes */
	void (*on_line)(struct worker *w, const char *line);
	struct timer deadline;
	size_t len;		   /* bytes of the line being read */
	char line[WORKER_MSG_MAX]; /* the line being read */
	char msg[WORKER_MSG_MAX];  /* the last complete line */
};

/* Fork; fn(arg) runs in the child, whose exit status is -fn() (0..255).
 * done runs from the loop once it ended or at deadline_ms. 0 or -errno
 * (fork or pipe failed: done is not called). */
int worker_start(struct worker *w, const char *name, int (*fn)(void *arg), void *arg,
		 unsigned deadline_ms, worker_done_fn done, void *ctx);
static inline int worker_running(const struct worker *w)
{
	return w->pid > 0;
}
/* In the child: say a line (progress, or the reason of a failure). */
__attribute__((format(printf, 1, 2))) void worker_say(const char *fmt, ...);
/* Forget a running worker (shutdown): kill it; done is not called. */
void worker_abandon(struct worker *w);

#endif
