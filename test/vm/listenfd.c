/*
 * Socket activation, both ends, for the VM case unit-set:
 *   listenfd serve   the service: checks what sd_listen_fds gives it
 *                    (LISTEN_PID is its own pid, LISTEN_FDS=1, fd 3 a
 *                    listening socket), accepts one connection on fd 3 and
 *                    answers with what it found, then serves until killed
 *   listenfd ask PATH   a client: connects to the unix socket PATH and
 *                    prints the answer (bounded wait)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int serve(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	int listening = 0;
	socklen_t len = sizeof listening;
	int is_listening =
	    getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
	char answer[512];
	snprintf(answer, sizeof answer, "pid=%s fds=%s names=%s fd3=%s\n",
		 pid && atol(pid) == (long)getpid() ? "mine" : (pid ? pid : "unset"),
		 fds ? fds : "unset", names ? names : "unset",
		 is_listening ? "listening" : "not-a-listening-socket");
	fputs(answer, stderr); /* the service log */
	for (;;) {
		int c = accept(3, NULL, NULL);
		if (c < 0)
			return errno == EINTR ? 0 : 1;
		if (write(c, answer, strlen(answer)) < 0)
			perror("write");
		close(c);
	}
}

static int ask(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("connect");
		return 1;
	}
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, 20000) <= 0) {
		fprintf(stderr, "no answer within 20 s\n");
		return 1;
	}
	char buf[512];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	fputs(buf, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "serve") == 0)
		return serve();
	if (argc == 3 && strcmp(argv[1], "ask") == 0)
		return ask(argv[2]);
	fprintf(stderr, "usage: listenfd serve | listenfd ask PATH\n");
	return 2;
}
