/*
 * The system.slice a workload manager runs in without systemd (Slurm's
 * stepd scope and slurmd itself; init.conf's services_system_slice), as
 * pactctl status and the metrics show it: what the subtree uses (memory,
 * CPU, processes, cgroups) and which services' main processes moved
 * there. Read only: the slice is the workload manager's (docs/cgroups.md).
 */
#include "ctl/metrics.h"
#include "ctl/verbs.h"
#include "lib/json.h"
#include "node/hardware.h"
#include "supervise/supervise.h"

#include <stdio.h>
#include <string.h>

#define SYSTEM_SLICE "system.slice"

struct slice_use {
	struct cg_metrics m;
	uint64_t processes; /* in the whole subtree */
	uint64_t cgroups;   /* scopes below it */
};

static int count_pid(void *ctx, pid_t pid)
{
	(void)pid;
	(*(uint64_t *)ctx)++;
	return 0;
}

static int count_scope(void *ctx, const char *rel)
{
	(void)rel;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* 0 with the slice's use, or -errno (-ENOENT: no system.slice) */
static int read_use(struct slice_use *use)
{
	char abs[CG_PATH_MAX];
	memset(use, 0, sizeof *use);
	int r = cg_read_metrics(&node_cg, SYSTEM_SLICE, &use->m);
	if (r < 0)
		return r;
	if (cg_abs_path(&node_cg, SYSTEM_SLICE, abs, sizeof abs) >= 0)
		cg_for_each_pid(abs, count_pid, &use->processes);
	cg_for_each_scope(&node_cg, SYSTEM_SLICE, count_scope, &use->cgroups);
	return 0;
}

/* Is the main process of s below system.slice now? */
static int main_in_slice(const struct svc *s)
{
	char now[CG_PATH_MAX];
	size_t l = strlen(SYSTEM_SLICE);
	return svc_follow_cgroup(s, now, sizeof now) == 0 && strncmp(now, SYSTEM_SLICE, l) == 0 &&
	       (now[l] == '/' || now[l] == '\0');
}

static void status_system_slice(struct json_writer *w)
{
	struct slice_use use;
	json_w_key(w, "system_slice");
	if (read_use(&use) < 0) {
		json_w_null(w);
		return;
	}
	json_w_obj_begin(w);
	json_w_key(w, "memory_bytes");
	json_w_u64(w, use.m.memory_current);
	json_w_key(w, "cpu_usec");
	json_w_u64(w, use.m.cpu_usage_usec);
	json_w_key(w, "processes");
	json_w_u64(w, use.processes);
	json_w_key(w, "scopes");
	json_w_u64(w, use.cgroups);
	json_w_key(w, "services"); /* whose main process moved there (slurmd) */
	json_w_arr_begin(w);
	for (int i = 0; i < svc_count(); i++)
		if (main_in_slice(svc_at(i)))
			json_w_string(w, svc_at(i)->u->name);
	json_w_arr_end(w);
	json_w_obj_end(w);
}

static void system_slice_metrics(struct metrics_out *m)
{
	struct slice_use use;
	if (read_use(&use) < 0)
		return; /* no system.slice: no samples */
	metrics_family(m, "pact_system_slice_memory_bytes", "gauge",
		       "memory.current of system.slice (the workload manager's, with its subtree)");
	metrics_sample_u64(m, "pact_system_slice_memory_bytes", NULL, use.m.memory_current);
	metrics_family(m, "pact_system_slice_cpu_usec_total", "counter",
		       "CPU time used in system.slice and below (cpu.stat usage_usec)");
	metrics_sample_u64(m, "pact_system_slice_cpu_usec_total", NULL, use.m.cpu_usage_usec);
	metrics_family(m, "pact_system_slice_processes", "gauge",
		       "processes in system.slice and below");
	metrics_sample_u64(m, "pact_system_slice_processes", NULL, use.processes);
}

int ctl_sysslice_init(void)
{
	metrics_register(system_slice_metrics);
	ctl_status_add(status_system_slice);
	return 0;
}
