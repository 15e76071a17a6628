/*
 * The control verbs, in groups, one file each under ctl/ (the way crun
 * keeps one file per CLI verb): each group's init registers its verbs with
 * ctl_register and, where it has one, its share of `status`. The state a
 * verb shows or drives belongs to the layers below; a verb only asks.
 */
#ifndef PACT_CTL_VERBS_H
#define PACT_CTL_VERBS_H

#include "lib/json.h"

/* ctl/status.c: status (boot phases and times, readiness, node id), to
 * which other groups add their keys with ctl_status_add. */
#define CTL_MAX_STATUS 8
int ctl_status_init(void);
typedef void (*ctl_status_fn)(struct json_writer *w);
int ctl_status_add(ctl_status_fn fn); /* 0, or -ENOSPC */
/* ctl/power.c: poweroff, reboot, halt */
int ctl_power_init(void);
/* ctl/reexec.c: reexec */
int ctl_reexec_init(void);
/* ctl/services.c: services, start, stop, restart, logs */
int ctl_services_init(void);
/* ctl/system_slice.c: system.slice in status and the metrics */
int ctl_sysslice_init(void);
/* ctl/emergency.c: emergency, scopes, freeze, thaw, kill (RI1, RI3, RI6) */
int ctl_emergency_init(void);
/* ctl/mounts.c: mounts, force-unmount */
int ctl_mounts_init(void);
/* ctl/allocations.c: allocations */
int ctl_allocations_init(void);
/* ctl/watchdog.c: watchdog */
int ctl_watchdog_init(void);
/* ctl/debug.c: debug hang (only with pact.debug) */
int ctl_debug_init(void);
/* ctl/net.c: the DHCP clients' metrics */
int ctl_net_init(void);
/* ctl/units.c: list-timers, list-sockets */
int ctl_units_init(void);
/* ctl/unit_files.c: daemon-reload, enable, disable, is-enabled */
int ctl_unit_files_init(void);

#endif
