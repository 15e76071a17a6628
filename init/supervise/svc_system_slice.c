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
#include "supervise/svc_delegate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
	svc_delegate_pass_down(node_cg.root);
	svc_delegate_pass_down(dir);
	log_info("system.slice: made for the workload manager (cpuset cpu io memory pids)");
}
