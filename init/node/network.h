/*
 * ConfigureNetwork (F28: a failure blocks boot) and the watchdog, as boot
 * steps, with their init.conf keys (net.*, watchdog.*).
 */
#ifndef PACT_NETWORK_H
#define PACT_NETWORK_H

/* Claim the init.conf keys (before the file is read). */
void network_register_config(void);
/* Register the boot steps. */
void network_init(void);
/* watchdog.device from init.conf (the device opened, when one is). */
const char *network_watchdog_path(void);
/* After a live re-exec that skipped the boot: reopen the watchdog. */
void network_after_reexec(void);

#endif
