/*
 * What a service's process does between clone and exec, as root: its
 * resource limits (the unit's Limit*=, else init.conf's DefaultLimit*=),
 * UMask=, Nice=, CPUSchedulingPolicy=, IgnoreSIGPIPE=, NonBlocking=,
 * CPUAffinity=, IO scheduling, and the sandboxing
 * pact-init applies (a mount namespace for PrivateTmp=, ProtectSystem=,
 * ProtectHome=; CapabilityBoundingSet=; NoNewPrivileges=;
 * AmbientCapabilities=). Prepared in the
 * parent, applied in the child with raw syscalls only.
 */
#ifndef PACT_SVC_CHILD_H
#define PACT_SVC_CHILD_H

#include "units/unit.h"

#include <stddef.h>
#include <sys/resource.h>

#define SVC_CHILD_MOUNTS 16

struct svc_child {
	struct rlimit rl[UNIT_RLIMITS];
	unsigned rl_set;
	unsigned rl_default; /* from DefaultLimit*=: best effort, within our hard limit */
	unsigned umask;
	int has_nice, nice;
	int cpu_sched_policy, cpu_sched_prio; /* -1: not set */
	int ignore_sigpipe;
	int nonblock_fds; /* LISTEN_FDS made O_NONBLOCK (NonBlocking=) */
	int has_affinity;
	uint64_t cpus[UNIT_CPUS_MAX / 64];
	int io_class, io_prio;
	int no_new_privs;
	int has_cap_bounding;
	uint64_t cap_bounding;
	uint64_t cap_ambient; /* raised after the ids change (User= services) */
	int new_ns;	      /* the mounts below are made in a mount namespace of its own */
	struct {
		const char *path;
		int kind; /* SVC_MOUNT_* (svc_child.c) */
	} mounts[SVC_CHILD_MOUNTS];
	int n_mounts;
};

/* init.conf: DefaultLimitNOFILE = 1024:524288 (and every Limit*= name). */
void svc_child_register_config(void);
/* The child's setup for command flags of u (a "+" command skips the
 * sandboxing). */
void svc_child_prepare(const struct unit *u, unsigned flags, struct svc_child *c);
/* In the child (spawn_req.setup_fn, before the ids change; post_ids_fn,
 * after): 0 or -errno. */
int svc_child_setup(const void *arg);
int svc_child_post_ids(const void *arg);

#endif
