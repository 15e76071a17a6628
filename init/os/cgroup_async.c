/*
 * Asynchronous scope destruction for the event loop: cgroup.kill now, then
 * the wait for "populated 0" runs from the loop (inotify fd + a 10 s
 * timer), so PID 1 never blocks on a scope that takes its time to die.
 * A fixed table bounds the destroys in flight.
 */
#include "os/cgroup.h"
#include "os/cgroup_int.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

/* one long-lived instance: closing one costs a synchronize_srcu */
static int async_ifd = -1;

/* --- asynchronous destroy, driven by the event loop --- */

struct cg_async {
	int used;
	int wd; /* watch on async_ifd */
	int timeout_ms;
	uint64_t deadline;
	struct timer timer;
	cg_done_cb done;
	void *ctx;
	char path[CG_PATH_MAX];
};

static struct cg_async async_tab[CG_ASYNC_MAX] PAGE_ALIGNED;
static int async_n, async_registered;

int cg_async_pending(void)
{
	return async_n;
}

static void async_finish(struct cg_async *a, int r)
{
	(void)inotify_rm_watch(async_ifd, a->wd);
	timer_cancel(&a->timer);
	if (r == 0)
		r = cg_scope_remove(a->path);
	else if (r == -ETIMEDOUT)
		cg__report_zombie(a->path, a->timeout_ms);
	cg_done_cb done = a->done;
	void *ctx = a->ctx;
	a->used = 0;
	async_n--;
	/* last: done may start another destroy in this very slot */
	if (done)
		done(ctx, r);
}

static void async_on_timer(void *ctx);

/* Re-check the scope; finish if it is empty or the deadline passed. */
static void async_check(struct cg_async *a)
{
	uint64_t pop;
	int r = cg__read_event_key(a->path, "populated", &pop);
	if (r == -ENOENT) {
		async_finish(a, 0); /* removed under us: nothing left to do */
		return;
	}
	if (r < 0) {
		log_err("cgroup: %s/cgroup.events: %s", a->path, strerror(-r));
		async_finish(a, r);
		return;
	}
	if (pop == 0) {
		async_finish(a, 0);
		return;
	}
	uint64_t now = now_ms();
	if (now >= a->deadline)
		async_finish(a, -ETIMEDOUT);
	else if (!timer_armed(&a->timer))
		timer_arm(&a->timer, a->deadline - now, async_on_timer, a);
}

static void async_on_timer(void *ctx)
{
	async_check(ctx);
}

static void async_on_event(void *ctx, const struct inotify_event *ev)
{
	(void)ctx;
	if (ev->mask & IN_IGNORED)
		return;
	/* a finished slot has used == 0; a reused one has a new wd */
	for (int i = 0; i < CG_ASYNC_MAX; i++)
		if (async_tab[i].used && async_tab[i].wd == ev->wd)
			async_check(&async_tab[i]);
}

static void async_on_fd(void *ctx, int fd, uint32_t events)
{
	(void)events;
	inotify_each(fd, async_on_event, ctx);
}

int cg_destroy_async(struct cg_ctx *cg, struct cg_scope *s, cg_done_cb done, void *ctx)
{
	int r = cg_check_write(cg, s->path, "destroy scope");
	if (r < 0)
		return r;
	struct cg_async *a = NULL;
	for (int i = 0; i < CG_ASYNC_MAX && !a; i++)
		if (!async_tab[i].used)
			a = &async_tab[i];
	if (!a) {
		log_err("cgroup: %s: %d destroys already in flight", s->path, CG_ASYNC_MAX);
		return -EAGAIN;
	}
	if ((r = path_fmt(a->path, sizeof a->path, "%s", s->path)) < 0)
		return r;
	int ifd = cg__inotify_get(&async_ifd);
	if (ifd < 0)
		return ifd;
	if (!async_registered) {
		if ((r = loop_add_fd(ifd, EPOLLIN, async_on_fd, NULL)) < 0) {
			log_err("cgroup: inotify in the event loop: %s", strerror(-r));
			return r;
		}
		async_registered = 1;
	}
	/* watch before the kill so the populated 1 -> 0 change is not missed */
	a->wd = cg__watch_events(ifd, s->path);
	if (a->wd < 0) {
		log_err("cgroup: %s: watch cgroup.events: %s", s->path, strerror(-a->wd));
		return a->wd;
	}
	cg_scope_close(s);
	s->killed = 1;
	if ((r = cg_kill(s->path)) < 0) {
		(void)inotify_rm_watch(ifd, a->wd);
		return r;
	}
	a->used = 1;
	a->done = done;
	a->ctx = ctx;
	a->timeout_ms = cg_destroy_timeout(cg);
	a->deadline = now_ms() + (uint64_t)a->timeout_ms;
	async_n++;
	/* completion always runs from the loop, even for an already empty
	 * scope: the caller never sees its callback re-entered from here */
	uint64_t pop = 1;
	(void)cg__read_event_key(s->path, "populated", &pop);
	timer_arm(&a->timer, pop ? (uint64_t)a->timeout_ms : 0, async_on_timer, a);
	return 0;
}
