/*
 * Debug-only control commands, refused unless pact.debug is on the kernel
 * command line: `pactctl debug hang` makes the event loop hang for good,
 * so a test can prove that a hung pact-init gets the machine reset by the
 * watchdog (nothing pets it any more).
 */
#ifndef PACT_DEBUG_H
#define PACT_DEBUG_H

/* Register the `debug` control command. */
void debug_init(void);

#endif
