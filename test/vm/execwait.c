/*
 * A stand-in for a binary that takes its time to start: installed in place
 * of pact-init before a live re-exec, it holds the exec's window open so
 * that a test can send a signal while no pact-init runs, then execs the
 * real one. It touches no signal: what was blocked and pending stays so.
 *   <path> ARGS...  creates <path>.in-exec, waits until <path>.go (a FIFO)
 *                   is opened for writing, then execs <path>.real ARGS...
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	(void)argc;
	char in[4096], go[4096], real[4096];
	snprintf(in, sizeof in, "%s.in-exec", argv[0]);
	snprintf(go, sizeof go, "%s.go", argv[0]);
	snprintf(real, sizeof real, "%s.real", argv[0]);
	int fd = open(in, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	fd = open(go, O_RDONLY | O_CLOEXEC); /* blocks until the test opens it */
	if (fd >= 0)
		close(fd);
	argv[0] = real;
	execv(real, argv);
	perror(real);
	return 127;
}
