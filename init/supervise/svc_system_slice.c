/*
 * A system.slice for workload managers that run without systemd (Slurm's
 * cgroup/v2 plugin with IgnoreSystemd=yes puts its stepd scope under
 * <PID 1's cgroup parent>/system.slice, which on a pact-init node is the
 * cgroup root). With init.conf's `services_system_slice = yes`, pact-init
 * makes it once at boot with cpuset, cpu, io, memory and pids enabled in
 * the root's and its own subtree_control, and from then on never touches
 * it: no pruning, no subtree_control or cpuset write on a retry or a
 * re-exec (a slice that exists is left as it is). It is the workload
 * manager's, like workload.slice (docs/cgroups.md).
 */
#include "supervise/svc_system_slice.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "node/hardware.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const controllers[] = {"cpuset", "cpu", "io", "memory", "pids"};

static void enable(const char *dir)
{
	char file[512];
	if (path_fmt(file, sizeof file, "%s/cgroup.subtree_control", dir) < 0)
		return;
	/* one write each: a controller the kernel lacks does not stop the others */
	for (size_t i = 0; i < sizeof controllers / sizeof controllers[0]; i++) {
		char word[16];
		snprintf(word, sizeof word, "+%s", controllers[i]);
		int r = write_file(file, word);
		if (r < 0 && r != -ENOENT)
			log_debug("system.slice: %s %s: %s", file, word, strerror(-r));
	}
}

void svc_system_slice_make(int wanted)
{
	char dir[512];
	if (!wanted || path_fmt(dir, sizeof dir, "%s/system.slice", node_cg.root) < 0)
		return;
	if (mkdir(dir, 0755) < 0) {
		if (errno != EEXIST)
			log_err("system.slice: %s: %s", dir, strerror(errno));
		return; /* made before (a retry, a re-exec): its owner's now */
	}
	enable(node_cg.root);
	enable(dir);
	log_info("system.slice: made for the workload manager (cpuset cpu io memory pids)");
}
