/*
 * ptyrun COLS COMMAND [ARGS...]: run COMMAND with a pty of COLS columns as
 * its stdin, stdout and stderr (a terminal, as an admin's serial console
 * is), copy what it writes to our stdout, and exit with its status. For
 * the VM cases that check what pactctl renders on a terminal.
 */
#include <errno.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ptyrun COLS COMMAND [ARGS...]\n");
		return 2;
	}
	struct winsize ws = {.ws_row = 50, .ws_col = (unsigned short)atoi(argv[1])};
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("ptyrun: forkpty");
		return 1;
	}
	if (pid == 0) {
		unsetenv("COLUMNS");
		execvp(argv[2], argv + 2);
		perror("ptyrun: exec");
		_exit(127);
	}
	char buf[4096];
	for (;;) { /* until the other end is gone (EIO): the command's own bounds */
		ssize_t n = read(master, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
