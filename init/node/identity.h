/* LoadIdentity: node id and hostname (see identity.c). */
#ifndef PACT_IDENTITY_H
#define PACT_IDENTITY_H

#include <stddef.h>

int identity_load(char *err, size_t errlen);

#endif
