/*
 * ConfigureNetwork (F28: a failure blocks boot) and the watchdog, as boot
 * steps, with their init.conf keys (net.*, watchdog.*).
 */
#ifndef PACT_NETWORK_H
#define PACT_NETWORK_H

#include <stddef.h>

/* Claim the init.conf keys (before the file is read). */
void network_register_config(void);
/* The boot steps: open the watchdog (InitHardware, PID 1 only), and
 * ConfigureNetwork (in a forked child; finished from the event loop). */
int network_step_watchdog(char *err, size_t errlen);
int network_step_configure(char *err, size_t errlen);
/* watchdog.device from init.conf (the device opened, when one is). */
const char *network_watchdog_path(void);
/* After a live re-exec that skipped the boot: reopen the watchdog, take
 * the DHCP clients back. */
void network_after_reexec(void);
/* The host name field of ip= (the command line's name for the node), or NULL. */
const char *network_cmdline_hostname(void);

#endif
