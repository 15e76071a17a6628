/*
 * Delegate=yes: the service's scope is a subtree it manages itself
 * (slurmd's and containerd's cgroups below it). pact-init makes every
 * controller the kernel has available in the scope, cpuset included, by
 * enabling them in the subtree_control of each cgroup above it (only "+"
 * writes: a controller is never taken away), and gives a service with
 * User= the scope's directory and its cgroup.procs, cgroup.threads and
 * cgroup.subtree_control (the kernel's delegation, cgroup-v2.rst). The
 * scope's own subtree_control and everything below it are the service's:
 * pact-init never writes them, not at a reload, not at a re-exec (it
 * opens a carried scope without writing to it). Stopping still kills the
 * whole subtree (cgroup.kill) and removes it depth first.
 */
#include "supervise/svc_delegate.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* the controllers a delegated scope gets, where the kernel has them */
static const char *const delegated[] = {"cpuset", "cpu", "io", "memory", "pids"};

/* Is word one of the space-separated words of list? */
static int listed(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

void svc_delegate_pass_down(const char *dir)
{
	char file[CG_PATH_MAX], avail[256];
	if (path_fmt(file, sizeof file, "%s/cgroup.controllers", dir) < 0 ||
	    read_file(file, avail, sizeof avail) < 0 ||
	    path_fmt(file, sizeof file, "%s/cgroup.subtree_control", dir) < 0)
		return;
	for (size_t i = 0; i < sizeof delegated / sizeof delegated[0]; i++) {
		char word[16];
		if (!listed(avail, delegated[i]))
			continue; /* the kernel (or the level above) does not have it */
		snprintf(word, sizeof word, "+%s", delegated[i]);
		int r = write_file(file, word);
		if (r < 0) /* one refused does not stop the others */
			log_warn("delegate: %s %s: %s", file, word, strerror(-r));
	}
}

int svc_delegate_prepare(const struct cg_ctx *cg, const char *slice_rel)
{
	char dir[CG_PATH_MAX];
	if (path_fmt(dir, sizeof dir, "%s", cg->root) < 0)
		return -ENAMETOOLONG;
	svc_delegate_pass_down(dir);
	/* each level of the slice's path, top down: pact.slice, then infra.slice */
	size_t n = strlen(slice_rel);
	for (size_t i = 1; i <= n; i++) {
		if (slice_rel[i] != '/' && slice_rel[i] != '\0')
			continue;
		if (path_fmt(dir, sizeof dir, "%s/%.*s", cg->root, (int)i, slice_rel) < 0)
			return -ENAMETOOLONG;
		svc_delegate_pass_down(dir);
	}
	return 0;
}

int svc_delegate_give(const struct cg_scope *scope, uid_t uid, gid_t gid)
{
	static const char *const files[] = {"cgroup.procs", "cgroup.threads",
					    "cgroup.subtree_control"};
	if (chown(scope->path, uid, gid) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[CG_PATH_MAX];
		if (path_fmt(path, sizeof path, "%s/%s", scope->path, files[i]) < 0)
			return -ENAMETOOLONG;
		if (chown(path, uid, gid) < 0)
			return -errno;
	}
	return 0;
}
