/*
 * watchdog: the hardware (or softdog) watchdog of PID 1. Opened once at
 * InitHardware, petted at half its timeout from a struct timer on the event
 * loop (so a hung loop means a reset), disarmed with the magic close on an
 * orderly shutdown. No watchdog device: one log line and nothing else.
 * One watchdog per process: the state is module-wide.
 */
#ifndef PACT_WATCHDOG_H
#define PACT_WATCHDOG_H

#define WATCHDOG_DEFAULT_PATH	   "/dev/watchdog"
#define WATCHDOG_DEFAULT_TIMEOUT_S 60u
/* Used when the driver can tell us neither: pet often enough for any sane timeout. */
#define WATCHDOG_FALLBACK_PET_MS 5000u

/*
 * Open path (NULL: /dev/watchdog) O_CLOEXEC, set timeout_s (0: keep the
 * driver's), read the effective timeout back, pet once and arm the pet
 * timer (loop_init must have run). Returns 1 when a watchdog is running,
 * 0 when there is none (logged once), or -errno when the device exists but
 * cannot be used (e.g. not a watchdog: -ENOTTY), logged.
 */
int watchdog_start(const char *path, unsigned int timeout_s);
/* Pet now (the timer does it too). No-op without a watchdog. */
void watchdog_keepalive(void);
/* Orderly shutdown: stop petting, WDIOS_DISABLECARD, write the magic 'V',
 * close. A nowayout driver keeps counting; that is the driver's policy. */
void watchdog_disarm(void);
/* 1 while a watchdog is open. */
int watchdog_active(void);
/* The effective timeout in seconds (0 unknown or none) and the pet interval. */
unsigned int watchdog_timeout(void);
unsigned int watchdog_pet_interval_ms(unsigned int timeout_s);

#endif
