/*
 * A listening unix stream socket of the daemon (control.sock, ready.sock,
 * handoff.sock), served from the event loop. It owns:
 *
 * - making the socket: bound under a temporary name, given its mode and
 *   group, listening (SOMAXCONN deep), then renamed into place, so that
 *   whoever sees the path can connect and nobody sees a wider mode;
 * - accepting without ever spinning: out of file descriptors, a reserve
 *   fd (one for the process) is given up to take the next client off the
 *   backlog, the owner tells it why, it is closed and the reserve taken
 *   back; if even that fails, the listener rests for a second;
 * - pausing: an owner whose table is full leaves new clients waiting in
 *   the backlog instead of refusing them, and resumes when a slot frees;
 * - staying reachable: when its path is deleted or renamed away (lib/
 *   dirwatch.h), or after a re-exec no longer names a socket, it binds a
 *   new socket at the path; clients queued on the old one are still
 *   served, then the old one is closed.
 *
 * Carrying the socket across a re-exec is the owner's (node/reexec.h is a
 * layer above): it passes the carried fd to listener_open.
 */
#ifndef PACT_LISTENER_H
#define PACT_LISTENER_H

#include "lib/loop.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#define LISTENER_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

struct listener {
	/* the owner's, set before listener_open */
	const char *name; /* "control": the log lines' prefix */
	char path[LISTENER_PATH_MAX];
	mode_t mode;
	gid_t gid; /* (gid_t)-1: root's group */
	/* a new client (non-blocking, close-on-exec), now the owner's */
	void (*on_client)(void *ctx, int fd);
	/* out of fds: tell this client why (one non-blocking send); the
	 * listener closes it afterwards */
	void (*on_refused)(void *ctx, int fd);
	void *ctx;
	/* the listener's own */
	int fd;	    /* the listening socket at path; -1 when closed */
	int old_fd; /* a socket no longer at path, served until its backlog is empty */
	int paused, resting;
	struct timer rest;
	unsigned long refused; /* clients refused for want of fds */
};

/* Listen at l->path: on carried_fd (a socket carried across a re-exec, or
 * -1) when the path still names a socket, else on a new socket. 0 or -errno
 * (logged). */
int listener_open(struct listener *l, int carried_fd);
/* Leave new clients in the backlog (pause 1), or serve them again (0). */
void listener_pause(struct listener *l, int pause);
/* Stop listening; with unlink_path, remove the path too. */
void listener_close(struct listener *l, int unlink_path);

/* 1 when n is 1, 2, 4, 8 ...: a repeated event logged at these counts
 * only says how often it happened without a line for each. */
static inline int log_at_count(unsigned long n)
{
	return n && !(n & (n - 1));
}

#endif
