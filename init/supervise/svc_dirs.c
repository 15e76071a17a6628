/*
 * RuntimeDirectory= and friends (see svc_dirs.h). Removal is a bounded
 * walk (depth and entries) with unlinkat: a runtime directory holds
 * sockets and pid files, not trees.
 */
#include "supervise/svc_dirs.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RM_DEPTH_MAX   16
#define RM_ENTRIES_MAX 4096

static const char *const bases[UNIT_DIR_KINDS] = {"/run", "/var/lib", "/var/cache", "/var/log",
						  "/etc"};
static const char *const env_names[UNIT_DIR_KINDS] = {"RUNTIME_DIRECTORY", "STATE_DIRECTORY",
						      "CACHE_DIRECTORY", "LOGS_DIRECTORY",
						      "CONFIGURATION_DIRECTORY"};

int svc_dirs_make(const struct unit *u, char *why, size_t cap)
{
	for (int k = 0; k < UNIT_DIR_KINDS; k++) {
		for (int i = 0; i < u->n_dirs[k]; i++) {
			char path[512];
			if (path_fmt(path, sizeof path, "%s/%s", bases[k], u->dirs[k][i]) < 0)
				return snprintf(why, cap, "%s/%s: path too long", bases[k],
						u->dirs[k][i]),
				       -ENAMETOOLONG;
			int r = mkdir_p(path, 0755);
			if (r == 0 && chmod(path, u->dir_mode[k]) < 0)
				r = -errno;
			/* all but the configuration directories belong to the service */
			if (r == 0 && u->has_cred && k != UNIT_DIR_CONFIGURATION &&
			    chown(path, u->cred.uid, u->cred.gid) < 0)
				r = -errno;
			if (r < 0) {
				snprintf(why, cap, "cannot make %s (%s): %s", path,
					 k == UNIT_DIR_RUNTIME ? "RuntimeDirectory="
							       : "a *Directory=",
					 strerror(-r));
				return r;
			}
		}
	}
	return 0;
}

/* Remove the entries of dirfd, depth levels deep at most; counts them. */
static int rm_below(int dirfd, int depth, int *budget)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return -errno;
	}
	struct dirent *e;
	int r = 0;
	while ((e = readdir(d)) && (*budget)-- > 0) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd, e->d_name, 0) == 0)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			r = -errno;
			continue;
		}
		int sub =
		    depth < RM_DEPTH_MAX
			? openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			: -1;
		if (sub < 0 || rm_below(sub, depth + 1, budget) < 0 ||
		    unlinkat(dirfd, e->d_name, AT_REMOVEDIR) < 0)
			r = -EBUSY;
	}
	closedir(d);
	return r;
}

void svc_dirs_remove_runtime(const struct unit *u, int restarting)
{
	if (u->runtime_preserve == 1 || (restarting && u->runtime_preserve == 2))
		return;
	for (int i = 0; i < u->n_dirs[UNIT_DIR_RUNTIME]; i++) {
		char path[512];
		if (path_fmt(path, sizeof path, "/run/%s", u->dirs[UNIT_DIR_RUNTIME][i]) < 0)
			continue;
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int budget = RM_ENTRIES_MAX;
		if (fd < 0)
			continue;
		if (rm_below(fd, 0, &budget) < 0 || rmdir(path) < 0)
			log_warn("service %s: could not remove all of %s (RuntimeDirectory=)",
				 u->name, path);
	}
}

int svc_dirs_env(const struct unit *u, enum unit_dir_kind kind, char *buf, size_t cap)
{
	if (!u->n_dirs[kind])
		return 0;
	size_t used = (size_t)snprintf(buf, cap, "%s=", env_names[kind]);
	for (int i = 0; i < u->n_dirs[kind] && used < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%s/%s", i ? ":" : "",
					 bases[kind], u->dirs[kind][i]);
	return used < cap ? (int)used : 0;
}
