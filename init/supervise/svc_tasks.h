/*
 * The default task limit of services, as systemd's DefaultTasksMax: 15%
 * of the kernel's limit on tasks (the smaller of kernel.pid_max - 1 and
 * kernel.threads-max, as systemd counts it), unless init.conf's
 * services_tasks_max says otherwise (a number, N%, or infinity). It is
 * written to pids.max of every pact.slice child slice when StartServices
 * runs, and given to every service scope whose unit has no TasksMax=, so
 * that a fork bomb in one service cannot take every task of the node.
 * Where a slice has no pids controller (a host without it) there is no
 * default limit; an explicit TasksMax= still applies (and fails loudly).
 */
#ifndef PACT_SVC_TASKS_H
#define PACT_SVC_TASKS_H

#include "units/unit.h"

#include <stddef.h>
#include <stdint.h>

#define SVC_TASKS_DEFAULT "15%"

/* init.conf services_tasks_max: 0, or -EINVAL with err set. */
int svc_tasks_conf(const char *value, char *err, size_t errlen);
/* Compute the default now and write it to the slices' pids.max. */
void svc_tasks_apply(void);
/* The pids.max for a new scope of u: its TasksMax=, else the default
 * where its slice has the pids controller. 0: none. */
uint64_t svc_tasks_for(const struct unit *u);
/* Pure: the limit spec gives from the kernel's pid_max and threads-max.
 * 0 with *limit (0: infinity), or -EINVAL. */
int svc_tasks_compute(const char *spec, uint64_t pid_max, uint64_t threads_max, uint64_t *limit);

#endif
