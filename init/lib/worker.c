/*
 * Forked workers (see worker.h). The pipe's read end is non-blocking and
 * read from the loop line by line, keeping the last complete one: a worker
 * that hangs can still be named by what it said last ("loading nvidia").
 */
#include "lib/worker.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

static int say_fd = -1; /* in a worker: the write end */

void worker_say(const char *fmt, ...)
{
	char buf[WORKER_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || say_fd < 0)
		return;
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	(void)write_all(say_fd, buf, (size_t)n);
}

static void drain(struct worker *w)
{
	char buf[512];
	ssize_t n;
	while ((n = read(w->rfd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (w->len < sizeof w->line - 1)
					w->line[w->len++] = buf[i];
				continue;
			}
			memcpy(w->msg, w->line, w->len);
			w->msg[w->len] = '\0';
			w->len = 0;
			if (w->on_line)
				w->on_line(w, w->msg);
		}
	}
}

static void on_output(void *ctx, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	drain(ctx);
}

static void finish(struct worker *w, int r)
{
	drain(w);
	loop_del_fd(w->rfd);
	close_fd(w->rfd);
	w->rfd = -1;
	w->pid = 0;
	timer_cancel(&w->deadline);
	if (w->done)
		w->done(w, r, w->msg);
}

static void on_reaped(void *ctx, pid_t pid, int status)
{
	(void)pid;
	struct worker *w = ctx;
	int r = WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
	finish(w, r);
}

static void on_deadline(void *ctx)
{
	struct worker *w = ctx;
	log_debug("%s: pid %d still running at its deadline%s%s; killed", w->name, (int)w->pid,
		  w->msg[0] ? ": " : "", w->msg);
	kill(w->pid, SIGKILL);
	loop_unwatch_child(w->pid); /* reaped silently, whenever it dies */
	finish(w, -ETIMEDOUT);
}

void worker_abandon(struct worker *w)
{
	if (!worker_running(w))
		return;
	kill(w->pid, SIGKILL);
	loop_unwatch_child(w->pid);
	w->done = NULL;
	finish(w, -EINTR);
}

int worker_start(struct worker *w, const char *name, int (*fn)(void *arg), void *arg,
		 unsigned deadline_ms, worker_done_fn done, void *ctx)
{
	int fds[2];
	if (worker_running(w))
		return -EBUSY;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close_fd(fds[0]);
		close_fd(fds[1]);
		return -e;
	}
	if (pid == 0) {
		close(fds[0]);
		say_fd = fds[1];
		int r = fn(arg);
		_exit(r < 0 ? (-r < 256 ? -r : EIO) : 0); /* child: the worker */
	}
	close_fd(fds[1]);
	(void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
	timer_cancel(&w->deadline); /* before the struct is written over */
	*w = (struct worker){.name = name, .pid = pid, .rfd = fds[0], .done = done, .ctx = ctx};
	if (loop_add_fd(fds[0], EPOLLIN, on_output, w) < 0)
		log_debug("%s: output not followed (loop full); read at its end", name);
	if (loop_watch_child(pid, on_reaped, w) < 0) {
		/* cannot hear of its end: kill it now, better than never */
		kill(pid, SIGKILL);
		finish(w, -ENOSPC);
		return 0;
	}
	timer_arm(&w->deadline, deadline_ms, on_deadline, w);
	return 0;
}
