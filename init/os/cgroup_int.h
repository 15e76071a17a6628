/*
 * Helpers shared by the cgroup_*.c files only; not part of the API.
 */
#ifndef PACT_CGROUP_INT_H
#define PACT_CGROUP_INT_H

#include <stddef.h>
#include <stdint.h>

struct cg_ctx;

/* path (relative, or absolute below the root) -> relative, no leading '/' */
int cg__rel_of(const struct cg_ctx *cg, const char *path, char *buf, size_t cap);
/* does path have a ".." component? */
int cg__has_dotdot(const char *path);
/* read key from path/cgroup.events */
int cg__read_event_key(const char *path, const char *key, uint64_t *v);
/* the inotify instance in *fd, created on first use */
int cg__inotify_get(int *fd);
/* watch path/cgroup.events for IN_MODIFY on ifd; returns the wd */
int cg__watch_events(int ifd, const char *path);
/* log a zombie scope with its stuck pids and count it (F30) */
void cg__report_zombie(const char *path, int waited_ms);

#endif
