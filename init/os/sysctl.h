/*
 * Kernel parameters from sysctl.d(5): every *.conf of /etc, /run,
 * /usr/local/lib, /usr/lib and /lib sysctl.d in name order (a name in an
 * earlier directory hides the same name in later ones), then
 * /etc/sysctl.conf unless one of those files is it. A key set twice takes
 * its last value; "-key = value" ignores a failed write; a key with * ? [
 * sets every parameter it matches that no plain line sets.
 */
#ifndef PACT_SYSCTL_H
#define PACT_SYSCTL_H

#include <stddef.h>

#define SYSCTL_MAX	 512 /* distinct keys */
#define SYSCTL_KEY_MAX	 160
#define SYSCTL_VALUE_MAX 256

/* One line: "net.ipv4.ip_forward = 1" -> path "net/ipv4/ip_forward"
 * (the first separator decides: after a first '.', dots and slashes
 * swap; after a first '/', both stay), *value "1", *ignore for a '-'
 * prefix. 0, or -EINVAL with err set. line is changed. */
int sysctl_parse_line(char *line, char *path, size_t cap, char **value, int *ignore, char *err,
		      size_t errlen);
/* Read every file under root ("" for /) and write the values to
 * root/proc/sys. Returns the number of lines refused or writes failed
 * (each logged with file:line). */
int sysctl_apply(const char *root);

#endif
