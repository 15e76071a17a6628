/*
 * The system.slice pact-init makes for a workload manager that runs
 * without systemd (Slurm), then leaves alone.
 */
#ifndef PACT_SVC_SYSTEM_SLICE_H
#define PACT_SVC_SYSTEM_SLICE_H

/* Make <cgroup root>/system.slice with its controllers, once (wanted:
 * init.conf's services_system_slice). */
void svc_system_slice_make(int wanted);

#endif
