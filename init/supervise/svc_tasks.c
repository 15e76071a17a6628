/*
 * The default task limit of services (see svc_tasks.h).
 */
#include "supervise/svc_tasks.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "node/hardware.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define N_SLICES (UNIT_SLICE_AUDIT + 1)

static char spec[32] = SVC_TASKS_DEFAULT;
static uint64_t default_limit; /* 0: none */
static int has_pids[N_SLICES]; /* the slice passes the pids controller to its scopes */

int svc_tasks_compute(const char *s, uint64_t pid_max, uint64_t threads_max, uint64_t *limit)
{
	unsigned long long n;
	char num[24];
	size_t len = strlen(s);
	if (strcmp(s, "infinity") == 0) {
		*limit = 0;
		return 0;
	}
	if (len && s[len - 1] == '%') {
		if (len - 1 >= sizeof num)
			return -EINVAL;
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		if (parse_u64(num, &n) < 0 || n < 1 || n > 100)
			return -EINVAL;
		/* PID 0 is no task: pid_max - 1 of them at most */
		uint64_t kernel = pid_max > 1 ? pid_max - 1 : 1;
		if (threads_max && threads_max < kernel)
			kernel = threads_max;
		*limit = kernel * n / 100;
		if (*limit == 0)
			*limit = 1;
		return 0;
	}
	if (parse_u64(s, &n) < 0 || n == 0)
		return -EINVAL;
	*limit = n;
	return 0;
}

int svc_tasks_conf(const char *value, char *err, size_t errlen)
{
	uint64_t probe;
	if (strlen(value) >= sizeof spec || svc_tasks_compute(value, 32768, 32768, &probe) < 0) {
		snprintf(err, errlen, "want a number of tasks, N%% (1..100) or infinity");
		return -EINVAL;
	}
	snprintf(spec, sizeof spec, "%s", value);
	return 0;
}

static uint64_t read_sysctl(const char *path)
{
	char buf[32];
	unsigned long long v = 0;
	if (read_file(path, buf, sizeof buf) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		(void)parse_u64(buf, &v);
	}
	return v;
}

static int slice_has_pids(const char *rel)
{
	char path[CG_PATH_MAX], text[256];
	if (cg_abs_path(&node_cg, rel, path, sizeof path) < 0 ||
	    path_fmt(path + strlen(path), sizeof path - strlen(path), "/cgroup.subtree_control") <
		0 ||
	    read_file(path, text, sizeof text) < 0)
		return 0;
	for (char *save, *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
		if (strcmp(w, "pids") == 0)
			return 1;
	return 0;
}

void svc_tasks_apply(void)
{
	uint64_t pid_max = read_sysctl("/proc/sys/kernel/pid_max"),
		 threads = read_sysctl("/proc/sys/kernel/threads-max");
	if (svc_tasks_compute(spec, pid_max, threads, &default_limit) < 0)
		default_limit = 0; /* checked when read: cannot happen */
	char value[24] = "max";
	if (default_limit)
		snprintf(value, sizeof value, "%llu", (unsigned long long)default_limit);
	int applied = 0;
	for (int i = 0; i < N_SLICES; i++) {
		const char *rel = unit_slice_path((enum unit_slice)i);
		has_pids[i] = slice_has_pids(rel);
		/* the slice's own pids.max exists when its parent passes pids on */
		char path[CG_PATH_MAX];
		if (cg_abs_path(&node_cg, rel, path, sizeof path) < 0 ||
		    path_fmt(path + strlen(path), sizeof path - strlen(path), "/pids.max") < 0)
			continue;
		int r = write_file(path, value);
		if (r == 0)
			applied++;
		else if (r != -ENOENT)
			log_err("services: %s: %s", path, strerror(-r));
	}
	if (applied)
		log_info("services: task limit %s for each slice of pact.slice and each service "
			 "without TasksMax= (services_tasks_max %s; kernel: pid_max %llu, "
			 "threads-max %llu)",
			 value, spec, (unsigned long long)pid_max, (unsigned long long)threads);
	else
		log_debug("services: no pids controller: no default task limit");
}

uint64_t svc_tasks_for(const struct unit *u)
{
	if (u->tasks_max_set)
		return u->tasks_max == UNIT_INFINITY ? 0 : u->tasks_max;
	return (int)u->slice < N_SLICES && has_pids[u->slice] ? default_limit : 0;
}
