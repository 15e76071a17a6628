/*
 * Listening sockets (see listener.h): make, accept, pause, rebind.
 */
#include "lib/listener.h"
#include "lib/dirwatch.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACCEPT_BUDGET 32   /* clients taken per wakeup, per listener */
#define REST_MS	      1000 /* out of fds and of the reserve too */

/* given up to accept-and-refuse when the process is out of fds */
static int reserve_fd = -1;

static void reserve_take(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* The epoll interest of both sockets: none while paused or resting. */
static void arm(struct listener *l)
{
	uint32_t ev = l->paused || l->resting ? 0 : EPOLLIN;
	if (l->fd >= 0)
		(void)loop_mod_fd(l->fd, ev);
	if (l->old_fd >= 0)
		(void)loop_mod_fd(l->old_fd, ev);
}

static void rested(void *ctx)
{
	struct listener *l = ctx;
	l->resting = 0;
	arm(l);
}

/* A new socket bound at l->path (through a temporary name), or -errno. */
static int bind_new(struct listener *l)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (path_fmt(sa.sun_path, sizeof sa.sun_path, "%s.new", l->path) < 0)
		return -ENAMETOOLONG;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void)unlink(sa.sun_path);
	mode_t old = umask(0177); /* 0600 from the start: no window with a wider mode */
	int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (r == 0 && l->gid != (gid_t)-1)
		r = chown(sa.sun_path, (uid_t)-1, l->gid);
	if (r == 0)
		r = chmod(sa.sun_path, l->mode);
	if (r < 0 || listen(fd, SOMAXCONN) < 0 || rename(sa.sun_path, l->path) < 0) {
		r = -errno;
		log_err("%s socket %s: %s", l->name, l->path, strerror(-r));
		(void)unlink(sa.sun_path);
		close_fd(fd);
		return r;
	}
	return fd;
}

static void close_old(struct listener *l)
{
	if (l->old_fd < 0)
		return;
	loop_del_fd(l->old_fd);
	close_fd(l->old_fd);
	l->old_fd = -1;
}

/* Out of fds: take one client off lfd's backlog with the reserve and
 * refuse it. 1 refused one, 0 none was waiting, -errno when not even the
 * reserve helped. */
static int refuse_one(struct listener *l, int lfd)
{
	if (reserve_fd < 0)
		return -EMFILE;
	close_fd(reserve_fd);
	reserve_fd = -1;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int r = fd >= 0 ? 1 : errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (fd >= 0) {
		if (l->on_refused)
			l->on_refused(l->ctx, fd);
		close_fd(fd);
		if (log_at_count(++l->refused))
			log_warn("%s: out of file descriptors: refused a client (%lu so far)",
				 l->name, l->refused);
	}
	reserve_take();
	return r;
}

/* Take what lfd has queued, up to the budget, unless paused. 0 when its
 * backlog is empty, 1 when there may be more, -errno on a hopeless error. */
static int accept_some(struct listener *l, int lfd)
{
	for (int budget = ACCEPT_BUDGET; budget > 0; budget--) {
		if (l->paused)
			return 1;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			l->on_client(l->ctx, fd);
			continue;
		}
		int e = errno;
		if (e == EINTR || e == ECONNABORTED)
			continue;
		if (e == EAGAIN || e == EWOULDBLOCK)
			return 0;
		if (e != EMFILE && e != ENFILE)
			return -e;
		int r = refuse_one(l, lfd);
		if (r <= 0)
			return r;
	}
	return 1;
}

static void accept_from(struct listener *l, int lfd)
{
	int r = accept_some(l, lfd);
	if (r == 0 && lfd == l->old_fd)
		close_old(l); /* served all it had queued */
	if (r >= 0)
		return;
	/* out of fds with no reserve left, or worse: rest, do not spin */
	log_err("%s: accept: %s; not accepting for %d ms", l->name, strerror(-r), REST_MS);
	l->resting = 1;
	arm(l);
	timer_arm(&l->rest, REST_MS, rested, l);
}

static void on_ready(void *ctx, int fd, uint32_t events)
{
	(void)events;
	accept_from(ctx, fd);
}

static int serve(struct listener *l, int fd)
{
	int r = loop_add_fd(fd, l->paused || l->resting ? 0 : EPOLLIN, on_ready, l);
	if (r < 0)
		log_err("%s: %s in the event loop: %s", l->name, l->path, strerror(-r));
	return r;
}

/* The path no longer names our socket: a new one there, the old drained. */
static void rebind(struct listener *l, const char *why)
{
	int fd = bind_new(l);
	if (fd < 0)
		return;
	if (serve(l, fd) < 0) {
		close_fd(fd);
		return;
	}
	log_warn("%s: %s %s; listening on a new socket there", l->name, l->path, why);
	close_old(l); /* a second rebind before the first drained: rare, bounded */
	l->old_fd = l->fd;
	l->fd = fd;
	if (!l->paused && !l->resting)
		accept_from(l, l->old_fd);
}

static void path_gone(void *ctx)
{
	struct listener *l = ctx;
	struct stat st;
	/* our own unlink at close, or a rename that put a socket back */
	if (l->fd < 0 || (lstat(l->path, &st) == 0 && S_ISSOCK(st.st_mode)))
		return;
	rebind(l, "was deleted");
}

int listener_open(struct listener *l, int carried_fd)
{
	l->fd = l->old_fd = -1;
	l->paused = l->resting = 0;
	reserve_take();
	struct stat st;
	if (carried_fd >= 0 && lstat(l->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		l->fd = carried_fd; /* still listening, its backlog intact */
	} else {
		int fd = bind_new(l);
		if (fd < 0) {
			if (carried_fd >= 0)
				close_fd(carried_fd);
			return fd;
		}
		l->fd = fd;
		if (carried_fd >= 0) { /* deleted before or during the re-exec */
			log_warn("%s: %s did not name its socket after the re-exec; listening on a "
				 "new socket there",
				 l->name, l->path);
			l->old_fd = carried_fd;
			if (serve(l, carried_fd) < 0)
				close_old(l);
		}
	}
	int r = serve(l, l->fd);
	if (r < 0) {
		close_fd(l->fd);
		l->fd = -1;
		close_old(l);
		return r;
	}
	if (dirwatch_add(l->path, path_gone, l) < 0)
		log_warn("%s: %s is not watched: a deleted socket stays deleted", l->name, l->path);
	return 0;
}

void listener_pause(struct listener *l, int pause)
{
	if (l->paused == !!pause)
		return;
	l->paused = !!pause;
	arm(l);
}

void listener_close(struct listener *l, int unlink_path)
{
	close_old(l);
	timer_cancel(&l->rest);
	if (l->fd < 0)
		return;
	loop_del_fd(l->fd);
	close_fd(l->fd);
	l->fd = -1;
	if (unlink_path)
		(void)unlink(l->path);
}
