/*
 * InitHardware: the cgroup2 mount and hierarchy, OOM
 * protection of PID 1 (RI4) and the uenv directories. Owns the node's
 * cgroup context, which every other subsystem uses.
 */
#ifndef PACT_HARDWARE_H
#define PACT_HARDWARE_H

#include "os/cgroup.h"

extern struct cg_ctx node_cg;

/* The node's cgroup context (only paths: a live re-exec restores scopes
 * before, or without, any boot step). */
void hardware_init(void);
/* The InitHardware steps (main.c orders them): cgroup2 and the
 * hierarchy, OOM protection (RI4), the run directories. */
int hardware_step_cgroups(char *err, size_t errlen);
int hardware_step_oom(char *err, size_t errlen);
int hardware_step_dirs(char *err, size_t errlen);
/* An emergency declared or ended (an emergency_subscribe observer): the
 * cgroup manager lets pact-init write under workload.slice, or not (RI3). */
void hardware_on_emergency(int on, const char *why);

#endif
