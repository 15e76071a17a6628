/*
 * The watch on the daemon's paths (see dirwatch.h). One inotify watch per
 * directory, shared by the paths in it; the events asked for are the ones
 * that take a name away (IN_DELETE, IN_MOVED_FROM) and the directory's own
 * end (IN_DELETE_SELF, IN_MOVE_SELF).
 */
#include "lib/dirwatch.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#define DIR_MASK (IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF)

struct watched {
	char dir[256];
	char name[128];
	int wd;
	dirwatch_fn gone;
	void *ctx;
};

static struct watched tab[DIRWATCH_MAX];
static int n_tab;
static int ifd = -1;

static int watch_dir(const char *dir)
{
	int wd = inotify_add_watch(ifd, dir, DIR_MASK);
	if (wd < 0)
		log_err("dirwatch: %s: %s", dir, strerror(errno));
	return wd < 0 ? -errno : wd;
}

/* The directory of wd went: make it again, watch it again, tell every owner. */
static void dir_gone(int wd)
{
	char dir[sizeof tab[0].dir] = "";
	for (int i = 0; i < n_tab; i++)
		if (tab[i].wd == wd)
			memcpy(dir, tab[i].dir, sizeof dir);
	if (!dir[0])
		return;			 /* a watch we had already let go */
	(void)inotify_rm_watch(ifd, wd); /* a moved directory: stop following it */
	log_warn("dirwatch: %s was removed or moved away; making it again", dir);
	int r = mkdir_p(dir, 0755);
	int nwd = r < 0 ? r : watch_dir(dir);
	if (r < 0)
		log_err("dirwatch: mkdir %s: %s", dir, strerror(-r));
	for (int i = 0; i < n_tab; i++) {
		if (tab[i].wd != wd || strcmp(tab[i].dir, dir) != 0)
			continue;
		tab[i].wd = nwd;
		if (nwd >= 0)
			tab[i].gone(tab[i].ctx);
	}
}

static void on_event(void *ctx, const struct inotify_event *ev)
{
	(void)ctx;
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
		dir_gone(ev->wd);
		return;
	}
	if (!(ev->mask & (IN_DELETE | IN_MOVED_FROM)) || !ev->len)
		return;
	for (int i = 0; i < n_tab; i++)
		if (tab[i].wd == ev->wd && strcmp(tab[i].name, ev->name) == 0)
			tab[i].gone(tab[i].ctx);
}

static void on_events(void *ctx, int fd, uint32_t events)
{
	(void)events;
	inotify_each(fd, on_event, ctx);
}

int dirwatch_add(const char *path, dirwatch_fn gone, void *ctx)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path || (size_t)(slash - path) >= sizeof tab[0].dir ||
	    strlen(slash + 1) >= sizeof tab[0].name || !slash[1])
		return -ENAMETOOLONG;
	if (ifd < 0 && (ifd = loop_add_inotify(on_events, NULL)) < 0)
		return ifd;
	int i = table_slot(&n_tab, DIRWATCH_MAX, "watched paths", path);
	if (i < 0)
		return i;
	struct watched *w = &tab[i];
	memcpy(w->dir, path, (size_t)(slash - path));
	w->dir[slash - path] = '\0';
	memcpy(w->name, slash + 1, strlen(slash + 1) + 1);
	w->gone = gone;
	w->ctx = ctx;
	/* one watch per directory: inotify hands back the same wd for it */
	w->wd = watch_dir(w->dir);
	return w->wd < 0 ? w->wd : 0;
}
