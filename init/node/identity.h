/* LoadIdentity: node id and hostname (the order of their sources: identity.c). */
#ifndef PACT_IDENTITY_H
#define PACT_IDENTITY_H

#include <stddef.h>

#define IDENTITY_SOURCES 6

int identity_load(char *err, size_t errlen);
/* The index of the first source that is set (not NULL, not ""), in the
 * order of identity.c: command line, ip=, DHCP, init.conf node_id,
 * init.conf hostname, kernel; -1 when none is. */
int identity_pick(const char *const src[IDENTITY_SOURCES]);

#endif
