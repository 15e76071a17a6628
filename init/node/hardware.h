/*
 * InitHardware: kernel modules, the cgroup2 mount and hierarchy, OOM
 * protection of PID 1 (RI4) and the uenv directories. Owns the node's
 * cgroup context, which every other subsystem uses.
 */
#ifndef PACT_HARDWARE_H
#define PACT_HARDWARE_H

#include "os/cgroup.h"

extern struct cg_ctx node_cg;

/* Register the InitHardware steps with the boot sequence. */
void hardware_init(void);

#endif
