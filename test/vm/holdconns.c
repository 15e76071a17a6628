/*
 * Clients that hold connections and do nothing more, for the load cases:
 *   holdconns PATH N silent|handoff [UID]
 * opens N connections to the unix socket PATH (as UID when given); on each
 * it sends nothing (silent), or one handoff AllocationEnded of an id
 * nobody has (handoff: a client that spoke once, then idles). It prints
 * "holdconns: N connected", tells $NOTIFY_SOCKET READY=1, and waits until
 * it is killed, reading nothing.
 */
#include "sdnotify.h"

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int speak(int fd, int i)
{
	char body[128];
	unsigned char frame[136];
	int n =
	    snprintf(body, sizeof body, "{\"AllocationEnded\":{\"allocation_id\":\"idle-%d\"}}", i);
	frame[0] = frame[1] = 0;
	frame[2] = (unsigned char)(n >> 8);
	frame[3] = (unsigned char)n;
	memcpy(frame + 4, body, (size_t)n);
	return send(fd, frame, (size_t)n + 4, MSG_NOSIGNAL) == n + 4 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: holdconns PATH N silent|handoff [UID]\n");
		return 2;
	}
	int n = atoi(argv[2]), handoff = strcmp(argv[3], "handoff") == 0;
	if (argc > 4) {
		gid_t g = (gid_t)atoi(argv[4]);
		if (setgroups(1, &g) < 0 || setgid(g) < 0 || setuid((uid_t)atoi(argv[4])) < 0) {
			perror("holdconns: drop to uid");
			return 1;
		}
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	int good = 0;
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (handoff && speak(fd, i) < 0)
			continue;
		good++;
	}
	printf("holdconns: %d connected\n", good);
	fflush(stdout);
	sd_notify_text("READY=1");
	for (;;)
		pause();
}
