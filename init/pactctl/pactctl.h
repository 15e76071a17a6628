/* pactctl internals shared by its files (see pactctl.c). */
#ifndef PACT_PACTCTL_H
#define PACT_PACTCTL_H

#include "lib/json.h"

/* Print a reply's data for a human: objects as key/value lines, arrays of
 * objects as tables. */
void render_human(const struct json_doc *doc, int idx);
/* Print a JSON value compactly. */
void render_json(const struct json_doc *doc, int idx);

/* pactctl handoff request|end ... (handoff.c); argv[0] is the subcommand. */
int pactctl_handoff(const char *run_dir, int json, int argc, char **argv);

/* logs SERVICE -f: follow <run_dir>/logs/<service>.log after the daemon's tail. */
int pactctl_follow(const char *run_dir, const char *service);

/* verify [--root DIR] [--no-userdb] PATH...: unit files checked offline (verify.c). */
int pactctl_verify(int json, int argc, char **argv);

#endif
