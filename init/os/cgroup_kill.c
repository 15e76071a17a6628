/*
 * Scope destruction (PS3, F30): cgroup.kill (or freeze + SIGKILL each pid +
 * thaw on kernels without it), waiting for "populated 0" on cgroup.events
 * with inotify and a bounded poll (never a sleep), rmdir of the subtree with
 * bounded EBUSY retries, and zombie scopes. The asynchronous variant is in
 * cgroup_async.c.
 */
#include "os/cgroup.h"
#include "os/cgroup_int.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

/* a frozen cgroup reports "frozen 1" quickly; don't wait long if not */
#define CG_FREEZE_WAIT_MS 1000
#define CG_RMDIR_TRIES	  5
#define CG_RMDIR_WAIT_MS  2000

static int zombies;

int cg_zombie_count(void)
{
	return zombies;
}

/* Read key from path/cgroup.events. */
int cg__read_event_key(const char *path, const char *key, uint64_t *v)
{
	char file[CG_PATH_MAX], buf[256];
	int r = path_fmt(file, sizeof file, "%s/cgroup.events", path);
	if (r < 0)
		return r;
	ssize_t n = read_file(file, buf, sizeof buf);
	if (n < 0)
		return (int)n;
	return cg_parse_keyed(buf, key, v);
}

/*
 * Closing an inotify instance costs the kernel a synchronize_srcu (about
 * 15 ms here), so we never close one per wait: one long-lived instance for
 * the blocking waits (here) and one for the event loop's destroys
 * (cgroup_async.c); a wait adds a watch on cgroup.events (IN_MODIFY:
 * populated or frozen changed) and removes it after, which is cheap.
 */
static int sync_ifd = -1;

int cg__inotify_get(int *fd)
{
	if (*fd < 0)
		*fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	return *fd < 0 ? -errno : *fd;
}

/* Watch path/cgroup.events on ifd; returns the watch descriptor. */
int cg__watch_events(int ifd, const char *path)
{
	char file[CG_PATH_MAX];
	int r = path_fmt(file, sizeof file, "%s/cgroup.events", path);
	if (r < 0)
		return r;
	int wd = inotify_add_watch(ifd, file, IN_MODIFY);
	return wd < 0 ? -errno : wd;
}

static void drain(int fd)
{
	char buf[1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (int i = 0; i < 16 && read_retry(fd, buf, sizeof buf) > 0; i++)
		;
}

static int wait_key(const char *path, const char *key, uint64_t want, int timeout_ms)
{
	uint64_t v;
	int r = cg__read_event_key(path, key, &v);
	if (r < 0 || (v != 0) == (want != 0))
		return r; /* the common case: no watch needed */
	int ifd = cg__inotify_get(&sync_ifd);
	if (ifd < 0)
		return ifd;
	drain(ifd); /* leftovers of earlier waits */
	/* watch first, then re-read: a change between the two still wakes us */
	int wd = cg__watch_events(ifd, path);
	if (wd < 0)
		return wd;
	uint64_t deadline = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		if ((r = cg__read_event_key(path, key, &v)) < 0)
			break;
		if ((v != 0) == (want != 0))
			break;
		uint64_t now = now_ms();
		if (now >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		struct pollfd p = {.fd = ifd, .events = POLLIN};
		if (poll(&p, 1, (int)(deadline - now)) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		drain(ifd);
	}
	(void)inotify_rm_watch(ifd, wd); /* EINVAL if the cgroup went away */
	return r;
}

int cg_wait_populated(const char *path, int want, int timeout_ms)
{
	return wait_key(path, "populated", (uint64_t)want, timeout_ms);
}

/* --- walking a cgroup subtree: fixed buffers, bounded depth --- */

struct dirent64_k {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

typedef int (*pid_cb)(void *ctx, pid_t pid);
typedef int (*dir_cb)(int dirfd, const char *name, int depth, void *ctx);

/* Call cb for each subdirectory of dirfd. */
static int for_each_subdir(int dirfd, int depth, dir_cb cb, void *ctx)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[1024] __attribute__((aligned(8)));
	int r = 0;
	long n;
	while (r == 0 && (n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; r == 0 && off < n;) {
			struct dirent64_k *d = (struct dirent64_k *)(void *)(buf + off);
			off += d->d_reclen;
			if (d->d_type != DT_DIR || strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			r = cb(fd, d->d_name, depth, ctx);
		}
	}
	if (r == 0 && n < 0)
		r = -errno;
	close_fd(fd);
	return r;
}

struct pid_walk {
	pid_cb cb;
	void *ctx;
};

static int walk_pids(int dirfd, struct pid_walk *w, int depth);

static int walk_pids_sub(int dirfd, const char *name, int depth, void *ctx)
{
	int sub = openat(dirfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sub < 0)
		return errno == ENOENT ? 0 : -errno;
	int r = walk_pids(sub, ctx, depth + 1);
	close_fd(sub);
	return r;
}

static int walk_pids(int dirfd, struct pid_walk *w, int depth)
{
	if (depth > CG_WALK_DEPTH)
		return -ELOOP;
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	char buf[512], num[16];
	size_t nl = 0;
	ssize_t got;
	int r = 0;
	/* stream: a cgroup can hold more pids than any buffer we'd keep */
	while (r == 0 && (got = read_retry(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; r == 0 && i < got; i++) {
			if (buf[i] != '\n') {
				if (nl < sizeof num - 1)
					num[nl++] = buf[i];
				continue;
			}
			num[nl] = '\0';
			nl = 0;
			unsigned long long pid;
			if (parse_u64(num, &pid) == 0 && pid > 0)
				r = w->cb(w->ctx, (pid_t)pid);
		}
	}
	close_fd(fd);
	if (r)
		return r;
	return for_each_subdir(dirfd, depth, walk_pids_sub, w);
}

int cg_for_each_pid(const char *path, int (*cb)(void *ctx, pid_t pid), void *ctx)
{
	int dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	struct pid_walk w = {cb, ctx};
	int r = walk_pids(dfd, &w, 0);
	close_fd(dfd);
	return r;
}

/* --- kill --- */

static int kill_one(void *ctx, pid_t pid)
{
	int *n = ctx;
	if (kill(pid, SIGKILL) == 0)
		(*n)++;
	return 0;
}

int cg_kill_fallback(const char *path)
{
	char file[CG_PATH_MAX];
	int r = path_fmt(file, sizeof file, "%s/cgroup.freeze", path);
	if (r < 0)
		return r;
	/* frozen, nothing in the subtree can fork while we enumerate; v2
	 * frozen tasks still die of SIGKILL */
	int frozen = write_file(file, "1") == 0;
	if (frozen && wait_key(path, "frozen", 1, CG_FREEZE_WAIT_MS) < 0)
		log_warn("cgroup: %s: not frozen after %d ms, killing anyway", path,
			 CG_FREEZE_WAIT_MS);
	int n = 0;
	r = cg_for_each_pid(path, kill_one, &n);
	if (frozen && write_file(file, "0") < 0) /* always thaw */
		log_err("cgroup: %s: thaw: %s", file, strerror(errno));
	log_info("cgroup: %s: killed %d processes (freeze fallback)", path, n);
	return r;
}

int cg_kill(const char *path)
{
	char file[CG_PATH_MAX];
	int r = path_fmt(file, sizeof file, "%s/cgroup.kill", path);
	if (r < 0)
		return r;
	r = write_file(file, "1");
	if (r == -ENOENT) {
		if (access(path, F_OK) == 0)
			return cg_kill_fallback(path); /* kernel older than 5.14 */
		return r; /* the cgroup is gone: callers treat that as done */
	}
	if (r < 0)
		log_err("cgroup: %s: %s", file, strerror(-r));
	return r;
}

/* --- remove --- */

static int rmdir_tree_at(int dirfd, const char *name, int depth, void *ctx);

static int rmdir_children(int dirfd, int depth)
{
	if (depth > CG_WALK_DEPTH)
		return -ELOOP;
	return for_each_subdir(dirfd, depth, rmdir_tree_at, NULL);
}

static int rmdir_tree_at(int dirfd, const char *name, int depth, void *ctx)
{
	(void)ctx;
	int sub = openat(dirfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sub < 0)
		return errno == ENOENT ? 0 : -errno;
	int r = rmdir_children(sub, depth + 1);
	close_fd(sub);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

static int rmdir_tree(const char *path)
{
	/* the usual scope has no children: one rmdir, no directory walk */
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -errno;
	int dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* child cgroups first (a service may have made its own) */
	int r = rmdir_children(dfd, 0);
	close_fd(dfd);
	if (r == 0 && rmdir(path) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int cg_scope_remove(const char *path)
{
	uint64_t deadline = now_ms() + CG_RMDIR_WAIT_MS;
	int r = 0;
	for (int i = 0; i < CG_RMDIR_TRIES; i++) {
		r = rmdir_tree(path);
		if (r != -EBUSY)
			break;
		/* busy: something still runs; wait for it to leave, not a sleep */
		uint64_t now = now_ms();
		if (now >= deadline)
			break;
		(void)cg_wait_populated(path, 0, (int)(deadline - now));
	}
	if (r < 0)
		log_err("cgroup: rmdir %s: %s", path, strerror(-r));
	return r;
}

/* --- zombies --- */

struct pid_list {
	char buf[200];
	size_t len;
	int n;
};

static int list_pid(void *ctx, pid_t pid)
{
	struct pid_list *l = ctx;
	l->n++;
	if (l->len < sizeof l->buf - 16) {
		int k = snprintf(l->buf + l->len, sizeof l->buf - l->len, " %d", (int)pid);
		if (k > 0)
			l->len += (size_t)k;
	}
	return 0;
}

void cg__report_zombie(const char *path, int waited_ms)
{
	struct pid_list l = {.len = 0, .n = 0};
	l.buf[0] = '\0';
	(void)cg_for_each_pid(path, list_pid, &l);
	zombies++;
	log_err("cgroup: %s: zombie scope: not empty %d ms after kill; %d stuck pids:%s%s", path,
		waited_ms, l.n, l.buf, l.len >= sizeof l.buf - 16 ? " ..." : "");
}

int cg_destroy_scope(struct cg_ctx *cg, struct cg_scope *s)
{
	int r = cg_check_write(cg, s->path, "destroy scope");
	if (r < 0)
		return r;
	cg_scope_close(s);
	r = cg_kill(s->path);
	s->killed = 1;
	if (r == -ENOENT)
		return 0; /* already gone */
	if (r < 0)
		return r;
	int tmo = cg_destroy_timeout(cg);
	r = cg_wait_populated(s->path, 0, tmo);
	if (r == -ETIMEDOUT) {
		s->zombie = 1;
		cg__report_zombie(s->path, tmo);
		return r;
	}
	if (r < 0 && r != -ENOENT) {
		log_err("cgroup: %s: wait for empty: %s", s->path, strerror(-r));
		return r;
	}
	return cg_scope_remove(s->path);
}
