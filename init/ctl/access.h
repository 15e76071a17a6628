/*
 * Who may use the control socket, and for what. Root may do everything.
 * With control.group set, the socket is 0660 to that group and its members
 * (judged again by SO_PEERCRED: the peer's gid or, read from
 * /proc/<pid>/status, its supplementary groups) may use the verbs that
 * change nothing; every other verb stays root's.
 */
#ifndef PACT_CTL_ACCESS_H
#define PACT_CTL_ACCESS_H

#include "lib/listener.h"

#include <sys/socket.h>

enum ctl_peer { CTL_PEER_REFUSED, CTL_PEER_READER, CTL_PEER_ROOT };

/* init.conf: control.group (a name or gid). 0, -EINVAL, or -ENOENT when
 * the key is not this file's. */
int ctl_access_conf(const char *key, const char *value, char *err, size_t errlen);
/* Give the listening socket its mode and group (before listener_open). */
void ctl_access_socket(struct listener *l);
/* What a peer may do. */
enum ctl_peer ctl_access_peer(const struct ucred *cred);
/* Does verb change nothing (the group's verbs)? */
int ctl_verb_read_only(const char *verb);

#endif
