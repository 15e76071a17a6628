/*
 * A service's log: one pipe for its stdout and stderr, drained from the
 * event loop into <run>/logs/<service>.log, each line stamped with the
 * time it was read (UTC, and since boot: lib/logline.h), capped in size
 * (log.max_bytes) with log.rotations older files (.log.1 the newest), 0640
 * to control.group, and its lines forwarded to the remote
 * syslog server when there is one (node/logs.c). The service never blocks
 * on us: we read whenever the pipe has data, and drop what we cannot write.
 */
#ifndef PACT_SVCLOG_H
#define PACT_SVCLOG_H

#include "node/logs.h"

#include <stddef.h>

#define SVCLOG_KEY_MAX 128 /* the key a log's pipe is carried under (its unit name) */

struct reexec_out;

struct svclog {
	int rfd, wfd; /* pipe; wfd goes to the service as fds 1 and 2 */
	int file;     /* the .log file, O_APPEND; -1 when it cannot be opened */
	size_t size;  /* bytes in the current file */
	size_t cap;
	unsigned keep; /* older files kept (log.rotations) */
	int mid_line;  /* the file's last line has no end yet: no stamp before the next bytes */
	unsigned long long dropped;
	char path[256];
	char app[64]; /* the service, as the remote syslog's APP-NAME */
	struct logs_carry carry;
};

/* Create the pipe and open the file; registers the read end with the loop. */
int svclog_open(struct svclog *l, const char *dir, const char *name);
/* The same around a pipe we already have (carried across a re-exec). */
int svclog_adopt(struct svclog *l, const char *dir, const char *name, int rfd, int wfd);
void svclog_close(struct svclog *l);
/* Live re-exec: carry both ends of the pipe under key; take them back in
 * the new image (0), or -1 when none came across. */
void svclog_save(struct reexec_out *o, const struct svclog *l, const char *key);
int svclog_restore(struct svclog *l, const char *dir, const char *name, const char *key);
/* Append one line of ours (start, exit ...) to the file, marked as such. */
void svclog_note(struct svclog *l, const char *text);

#endif
