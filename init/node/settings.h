/*
 * The settings admins keep in /etc, applied at boot (docs/system-settings.md):
 * the API filesystems, machine-id, /etc/hostname, sysctl.d and tmpfiles.d.
 */
#ifndef PACT_SETTINGS_H
#define PACT_SETTINGS_H

#include <stddef.h>

/* The InitHardware step (after the devices and local filesystems): all of
 * it in a worker, bounded; what fails is logged with its file and line and
 * the rest still applies, so the step itself does not fail the boot. */
int settings_step_apply(char *err, size_t errlen);

#endif
