/*
 * cgroup v2: the mount, the slice hierarchy, the ownership rule (RI1/RI3),
 * one-shot scope creation with limits, and the pure helpers (name and limit
 * validation, io.max syntax, flat-keyed parsers). Metrics are in
 * cgroup_metrics.c, destruction in cgroup_kill.c.
 */
#include "cgroup.h"
#include "fileio.h"
#include "log.h"

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
static int has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
	return 0;
}

int cg_check_write(struct cg_ctx *cg, const char *path, const char *action)
{
	if (has_dotdot(path)) {
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

/* --- scopes: pure helpers --- */

int cg_validate_name(const char *name, const char **why)
{
	const char *w = NULL;
	size_t n = name ? strlen(name) : 0;
	if (n == 0)
		w = "empty";
	else if (n > CG_NAME_MAX)
		w = "longer than 100 characters";
	else if (name[0] == '.')
		w = "starts with '.' (and '.', '..' are reserved)";
	else if (strchr(name, '/'))
		w = "contains '/'";
	for (size_t i = 0; !w && i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '@' || c == ':' || c == '-'))
			w = "has a character outside [A-Za-z0-9_.@:-]";
	}
	if (why)
		*why = w;
	return w ? -EINVAL : 0;
}

int cg_validate_cpu_weight(uint32_t w)
{
	return w >= 1 && w <= 10000 ? 0 : -EINVAL;
}

int cg_validate_limits(const struct cg_limits *l, const char **why)
{
	const char *w = NULL;
	if (l->cpu_weight && cg_validate_cpu_weight(l->cpu_weight) < 0)
		w = "cpu weight outside 1..10000";
	else if (l->n_io > CG_IO_MAX_DEVS)
		w = "too many io devices";
	if (why)
		*why = w;
	return w ? -EINVAL : 0;
}

static void fmt_max(char *buf, size_t cap, uint64_t v)
{
	if (v)
		snprintf(buf, cap, "%" PRIu64, v);
	else
		snprintf(buf, cap, "max");
}

int cg_format_io_line(char *buf, size_t cap, const struct cg_io_limit *l)
{
	char r[24], w[24];
	fmt_max(r, sizeof r, l->rbps);
	fmt_max(w, sizeof w, l->wbps);
	return path_fmt(buf, cap, "%u:%u rbps=%s wbps=%s", l->major, l->minor, r, w);
}

int cg_dev_of_path(const char *path, unsigned *major_out, unsigned *minor_out)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	*major_out = major(st.st_rdev);
	*minor_out = minor(st.st_rdev);
	return 0;
}

int cg_scope_name(char *buf, size_t cap, const char *base, unsigned gen)
{
	if (gen == 0)
		return path_fmt(buf, cap, "%s", base);
	return path_fmt(buf, cap, "%s-%u", base, gen);
}

/* --- scopes --- */

/* path relative to the root, or absolute below it -> relative, no leading '/'. */
static int rel_of(const struct cg_ctx *cg, const char *path, char *buf, size_t cap)
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
	if (!path || has_dotdot(path))
		return -EINVAL;
	if (path[0] == '/')
		return path_fmt(buf, cap, "%s", path);
	while (*path == '/')
		path++;
	if (!*path)
		return path_fmt(buf, cap, "%s", cg->root);
	return path_fmt(buf, cap, "%s/%s", cg->root, path);
}

static int write_limit(const struct cg_scope *s, const char *file, const char *val)
{
	int r = write_file_at(s->dirfd, file, val);
	if (r == -ENOENT)
		log_err("cgroup: %s/%s: no such file (controller not enabled here)", s->path, file);
	else if (r < 0)
		log_err("cgroup: %s/%s: write \"%s\": %s", s->path, file, val, strerror(-r));
	return r;
}

static int apply_limits(const struct cg_scope *s, const struct cg_limits *l)
{
	char v[96];
	int r = 0;
	if (l->memory_max) {
		snprintf(v, sizeof v, "%" PRIu64, l->memory_max);
		if ((r = write_limit(s, "memory.max", v)) < 0)
			return r;
	}
	if (l->cpu_weight) {
		snprintf(v, sizeof v, "%" PRIu32, l->cpu_weight);
		if ((r = write_limit(s, "cpu.weight", v)) < 0)
			return r;
	}
	if (l->pids_max) {
		snprintf(v, sizeof v, "%" PRIu64, l->pids_max);
		if ((r = write_limit(s, "pids.max", v)) < 0)
			return r;
	}
	/* the kernel takes one device per write */
	for (unsigned i = 0; i < l->n_io; i++) {
		if ((r = cg_format_io_line(v, sizeof v, &l->io[i])) < 0)
			return r;
		if ((r = write_limit(s, "io.max", v)) < 0)
			return r;
	}
	return 0;
}

static int create_scope(struct cg_ctx *cg, const char *parent, const char *name,
			const struct cg_limits *lim, struct cg_scope *out, int quiet_exists)
{
	memset(out, 0, sizeof *out);
	out->dirfd = -1;
	const char *why;
	char prel[CG_PATH_MAX];
	if (cg_validate_name(name, &why) < 0) {
		log_err("cgroup: scope name \"%s\": %s", name ? name : "", why);
		return -EINVAL;
	}
	if (lim && cg_validate_limits(lim, &why) < 0) {
		log_err("cgroup: scope %s: %s", name, why);
		return -EINVAL;
	}
	int r = rel_of(cg, parent ? parent : "", prel, sizeof prel);
	if (r >= 0)
		r = path_fmt(out->rel, sizeof out->rel, "%s%s%s.scope", prel, prel[0] ? "/" : "",
			     name);
	if (r >= 0)
		r = path_fmt(out->path, sizeof out->path, "%s/%s", cg->root, out->rel);
	if (r < 0) {
		log_err("cgroup: scope %s under %s: %s", name, parent ? parent : "", strerror(-r));
		return r;
	}
	if ((r = cg_check_write(cg, out->rel, "create scope")) < 0)
		return r;
	if (mkdir(out->path, 0755) < 0) {
		r = -errno;
		if (r == -EEXIST && quiet_exists)
			return r;
		if (r == -EEXIST)
			log_err("cgroup: %s: exists; scopes are one-shot, use a fresh name",
				out->path);
		else
			log_err("cgroup: mkdir %s: %s", out->path, strerror(-r));
		return r;
	}
	out->dirfd = open(out->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (out->dirfd < 0) {
		r = -errno;
		log_err("cgroup: open %s: %s", out->path, strerror(-r));
	} else if (lim) {
		r = apply_limits(out, lim);
	}
	if (r < 0) {
		/* RI5: a scope that failed half-way does not stay behind */
		cg_scope_close(out);
		if (rmdir(out->path) < 0)
			log_err("cgroup: rmdir %s: %s", out->path, strerror(errno));
		return r;
	}
	return 0;
}

int cg_create_scope(struct cg_ctx *cg, const char *parent, const char *name,
		    const struct cg_limits *lim, struct cg_scope *out)
{
	return create_scope(cg, parent, name, lim, out, 0);
}

int cg_create_scope_fresh(struct cg_ctx *cg, const char *parent, const char *base,
			  const struct cg_limits *lim, struct cg_scope *out, unsigned *gen)
{
	char name[CG_NAME_MAX + 16];
	int r = -EEXIST;
	/* bounded: 64 leftover scopes of one service means something is wrong */
	for (int tries = 0; tries < 64 && r == -EEXIST; tries++, (*gen)++) {
		if ((r = cg_scope_name(name, sizeof name, base, *gen)) < 0)
			return r;
		r = create_scope(cg, parent, name, lim, out, 1);
		if (r != -EEXIST)
			return r;
	}
	log_err("cgroup: no fresh scope name for %s under %s", base, parent ? parent : "");
	return r;
}

int cg_scope_open(const struct cg_ctx *cg, const char *path, struct cg_scope *out)
{
	memset(out, 0, sizeof *out);
	out->dirfd = -1;
	int r = cg_abs_path(cg, path, out->path, sizeof out->path);
	if (r >= 0)
		r = rel_of(cg, out->path, out->rel, sizeof out->rel);
	if (r < 0) {
		log_err("cgroup: scope %s: %s", path, strerror(-r));
		return r;
	}
	out->dirfd = open(out->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (out->dirfd < 0)
		return -errno;
	return 0;
}

int cg_scope_spawn_fd(const struct cg_scope *s)
{
	if (s->killed || s->zombie) {
		log_err("cgroup: %s: refusing to spawn into a %s scope (one-shot)", s->path,
			s->zombie ? "zombie" : "killed");
		return -ESTALE;
	}
	return s->dirfd >= 0 ? s->dirfd : -EBADF;
}

void cg_scope_close(struct cg_scope *s)
{
	close_fd(s->dirfd);
	s->dirfd = -1;
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
