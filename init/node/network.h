/*
 * ConfigureNetwork (F28: a failure blocks boot) and the watchdog, as boot
 * steps, with their init.conf keys (net.*, watchdog.*) and `pactctl net`.
 */
#ifndef PACT_NETWORK_H
#define PACT_NETWORK_H

/* Claim the init.conf keys (before the file is read). */
void network_register_config(void);
/* Register the boot steps and control commands. */
void network_init(void);
/* After a live re-exec that skipped the boot: reopen the watchdog. */
void network_after_reexec(void);

#endif
