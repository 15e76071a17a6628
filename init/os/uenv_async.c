/*
 * uenv_acquire_async (see uenv.h): the first mount of an image happens in
 * a forked worker (open, checks, loop attach, mount: all the I/O on the
 * image), so a slow or hung image filesystem cannot stall the event loop.
 * The worker keeps none of PID 1's fds but its pipe, the mount point and
 * the log; it reports in one write on the pipe and is reaped by the loop;
 * callers that ask meanwhile wait with the first one. A worker past
 * mount_timeout_ms is killed and its waiters hear -ETIMEDOUT; if it
 * mounted before dying, the mount is adopted with count 0 and a hold.
 */
#include "os/uenv_int.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* What the worker sends back: one write, well under PIPE_BUF, so atomic. */
struct worker_result {
	int err;
	int index;
	unsigned major, minor;
	char msg[UENV_ERR_MAX];
};

static void worker_timeout(void *ctx);
static void worker_reaped(void *ctx, pid_t pid, int status);

/* In the child: validate, attach, mount; report; never return. */
static __attribute__((noreturn)) void worker_main(struct uenv_mgr *m, struct uenv_entry *e,
						  int root, const char *rel, int mp_fd, int wfd)
{
	/* a worker hung on a dead image server must not pin PID 1's sockets
	 * and files (a client would never see its connection close) */
	int keep[] = {wfd, mp_fd, log_kmsg_fd()};
	close_fds_except(keep, sizeof keep / sizeof keep[0]);
	struct worker_result res;
	memset(&res, 0, sizeof res);
	struct loopdev lo;
	int fd = uenv__open_image(m, e->image, root, rel);
	int r = fd;
	if (fd >= 0 && m->cfg.prepare) {
		char why[256];
		r = m->cfg.prepare(why, sizeof why);
		if (r < 0)
			uenv__refuse(m, -r, "mount failed for %s: %s", e->image, why);
	}
	if (r >= 0)
		r = uenv__attach_and_mount(m, e->image, fd, mp_fd, e->mount_point, &lo);
	close_fd(fd);
	res.err = r;
	if (r == 0) {
		res.index = lo.index;
		res.major = lo.major;
		res.minor = lo.minor;
	} else {
		memcpy(res.msg, m->err, sizeof res.msg);
	}
	(void)!write(wfd, &res, sizeof res);
	_exit(0); /* child: the mount worker */
}

static void call_waiters(struct uenv_mgr *m, const struct uenv_waiter *w, int n, int err,
			 const struct uenv_handle *h)
{
	for (int i = 0; i < n; i++)
		w[i].cb(w[i].ctx, err, h);
	(void)m;
}

static void free_worker(struct uenv_entry *e)
{
	timer_cancel(&e->hold);
	close_fd(e->result_fd);
	e->result_fd = -1;
	e->worker = 0;
}

static void worker_reaped(void *ctx, pid_t pid, int status)
{
	struct uenv_entry *e = ctx;
	struct uenv_mgr *m = e->mgr;
	if (!e->used || e->worker != pid)
		return; /* forgotten by uenv_fini */
	struct worker_result res;
	ssize_t n = read_retry(e->result_fd, &res, sizeof res);
	free_worker(e);
	if (n != (ssize_t)sizeof res) {
		memset(&res, 0, sizeof res);
		res.err = -EIO;
		snprintf(res.msg, sizeof res.msg,
			 "mount failed for %s: the mount worker died (wait status %#x)", e->image,
			 (unsigned)status);
		/* killed between its mount and its report? then the mount is there */
		struct stat st, bst;
		if (stat(e->mount_point, &st) == 0 && stat(m->base, &bst) == 0 &&
		    st.st_dev != bst.st_dev) {
			res.err = 0;
			res.index = -1;
			res.major =
			    major(st.st_dev); /* a block filesystem's st_dev: the loop device */
			res.minor = minor(st.st_dev);
		}
	}
	char image[UENV_IMAGE_MAX], mp[UENV_MOUNT_MAX];
	memcpy(image, e->image, sizeof image);
	memcpy(mp, e->mount_point, sizeof mp);
	struct uenv_waiter w[UENV_MAX_WAITERS];
	int nw = e->state == UENV_PENDING ? e->nwaiters : 0;
	memcpy(w, e->waiters, sizeof w);
	int abandoned = e->state == UENV_ABANDONED;
	if (res.err < 0) {
		rmdir(mp);
		memset(e, 0, sizeof *e);
		if (abandoned)
			log_notice("uenv: the timed-out mount worker for %s is gone", image);
		snprintf(m->err, sizeof m->err, "%s", res.msg);
		if (n != (ssize_t)sizeof res)
			log_err("uenv: %s", m->err); /* the worker's death; its own failures
							 are the waiters' to report */
		call_waiters(m, w, nw, res.err, NULL);
		return;
	}
	struct loopdev lo = {.fd = -1, .index = res.index, .major = res.major, .minor = res.minor};
	uenv__set_mounted(m, e, image, mp, &lo, (unsigned)nw);
	if (abandoned) {
		/* it mounted after all: own it, and let the hold time take it down */
		log_warn("uenv: %s mounted after its worker timed out; unmounting after the hold",
			 image);
		timer_arm(&e->hold, m->cfg.hold_ms, uenv__hold_expired, e);
		return;
	}
	struct uenv_handle h;
	uenv__fill_handle(m, e, &h);
	call_waiters(m, w, nw, 0, &h); /* each may release at once: the count is already set */
}

static void worker_timeout(void *ctx)
{
	struct uenv_entry *e = ctx;
	struct uenv_mgr *m = e->mgr;
	kill(e->worker, SIGKILL);
	e->state = UENV_ABANDONED;
	struct uenv_waiter w[UENV_MAX_WAITERS];
	int nw = e->nwaiters;
	memcpy(w, e->waiters, sizeof w);
	e->nwaiters = 0;
	snprintf(m->err, sizeof m->err,
		 "mount failed for %s: timed out after %llu ms (worker %d killed)", e->image,
		 (unsigned long long)m->cfg.mount_timeout_ms, (int)e->worker);
	call_waiters(m, w, nw, -ETIMEDOUT, NULL); /* they report it */
}

int uenv_acquire_async(struct uenv_mgr *m, const char *image_path, uenv_acquire_cb cb, void *ctx)
{
	char image[UENV_IMAGE_MAX];
	if (!cb)
		return uenv__refuse(m, EINVAL, "mount failed for %s: no callback",
				    image_path ? image_path : "(null)");
	int r = uenv__check_path(m, image_path, image);
	if (r < 0)
		return r;
	struct uenv_entry *e = uenv__find(m, image);
	if (e && e->state == UENV_MOUNTED) {
		struct uenv_handle h;
		r = uenv__hit(m, e, &h);
		if (r == 0)
			cb(ctx, 0, &h);
		return r;
	}
	if (e && e->state == UENV_ABANDONED)
		return uenv__refuse(
		    m, EBUSY, "mount failed for %s: an earlier mount attempt is stuck", image);
	if (e) { /* pending: wait with the others */
		if (e->nwaiters >= UENV_MAX_WAITERS)
			return uenv__refuse(m, EBUSY,
					    "mount failed for %s: too many waiters (max %d)", image,
					    UENV_MAX_WAITERS);
		e->waiters[e->nwaiters++] = (struct uenv_waiter){cb, ctx};
		return 0;
	}
	int root;
	const char *rel;
	e = uenv__claim_slot(m, image, &rel, &root, &r);
	if (!e)
		return r;
	/* the name is chosen here, in the one place that sees every pending mount */
	char mp[UENV_MOUNT_MAX];
	int mp_fd = uenv__make_mount_point(m, image, mp);
	if (mp_fd < 0)
		return mp_fd;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = errno;
		close_fd(mp_fd);
		rmdir(mp);
		return uenv__refuse(m, r, "mount failed for %s: pipe: %s", image, strerror(r));
	}
	memset(e, 0, sizeof *e);
	e->used = 1;
	e->state = UENV_PENDING;
	e->mgr = m;
	snprintf(e->image, sizeof e->image, "%s", image);
	snprintf(e->mount_point, sizeof e->mount_point, "%s", mp);
	e->waiters[0] = (struct uenv_waiter){cb, ctx};
	e->nwaiters = 1;
	rel = e->image + (rel - image);
	pid_t pid = fork();
	if (pid == 0) {
		close_fd(pfd[0]);
		worker_main(m, e, root, rel, mp_fd, pfd[1]);
	}
	close_fd(pfd[1]);
	close_fd(mp_fd); /* the worker has its own */
	if (pid < 0 || loop_watch_child(pid, worker_reaped, e) < 0) {
		r = pid < 0 ? errno : ENOSPC;
		if (pid > 0)
			kill(pid, SIGKILL); /* reaped silently by the loop as an orphan */
		close_fd(pfd[0]);
		rmdir(mp);
		memset(e, 0, sizeof *e);
		return uenv__refuse(m, r, "mount failed for %s: starting the mount worker: %s",
				    image, strerror(r));
	}
	e->worker = pid;
	e->result_fd = pfd[0];
	timer_arm(&e->hold, m->cfg.mount_timeout_ms, worker_timeout, e);
	return 0;
}
