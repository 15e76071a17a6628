/* pactctl internals shared by its files (see pactctl.c). */
#ifndef PACT_PACTCTL_H
#define PACT_PACTCTL_H

#include "json.h"

/* Print a reply's data for a human: objects as key/value lines, arrays of
 * objects as tables. */
void render_human(const struct json_doc *doc, int idx);
/* Print a JSON value compactly. */
void render_json(const struct json_doc *doc, int idx);

#endif
