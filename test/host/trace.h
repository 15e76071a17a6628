/*
 * ptrace for tests that must act at one exact point of another program:
 * between a client's connect and its send, or between pact-init's exec of
 * its new image and the image's first instruction. No sleeps, no races.
 * Syscall stops are read with PTRACE_GET_SYSCALL_INFO (Linux 5.3).
 */
#ifndef PACT_TEST_TRACE_H
#define PACT_TEST_TRACE_H

#include <sys/types.h>

/* Start argv[0] (a path) with argv, stdout and stderr on out_fd, traced
 * and stopped before its exec. Its pid, or -errno. */
pid_t trace_spawn(char *const argv[], int out_fd);
/* Let it run until it enters its n-th call (1, 2 ...) of syscall nr (any
 * syscall when nr < 0), counting from now. 0 stopped there; -ESRCH when it
 * exited first (*status then holds its wait status). */
int trace_to_syscall(pid_t pid, long nr, int n, int *status);
/* Attach to a running process and stop it right after its next execve
 * (the new image loaded, not run yet), within timeout_ms. 0, or -errno. */
int trace_seize_exec(pid_t pid);
int trace_wait_exec(pid_t pid, int timeout_ms);
/* Let it go on untraced. */
int trace_detach(pid_t pid);

#endif
