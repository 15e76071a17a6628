/*
 * Where logs go besides the kernel log and the services' files: init.conf's
 * log.* keys (the size and rotations of each service's log file, read by
 * supervise/svclog.c) and the forwarding of pact-init's own lines and the
 * services' output to a remote syslog server (os/syslog_fwd.c).
 */
#ifndef PACT_LOGS_H
#define PACT_LOGS_H

#include <stddef.h>
#include <sys/types.h>

#define LOGS_FILE_MAX_DEFAULT (1024 * 1024) /* log.max_bytes */
#define LOGS_CARRY_MAX	      256	    /* a service's partial line held for the next read */

/* A service's line cut by a read: held until its end comes (forwarding only). */
struct logs_carry {
	size_t len;
	char buf[LOGS_CARRY_MAX];
};

void logs_register_config(void);
/* log.max_bytes and log.rotations: each service's log file. */
size_t logs_file_max_bytes(void);
unsigned logs_file_rotations(void);
/* The group whose members may read every service's log file, as they
 * may read the control socket's read-only verbs (control.group; 0: root
 * alone). Set before the files are opened (ctl/access.c). */
void logs_set_readers(gid_t gid);
gid_t logs_readers(void);
/* Start forwarding when log.remote names a server (after loop_init). */
void logs_init(void);
/* A service's output as read from its pipe: each line, forwarded as a
 * message of app (the service's name); a line with no end yet waits in c. */
void logs_service_output(struct logs_carry *c, const char *app, const char *buf, size_t n);
/* Forward what waits in c (the service exited, or its log closes). */
void logs_service_flush(struct logs_carry *c, const char *app);

#endif
