/*
 * Coldplug (see coldplug.h). Devices are found through /sys/bus/ * /devices,
 * where every device that has a modalias is listed (the modalias comes
 * from its bus), instead of a recursion through all of /sys/devices and
 * its attribute directories. Strings live in one arena for the worker's
 * life; the worker's exit frees it.
 */
#include "os/coldplug.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sort.h"
#include "lib/table.h"
#include "lib/worker.h"
#include "os/devrules.h"
#include "os/kmod.h"
#include "os/modprobe.h"
#include "os/uevent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARENA	   (512 * 1024)
#define WANTED_MAX 512

static char arena[ARENA] PAGE_ALIGNED;
static size_t arena_used;
static struct modalias_dev seen[COLDPLUG_MAX_DEVICES] PAGE_ALIGNED,
    fresh[COLDPLUG_MAX_DEVICES] PAGE_ALIGNED;
static int n_seen, n_fresh;
static struct {
	char name[64];
	int dev; /* the first device that wants it, in the array matched */
} wanted[WANTED_MAX] PAGE_ALIGNED;
static int n_wanted;

static const char *keep(const char *s, size_t len)
{
	if (arena_used + len + 1 > sizeof arena)
		return NULL;
	char *p = arena + arena_used;
	memcpy(p, s, len);
	p[len] = '\0';
	arena_used += len + 1;
	return p;
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct modalias_dev *)a)->alias,
		      ((const struct modalias_dev *)b)->alias);
}

static int is_seen(const char *alias)
{
	struct modalias_dev key = {alias, NULL};
	return bsearch(&key, seen, (size_t)n_seen, sizeof key, cmp_dev) != NULL;
}

/* One walk: the devices whose alias was not seen before go to fresh. */
static int walk(struct coldplug *c)
{
	char path[512], alias[4096];
	n_fresh = 0;
	if (c->walking && path_fmt(path, sizeof path, "%s/kernel/uevent_seqnum", c->sysfs) >= 0 &&
	    read_file(path, alias, 32) > 0)
		c->walking(strtoull(alias, NULL, 10));
	if (path_fmt(path, sizeof path, "%s/bus", c->sysfs) < 0)
		return -ENAMETOOLONG;
	DIR *buses = opendir(path);
	if (!buses)
		return -errno;
	struct dirent *b;
	while ((b = readdir(buses))) {
		if (b->d_name[0] == '.' ||
		    path_fmt(path, sizeof path, "%s/bus/%s/devices", c->sysfs, b->d_name) < 0)
			continue;
		DIR *devs = opendir(path);
		if (!devs)
			continue;
		struct dirent *e;
		while ((e = readdir(devs))) {
			char rel[300];
			if (e->d_name[0] == '.' ||
			    path_fmt(rel, sizeof rel, "%s/modalias", e->d_name) < 0)
				continue;
			ssize_t n = read_file_at(dirfd(devs), rel, alias, sizeof alias);
			while (n > 0 && (alias[n - 1] == '\n' || alias[n - 1] == ' '))
				alias[--n] = '\0';
			if (n <= 0 || is_seen(alias))
				continue;
			c->devices++;
			if (n_fresh == COLDPLUG_MAX_DEVICES)
				continue;
			const char *a = keep(alias, (size_t)n),
				   *d = keep(e->d_name, strlen(e->d_name));
			if (a && d)
				fresh[n_fresh++] = (struct modalias_dev){a, d};
		}
		closedir(devs);
	}
	closedir(buses);
	return n_fresh;
}

static void want(void *ctx, int i, const char *module)
{
	(void)ctx;
	for (int k = 0; k < n_wanted; k++)
		if (strcmp(wanted[k].name, module) == 0)
			return;
	if (n_wanted < WANTED_MAX && strlen(module) < sizeof wanted[0].name) {
		snprintf(wanted[n_wanted].name, sizeof wanted[0].name, "%s", module);
		wanted[n_wanted++].dev = i;
	}
}

static void load_one(struct coldplug *c, const char *name, const struct modalias_dev *d)
{
	char mods[256], p[320];
	struct stat st;
	const char *dev = d->devpath ? d->devpath : "?";
	if (path_fmt(mods, sizeof mods, "%s/module", c->sysfs) < 0 ||
	    path_fmt(p, sizeof p, "%s/%s", mods, name) < 0 || stat(p, &st) == 0)
		return; /* loaded already, or built in */
	if (c->conf && modprobe_blocked(c->conf, name)) {
		c->blacklisted++;
		log_info("devices: %s is blacklisted in modprobe.d: not loaded for %s (%s)", name,
			 dev, d->alias);
		return;
	}
	struct kmod_opts o = {.modules_dir = c->modules_dir,
			      .sys_module_dir = mods,
			      .conf = c->conf,
			      .loader = c->loader,
			      .quiet_missing = 1};
	worker_say("loading %s for %s", name, dev); /* named if it hangs */
	uint64_t t0 = now_ms();
	int r = kmod_load_opts(name, &o);
	if (r == 0) {
		c->loaded++;
		log_info("devices: loaded %s for %s (%s) in %llu ms", name, dev, d->alias,
			 (unsigned long long)(now_ms() - t0));
	} else if (r == -ENOENT) {
		c->missing++;
		log_warn("devices: %s (%s) wants module %s, which is not in %s/modules.dep: "
			 "the device stays without a driver",
			 dev, d->alias, name, c->modules_dir);
	} else {
		c->failed++;
		log_err("devices: loading %s for %s (%s): %s", name, dev, d->alias, strerror(-r));
	}
}

int coldplug_load(struct coldplug *c, struct modalias_dev *d, int n)
{
	char path[512];
	if (path_fmt(path, sizeof path, "%s/modules.alias", c->modules_dir) < 0)
		return -ENAMETOOLONG;
	n = modalias_sort(d, n);
	n_wanted = 0;
	int r = modalias_match(path, d, n, want, NULL);
	if (r < 0) {
		log_err("devices: %s: %s", path, strerror(-r));
		return r;
	}
	int before = c->loaded;
	for (int k = 0; k < n_wanted; k++)
		load_one(c, wanted[k].name, &d[wanted[k].dev]);
	return c->loaded - before;
}

int coldplug_run(struct coldplug *c)
{
	n_seen = 0;
	arena_used = 0;
	for (int pass = 0; pass < COLDPLUG_PASSES; pass++) {
		int n = walk(c);
		if (n < 0) {
			log_err("devices: %s/bus: %s", c->sysfs, strerror(-n));
			return n;
		}
		if (n == 0)
			break;
		int r = coldplug_load(c, fresh, n);
		if (r < 0)
			return r;
		n = modalias_sort(fresh, n);
		for (int i = 0; i < n && n_seen < COLDPLUG_MAX_DEVICES; i++)
			seen[n_seen++] = fresh[i];
		sort_items(seen, (size_t)n_seen, sizeof seen[0], cmp_dev);
		if (r == 0)
			break; /* nothing new loaded: no new devices to expect */
	}
	return c->loaded;
}

/* The subsystem or kernel name: the last component of a link under dfd. */
static void link_base(int dfd, const char *rel, char *out, size_t cap)
{
	char t[512];
	ssize_t n = readlinkat(dfd, rel, t, sizeof t - 1);
	out[0] = '\0';
	if (n <= 0)
		return;
	t[n] = '\0';
	const char *b = strrchr(t, '/');
	b = b ? b + 1 : t;
	size_t l = strlen(b);
	if (l < cap)
		memcpy(out, b, l + 1);
}

int coldplug_rules(const struct devrules *rs, const char *sysfs, const char *devdir)
{
	static const char *const kinds[] = {"char", "block"};
	int changed = 0;
	if (rs->n == 0)
		return 0;
	for (int k = 0; k < 2; k++) {
		char path[512], text[UEVENT_BUF], rel[300], subsys[64], kernel[256];
		if (path_fmt(path, sizeof path, "%s/dev/%s", sysfs, kinds[k]) < 0)
			continue;
		DIR *d = opendir(path);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d))) {
			struct uevent ev;
			if (e->d_name[0] == '.' ||
			    path_fmt(rel, sizeof rel, "%s/uevent", e->d_name) < 0)
				continue;
			ssize_t n = read_file_at(dirfd(d), rel, text, sizeof text);
			if (n <= 0 || uevent_parse(text, (size_t)n, '\n', &ev) < 0 || !ev.devname)
				continue;
			snprintf(rel, sizeof rel, "%s/subsystem", e->d_name);
			link_base(dirfd(d), rel, subsys, sizeof subsys);
			link_base(dirfd(d), e->d_name, kernel, sizeof kernel);
			ev.subsystem = subsys;
			ev.kernel = kernel;
			ev.action = "add";
			struct devrule_result res;
			if (devrules_eval(rs, &ev, &res) > 0) {
				changed++;
				devrules_apply(rs, devdir, &ev);
			}
		}
		closedir(d);
	}
	return changed;
}
