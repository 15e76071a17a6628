/*
 * Waiting for a cgroup to empty (see cgroup_watch.h). The active watches
 * are kept in address order, so that the watches embedded in an owner's
 * table are looked at in the table's order, and a check that fires (and
 * removes) one goes on with the next.
 */
#include "os/cgroup_watch.h"
#include "lib/fileio.h"
#include "lib/loop.h"
#include "lib/table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#define PARENT_WATCH_MAX 8

static int ifd = -1;
static struct cg_watch *watches[CG_WATCH_MAX];
static int n_watches;
static struct {
	int wd;
	char path[CG_PATH_MAX];
} parents[PARENT_WATCH_MAX] PAGE_ALIGNED;
static int n_parents;
static struct timer rewatch_timer; /* for cgroups whose parent cannot be watched */

static void rewatch_tick(void *ctx);

int cg_watch_add(struct cg_watch *w)
{
	if (w->active)
		return 0;
	if (n_watches == CG_WATCH_MAX)
		return -ENOSPC;
	int i = n_watches++;
	while (i > 0 && watches[i - 1] > w) {
		watches[i] = watches[i - 1];
		i--;
	}
	watches[i] = w;
	w->wd = -1;
	w->last_frozen = w->modified = 0;
	w->active = 1;
	return 0;
}

void cg_watch_remove(struct cg_watch *w)
{
	if (!w->active)
		return;
	if (w->wd >= 0 && ifd >= 0)
		(void)inotify_rm_watch(ifd, w->wd);
	w->wd = -1;
	w->active = 0;
	int i = 0;
	while (i < n_watches && watches[i] != w)
		i++;
	for (; i + 1 < n_watches; i++)
		watches[i] = watches[i + 1];
	n_watches--;
}

static void fire(struct cg_watch *w, const char *why)
{
	cg_watch_remove(w);
	w->on_empty(w->ctx, why);
}

static void watch_parent(const char *cg_path)
{
	char dir[CG_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", cg_path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	for (int i = 0; i < n_parents; i++)
		if (strcmp(parents[i].path, dir) == 0)
			return;
	if (n_parents == PARENT_WATCH_MAX)
		return;
	int wd = inotify_add_watch(ifd, dir, IN_CREATE | IN_ONLYDIR);
	if (wd < 0)
		return; /* not there yet: the rewatch timer tries again */
	parents[n_parents].wd = wd;
	snprintf(parents[n_parents].path, sizeof parents[0].path, "%s", dir);
	n_parents++;
}

static int try_watch(struct cg_watch *w)
{
	char p[CG_PATH_MAX + 16];
	if (w->wd >= 0)
		return 0;
	if (path_fmt(p, sizeof p, "%s/cgroup.events", w->path) < 0)
		return -ENAMETOOLONG;
	w->wd = inotify_add_watch(ifd, p, IN_MODIFY);
	return w->wd < 0 ? -errno : 0;
}

static int read_events(const struct cg_watch *w, int *populated, int *frozen)
{
	char p[CG_PATH_MAX + 16], text[256];
	uint64_t v = 0;
	if (path_fmt(p, sizeof p, "%s/cgroup.events", w->path) < 0)
		return -ENAMETOOLONG;
	int r = read_file(p, text, sizeof text);
	if (r < 0)
		return r;
	*populated = cg_parse_keyed(text, "populated", &v) == 0 && v;
	v = 0;
	*frozen = cg_parse_keyed(text, "frozen", &v) == 0 && v;
	return 0;
}

void cg_watch_check(struct cg_watch *w)
{
	int populated = 0, frozen = 0;
	if (!w->active || ifd < 0)
		return;
	if (try_watch(w) < 0) {
		if (w->seen_populated) {
			fire(w, "its cgroup was removed");
			return;
		}
		watch_parent(w->path);
		if (!timer_armed(&rewatch_timer))
			timer_arm(&rewatch_timer, 1000, rewatch_tick, NULL);
		return;
	}
	if (read_events(w, &populated, &frozen) < 0) {
		(void)inotify_rm_watch(ifd, w->wd);
		w->wd = -1;
		if (w->seen_populated)
			fire(w, "its cgroup was removed");
		return;
	}
	/* A change that left it empty, not a freeze: it was populated in between. */
	if (populated || (w->modified && frozen == w->last_frozen))
		w->seen_populated = 1;
	w->last_frozen = frozen;
	w->modified = 0;
	if (!populated && w->seen_populated)
		fire(w, "its cgroup is empty (WI5)");
}

void cg_watch_check_all(void)
{
	/* a watch that fires leaves the list: walk a copy, skip what left */
	struct cg_watch *all[CG_WATCH_MAX];
	int n = n_watches;
	memcpy(all, watches, (size_t)n * sizeof all[0]);
	for (int i = 0; i < n; i++)
		cg_watch_check(all[i]);
}

static void rewatch_tick(void *ctx)
{
	(void)ctx;
	int waiting = 0;
	cg_watch_check_all();
	for (int i = 0; i < n_watches; i++)
		if (watches[i]->wd < 0)
			waiting = 1;
	if (waiting)
		timer_arm(&rewatch_timer, 1000, rewatch_tick, NULL);
}

static void on_event(void *ctx, const struct inotify_event *ev)
{
	(void)ctx;
	for (int i = 0; i < n_watches; i++) {
		struct cg_watch *w = watches[i];
		if (w->wd != ev->wd)
			continue;
		if (ev->mask & IN_MODIFY)
			w->modified = 1;
		if (ev->mask & IN_IGNORED)
			w->wd = -1; /* the cgroup went away */
	}
	for (int i = 0; i < n_parents; i++)
		if (parents[i].wd == ev->wd && (ev->mask & IN_IGNORED))
			parents[i--] = parents[--n_parents];
}

static void on_events(void *ctx, int fd, uint32_t events)
{
	(void)events;
	inotify_each(fd, on_event, ctx);
	cg_watch_check_all();
}

int cg_watch_init(void)
{
	ifd = loop_add_inotify(on_events, NULL);
	return ifd < 0 ? ifd : 0;
}
