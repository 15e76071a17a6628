/*
 * Every key the unit loader knows, by section, with its support level: the
 * one list of them. A key not in it is unknown (a warning, ignored) before
 * any handler sees it; docs/units.md's key table is checked against it by
 * test/unit/test_unit_keys_doc.c.
 */
#ifndef PACT_UNIT_KEY_TABLE_H
#define PACT_UNIT_KEY_TABLE_H

#include "units/unit_parser.h"

#include <stddef.h>

enum unit_key_support {
	KEY_SUPPORTED, /* does what systemd does */
	KEY_DIFFERS,   /* does it, with a difference docs/units.md names */
	KEY_IGNORED,   /* read, no effect, harmless on a node (docs/units.md says why) */
	KEY_HARDENING, /* sandboxing not applied: one summary warning per unit */
	KEY_WARNED,    /* not done: a warning naming the consequence */
	KEY_REFUSED,   /* a value of it is an error (docs/units.md says which) */
};

struct unit_key_info {
	unsigned char sec;     /* enum section */
	unsigned char support; /* enum unit_key_support */
	const char *key;
};

extern const struct unit_key_info unit_key_table[];
extern const size_t unit_key_table_len;

/* The key of section sec, or NULL when the loader does not know it. */
const struct unit_key_info *unit_key_find(enum section sec, const char *key);
const char *unit_section_name(enum section sec);
const char *unit_key_support_name(enum unit_key_support s);

#endif
