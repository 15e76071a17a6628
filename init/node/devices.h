/*
 * Drivers by device, without udev (docs/devices.md): at InitHardware the
 * modules listed by the admin (init.conf modules =, modules-load.d,
 * modules-load= on the kernel command line) and those that the devices
 * present match in modules.alias are loaded by a worker process; the
 * kernel's device events are followed from the event loop for devices
 * that appear later (asynchronous probes, hotplug), and device nodes get
 * the permissions and links of devices.rules.
 */
#ifndef PACT_DEVICES_H
#define PACT_DEVICES_H

#include <stddef.h>

/* Claim the init.conf keys devices.* (before the file is read). */
void devices_register_config(void);
/* Boot steps (main.c orders them): start loading (returns at once, the
 * worker runs alongside the next steps), then wait until the devices have
 * settled: no load running or queued, bounded by devices.timeout_s. A
 * module of init.conf's list that fails fails the second step. */
int devices_step_start(char *err, size_t errlen);
int devices_step_settle(char *err, size_t errlen);
/* The boot's verdict (a boot observer): with devices.wait_drivers = no,
 * the walk for the devices' drivers starts now. */
void devices_on_boot(void);
/* After a live re-exec that skipped the boot: follow events again (and
 * walk the devices once, for those that came meanwhile). */
void devices_after_reexec(void);

#endif
