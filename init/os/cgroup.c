/*
 * cgroup v2: the mount, the slice hierarchy with its controllers, the
 * ownership rule (RI1/RI3), path resolution and RI4. Scopes are in
 * cgroup_scope.c, metrics in cgroup_metrics.c, destruction in
 * cgroup_kill.c and cgroup_async.c.
 */
#include "os/cgroup.h"
#include "os/cgroup_int.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *const cg_controllers[] = {"cpu", "memory", "io", "pids"};

int cg_ctx_init(struct cg_ctx *cg, const char *root)
{
	memset(cg, 0, sizeof *cg);
	int r = path_fmt(cg->root, sizeof cg->root, "%s", root ? root : CG_DEFAULT_ROOT);
	if (r < 0)
		return r;
	if (cg->root[0] != '/')
		return -EINVAL;
	for (size_t n = strlen(cg->root); n > 1 && cg->root[n - 1] == '/'; n--)
		cg->root[n - 1] = '\0';
	return 0;
}

int cg_is_cgroup2(const char *path)
{
	struct statfs sf;
	if (statfs(path, &sf) < 0)
		return -errno;
	return (unsigned long)sf.f_type == (unsigned long)CGROUP2_SUPER_MAGIC;
}

int cg_mount(const char *root)
{
	int r = cg_is_cgroup2(root);
	if (r == 1)
		return 0;
	r = mkdir_p(root, 0755);
	if (r < 0) {
		log_err("cgroup: mkdir %s: %s", root, strerror(-r));
		return r;
	}
	/* newest options first; a kernel that lacks one says EINVAL */
	static const char *const opts[] = {"nsdelegate,memory_recursiveprot", "nsdelegate", ""};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		if (mount("cgroup2", root, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts[i]) ==
		    0) {
			log_info("cgroup: mounted cgroup2 on %s (%s)", root,
				 opts[i][0] ? opts[i] : "no options");
			return 0;
		}
		r = -errno;
		if (r != -EINVAL)
			break;
	}
	log_err("cgroup: mount cgroup2 on %s: %s", root, strerror(-r));
	return r;
}

/* Is word one of the whitespace-separated words of list? */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\n' && *e != '\t')
			e++;
		if ((size_t)(e - p) == n && memcmp(p, word, n) == 0)
			return 1;
		p = e;
	}
	return 0;
}

int cg_enable_controllers(const char *dir)
{
	char file[CG_PATH_MAX], avail[512];
	int r = path_fmt(file, sizeof file, "%s/cgroup.controllers", dir);
	if (r < 0)
		return r;
	ssize_t n = read_file(file, avail, sizeof avail);
	if (n < 0) {
		log_err("cgroup: %s: %s", file, strerror((int)-n));
		return (int)n;
	}
	r = path_fmt(file, sizeof file, "%s/cgroup.subtree_control", dir);
	if (r < 0)
		return r;
	int enabled = 0;
	/* one write per controller: a controller the kernel refuses must not
	 * take the others down with it */
	for (size_t i = 0; i < sizeof cg_controllers / sizeof cg_controllers[0]; i++) {
		char word[16];
		if (!has_word(avail, cg_controllers[i])) {
			log_debug("cgroup: %s: controller %s not available", dir,
				  cg_controllers[i]);
			continue;
		}
		snprintf(word, sizeof word, "+%s", cg_controllers[i]);
		r = write_file(file, word);
		if (r < 0) {
			log_warn("cgroup: %s: enable %s: %s", file, cg_controllers[i],
				 strerror(-r));
			continue;
		}
		enabled++;
	}
	return enabled;
}

static const char *const cg_slices[] = {PACT_SLICE_ROOT, PACT_SLICE_INFRA, PACT_SLICE_NETWORK,
					PACT_SLICE_GPU,	 PACT_SLICE_AUDIT, PACT_SLICE_WORKLOAD};

int cg_create_hierarchy(struct cg_ctx *cg)
{
	int r = cg_is_cgroup2(cg->root);
	if (r != 1) {
		log_err("cgroup: %s: %s", cg->root, r < 0 ? strerror(-r) : "not a cgroup2 mount");
		return r < 0 ? r : -ENOTSUP;
	}
	/* the root may hold processes (PID 1 stays there): allowed for a root;
	 * for a non-root test root this only fails if it holds processes */
	(void)cg_enable_controllers(cg->root);
	char dir[CG_PATH_MAX];
	/* parents come first in cg_slices, so each level's controllers are
	 * enabled before its children are created. Creating workload.slice
	 * itself is ours (WI4: both sides build the same hierarchy) */
	for (size_t i = 0; i < sizeof cg_slices / sizeof cg_slices[0]; i++) {
		r = path_fmt(dir, sizeof dir, "%s/%s", cg->root, cg_slices[i]);
		if (r < 0)
			return r;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			r = -errno;
			log_err("cgroup: mkdir %s: %s", dir, strerror(-r));
			return r;
		}
		/* every slice passes controllers down: to sub-slices, to service
		 * scopes, and in workload.slice to the workload manager's scopes */
		(void)cg_enable_controllers(dir);
	}
	return 0;
}

/* --- ownership --- */

static int first_component_is(const char *p, const char *word)
{
	size_t n = strlen(word);
	return strncmp(p, word, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* The part of an absolute path below root, or NULL if it is not below root. */
static const char *below_root(const char *root, const char *path)
{
	size_t n = strlen(root);
	while (n > 0 && root[n - 1] == '/')
		n--;
	if (strncmp(path, root, n) != 0)
		return NULL;
	if (path[n] != '\0' && path[n] != '/')
		return NULL; /* /sys/fs/cgroupX is not below /sys/fs/cgroup */
	return path + n;
}

enum pact_slice_owner cg_slice_owner(const char *root, const char *path)
{
	if (!path)
		return PACT_OWNER_NONE;
	if (path[0] == '/') {
		if (!root || !(path = below_root(root, path)))
			return PACT_OWNER_NONE;
	}
	for (;;) {
		while (*path == '/')
			path++;
		if (path[0] == '.' && (path[1] == '/' || path[1] == '\0'))
			path++;
		else
			break;
	}
	if (first_component_is(path, PACT_SLICE_ROOT))
		return PACT_OWNER_PACT;
	if (first_component_is(path, PACT_SLICE_WORKLOAD))
		return PACT_OWNER_WORKLOAD;
	return PACT_OWNER_NONE;
}

const char *cg_owner_name(enum pact_slice_owner o)
{
	switch (o) {
	case PACT_OWNER_PACT:
		return "Pact";
	case PACT_OWNER_WORKLOAD:
		return "Workload";
	case PACT_OWNER_NONE:
		break;
	}
	return "none";
}

/* Does path have a ".." component? Such paths could escape their owner. */
int cg__has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
	return 0;
}

int cg_check_write(struct cg_ctx *cg, const char *path, const char *action)
{
	if (cg__has_dotdot(path)) {
		log_err("cgroup: %s %s: '..' in a cgroup path is refused", action, path);
		return -EINVAL;
	}
	enum pact_slice_owner o = cg_slice_owner(cg->root, path);
	if (o != PACT_OWNER_WORKLOAD)
		return 0;
	if (!cg->emergency) {
		log_err("cgroup: %s %s: permission denied: owned by %s", action, path,
			cg_owner_name(o));
		return -EPERM;
	}
	log_warn("cgroup: emergency override (%s): %s %s, owned by %s", cg->reason, action, path,
		 cg_owner_name(o));
	return 0;
}

int cg_write(struct cg_ctx *cg, const char *path, const char *file, const char *value)
{
	char abs[CG_PATH_MAX], action[80];
	if (!file || !*file || strchr(file, '/') || file[0] == '.') {
		log_err("cgroup: %s: bad file name \"%s\"", path, file ? file : "");
		return -EINVAL;
	}
	snprintf(action, sizeof action, "write %s to", file);
	int r = cg_check_write(cg, path, action);
	if (r < 0)
		return r;
	if ((r = cg_abs_path(cg, path, abs, sizeof abs)) < 0 ||
	    (r = path_fmt(abs + r, sizeof abs - (size_t)r, "/%s", file)) < 0)
		return r;
	if ((r = write_file(abs, value)) < 0)
		log_err("cgroup: %s: write \"%s\": %s", abs, value, strerror(-r));
	return r;
}

int cg_destroy_timeout(const struct cg_ctx *cg)
{
	return cg->destroy_timeout_ms > 0 ? cg->destroy_timeout_ms : CG_DESTROY_TIMEOUT_MS;
}

void cg_set_emergency(struct cg_ctx *cg, int on, const char *reason)
{
	if (!reason || !*reason)
		reason = "unspecified";
	/* RI3: the declaration is in the log before anything acts on it */
	if (on)
		log_warn("cgroup: emergency declared: %s: workload.slice writable by pact-init",
			 reason);
	else
		log_notice("cgroup: emergency ended (%s)", cg->reason);
	snprintf(cg->reason, sizeof cg->reason, "%s", on ? reason : "");
	cg->emergency = !!on;
}

/* --- paths --- */

/* path relative to the root, or absolute below it -> relative, no leading '/'. */
int cg__rel_of(const struct cg_ctx *cg, const char *path, char *buf, size_t cap)
{
	if (path[0] == '/') {
		const char *p = below_root(cg->root, path);
		if (!p)
			return -EINVAL;
		path = p;
	}
	while (*path == '/')
		path++;
	int r = path_fmt(buf, cap, "%s", path);
	for (size_t n = r > 0 ? (size_t)r : 0; n > 0 && buf[n - 1] == '/'; n--)
		buf[n - 1] = '\0';
	return r;
}

int cg_abs_path(const struct cg_ctx *cg, const char *path, char *buf, size_t cap)
{
	if (!path || cg__has_dotdot(path))
		return -EINVAL;
	if (path[0] == '/')
		return path_fmt(buf, cap, "%s", path);
	while (*path == '/')
		path++;
	if (!*path)
		return path_fmt(buf, cap, "%s", cg->root);
	return path_fmt(buf, cap, "%s/%s", cg->root, path);
}

int cg_oom_protect(const char *path)
{
	if (!path)
		path = "/proc/self/oom_score_adj";
	int r = write_file(path, "-1000");
	if (r < 0)
		log_err("cgroup: %s: %s", path, strerror(-r));
	return r;
}
