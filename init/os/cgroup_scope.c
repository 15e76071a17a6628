/*
 * One-shot scopes: name and limit validation, the kernel's limit syntax
 * (io.max per device), creation with limits and RI5 cleanup, fresh names
 * for restarts, handles for existing cgroups.
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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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
	int r = cg__rel_of(cg, parent ? parent : "", prel, sizeof prel);
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
		r = cg__rel_of(cg, out->path, out->rel, sizeof out->rel);
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
