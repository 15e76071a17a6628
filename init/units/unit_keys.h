/*
 * The keys of [Unit] and [Service] that the loader knows, each with its
 * handler (see docs/units.md for what each accepts).
 */
#ifndef PACT_UNIT_KEYS_H
#define PACT_UNIT_KEYS_H

#include "units/unit_parser.h"

/* KEY=VALUE in the parser's current section: specifiers resolved where the
 * key takes them, then its handler; an unknown key is a warning. */
void unit_keys_assign(struct parser *p, const char *key, const char *v);
/* Environment: a valid variable name, and KEY=VALUE set or replaced (kv is
 * copied); -1 (error reported) when the table or the scratch is full. */
int unit_env_name_valid(const char *s, size_t len);
int unit_env_set(struct parser *p, const char *kv);

#endif
