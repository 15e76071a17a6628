/*
 * cgroup metrics (RI6: readable for any path, no ownership check) and the
 * pure parsers of the kernel's flat-keyed files (cgroup.events, cpu.stat,
 * memory.events). A file that is missing because its controller is off
 * reads as 0 / none, not as an error.
 */
#include "os/cgroup.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int cg_parse_keyed(const char *text, const char *key, uint64_t *out)
{
	size_t kn = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, kn) != 0 || p[kn] != ' ')
			continue;
		const char *v = p + kn + 1;
		size_t vn = strcspn(v, "\n");
		char num[24];
		if (vn == 0 || vn >= sizeof num)
			return -EINVAL;
		memcpy(num, v, vn);
		num[vn] = '\0';
		unsigned long long x;
		int r = parse_u64(num, &x);
		if (r < 0)
			return r;
		*out = x;
		return 0;
	}
	return -ENOENT;
}

int cg_parse_max(const char *text, uint64_t *out)
{
	char num[24];
	size_t n = strcspn(text, "\n");
	if (n == 0 || n >= sizeof num)
		return -EINVAL;
	memcpy(num, text, n);
	num[n] = '\0';
	if (strcmp(num, "max") == 0)
		return 0;
	unsigned long long x;
	if (parse_u64(num, &x) < 0)
		return -EINVAL;
	*out = x;
	return 1;
}

uint32_t cg_count_lines(const char *text)
{
	uint32_t n = 0;
	for (const char *p = text; *p; p++)
		if (*p == '\n')
			n++;
	if (*text && text[strlen(text) - 1] != '\n')
		n++;
	return n;
}

/* Count the lines of dirfd/name without holding it all: it can be long. */
static int count_file_lines(int dirfd, const char *name, uint32_t *out)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[1024];
	uint32_t n = 0;
	char last = '\n';
	ssize_t got;
	while ((got = read_retry(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < got; i++)
			n += buf[i] == '\n';
		last = buf[got - 1];
	}
	close_fd(fd);
	if (got < 0)
		return (int)got;
	*out = n + (last != '\n');
	return 0;
}

/* Read dirfd/name and take key from it; a missing file or key leaves *out. */
static int read_keyed_at(int dirfd, const char *name, const char *key, uint64_t *out)
{
	char buf[2048];
	ssize_t n = read_file_at(dirfd, name, buf, sizeof buf);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	int r = cg_parse_keyed(buf, key, out);
	return r == -ENOENT ? 0 : r;
}

int cg_read_metrics(const struct cg_ctx *cg, const char *path, struct cg_metrics *out)
{
	char abs[CG_PATH_MAX], buf[64];
	memset(out, 0, sizeof *out);
	int r = cg_abs_path(cg, path, abs, sizeof abs);
	if (r < 0)
		return r;
	int dfd = open(abs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno; /* ENOENT: the contract's NotFound */
	ssize_t n = read_file_at(dfd, "memory.current", buf, sizeof buf);
	if (n > 0) {
		uint64_t v;
		if (cg_parse_max(buf, &v) == 1)
			out->memory_current = v;
	}
	n = read_file_at(dfd, "memory.max", buf, sizeof buf);
	if (n > 0 && cg_parse_max(buf, &out->memory_max) == 1)
		out->memory_max_set = 1;
	n = read_file_at(dfd, "pids.current", buf, sizeof buf);
	if (n > 0 && cg_parse_max(buf, &out->pids_current) == 1)
		out->pids_set = 1;
	uint64_t pop = 0;
	if ((r = read_keyed_at(dfd, "cpu.stat", "usage_usec", &out->cpu_usage_usec)) < 0 ||
	    (r = read_keyed_at(dfd, "memory.events", "oom_kill", &out->oom_kills)) < 0 ||
	    (r = read_keyed_at(dfd, "cgroup.events", "populated", &pop)) < 0 ||
	    (r = count_file_lines(dfd, "cgroup.procs", &out->nr_processes)) < 0)
		log_warn("cgroup: metrics of %s: %s", abs, strerror(-r));
	out->populated = pop != 0;
	close_fd(dfd);
	return r < 0 ? r : 0;
}

int cg_is_empty(const struct cg_ctx *cg, const char *path)
{
	char abs[CG_PATH_MAX], buf[256];
	int r = cg_abs_path(cg, path, abs, sizeof abs);
	if (r < 0)
		return r;
	if ((r = path_fmt(abs + r, sizeof abs - (size_t)r, "/cgroup.events")) < 0)
		return r;
	ssize_t n = read_file(abs, buf, sizeof buf);
	if (n < 0)
		return (int)n;
	uint64_t pop;
	if ((r = cg_parse_keyed(buf, "populated", &pop)) < 0)
		return r;
	return pop == 0;
}

/* Depth-first over the cgroups below rel, calling cb for each "*.scope". */
static int scopes_below(const struct cg_ctx *cg, const char *rel, int depth,
			int (*cb)(void *ctx, const char *rel), void *ctx)
{
	char abs[CG_PATH_MAX];
	if (depth > CG_WALK_DEPTH || cg_abs_path(cg, rel, abs, sizeof abs) < 0)
		return 0;
	DIR *d = opendir(abs);
	if (!d)
		return 0;
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char child[CG_PATH_MAX];
		if (path_fmt(child, sizeof child, "%s/%s", rel, e->d_name) < 0)
			continue;
		size_t l = strlen(e->d_name);
		if (l > 6 && strcmp(e->d_name + l - 6, ".scope") == 0)
			r = cb(ctx, child);
		if (r == 0)
			r = scopes_below(cg, child, depth + 1, cb, ctx);
	}
	closedir(d);
	return r;
}

int cg_for_each_scope(const struct cg_ctx *cg, const char *rel,
		      int (*cb)(void *ctx, const char *rel), void *ctx)
{
	return scopes_below(cg, rel, 0, cb, ctx);
}
