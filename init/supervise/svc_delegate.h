/*
 * Delegate=yes: a service's scope as a subtree it manages (svc_delegate.c).
 */
#ifndef PACT_SVC_DELEGATE_H
#define PACT_SVC_DELEGATE_H

#include "os/cgroup.h"

#include <sys/types.h>

/* Enable in dir's cgroup.subtree_control each of cpuset, cpu, io, memory
 * and pids that dir's cgroup.controllers lists, one write each ("+" only). */
void svc_delegate_pass_down(const char *dir);
/* Make every controller the kernel has (cpuset, cpu, io, memory, pids)
 * available to the scopes of slice_rel ("pact.slice/infra.slice"): enabled
 * in the subtree_control of the root and of each level of the slice. Only
 * enables; 0 or -ENAMETOOLONG. */
int svc_delegate_prepare(const struct cg_ctx *cg, const char *slice_rel);
/* Hand scope to uid:gid: its directory, cgroup.procs, cgroup.threads and
 * cgroup.subtree_control. 0 or -errno. */
int svc_delegate_give(const struct cg_scope *scope, uid_t uid, gid_t gid);

#endif
