/*
 * The console: fds 0-2 of PID 1, the program an admin configures to run
 * on it once the node is up (a getty, a shell, or a test agent), and the
 * emergency shell offered when boot cannot go on.
 */
#ifndef PACT_CONSOLE_H
#define PACT_CONSOLE_H

/* Make sure fds 0, 1, 2 are open, on /dev/console when we have nothing. */
void console_setup(void);
/* Start cfg.console_exec on the console, if configured. */
void console_start_program(void);
/* Offer cfg.emergency_shell on the console, saying why. Keeps offering it
 * (respawn) until the node shuts down. Never returns an error: PID 1 goes on. */
void console_emergency(const char *why);
/* Stop respawning (shutdown has begun). */
void console_shutdown(void);
/* Carry the console program across a live re-exec. */
void console_reexec(int state_lost);

#endif
