/*
 * Unit specifiers, as systemd has them: %n %N %p %P %i %I %t %% in a
 * value, resolved from the unit being loaded (unit_parser.h).
 */
#ifndef PACT_UNIT_SPEC_H
#define PACT_UNIT_SPEC_H

#include "units/unit_parser.h"

/* Resolve the %-specifiers of in into out; -1 (error reported) on failure. */
int unit_spec_expand(struct parser *p, const char *in, char *out, size_t cap);

#endif
