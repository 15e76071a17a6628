/*
 * The system's identity files: /etc/machine-id (dbus and journald want
 * one; a stateless image ships it empty or not at all) and /etc/hostname.
 */
#ifndef PACT_SYSID_H
#define PACT_SYSID_H

#include <stddef.h>

/* Is text a machine id: 32 lowercase hex digits, then a newline or the end? */
int machineid_valid(const char *text);
/* A new random id (version 4 bits set, as systemd makes them) into out[33]. */
int machineid_make(char *out);
/*
 * /etc/machine-id under root: when it holds an id, nothing (0). When it is
 * empty, missing or "uninitialized", the id of <root>/run/machine-id is
 * taken (a re-exec made it) or one is made and written there (0444), and
 * that file is bound read-only onto /etc/machine-id, an empty one being
 * made first if /etc is writable (1). -errno with err set otherwise.
 */
int machineid_setup(const char *root, char *err, size_t errlen);
/* The host name in <root>/etc/hostname (its first line that is not a
 * comment, trimmed) into out: 0, -ENOENT (no file or no name), or -EINVAL
 * (not a valid host name). */
int hostname_read(const char *root, char *out, size_t cap);

#endif
