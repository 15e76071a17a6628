/* pactctl internals shared by its files (see pactctl.c). */
#ifndef PACT_PACTCTL_H
#define PACT_PACTCTL_H

#include "lib/frame.h"
#include "lib/json.h"

#include <stdio.h>
#include <sys/types.h>

/* The options before the verb (and --json, --full anywhere). */
struct pactctl_opts {
	const char *run_dir;
	int json; /* --json: the daemon's JSON as it is */
	int full; /* --full: every column, no cut cells */
};
extern struct pactctl_opts opt;

/* Exit status of a unit verb when a unit is not active (systemctl's 3). */
#define PACTCTL_EXIT_INACTIVE 3

/* verbs.c: the verbs as data, for --help, VERB --help and completion. */
struct pactctl_verb {
	const char *name;
	const char *args;    /* synopsis after the name ("" for none) */
	const char *summary; /* one line */
	const char *details; /* more lines for VERB --help, or NULL */
};
const struct pactctl_verb *pactctl_verb(const char *name);
void pactctl_usage(FILE *out);		 /* every verb, one line each */
int pactctl_verb_help(const char *name); /* 0, or 2 for an unknown verb */
int pactctl_bad_usage(const char *name); /* the verb's usage on stderr; 2 */
/* names, one a line, for completion: all, or those taking a UNIT */
void pactctl_list_verbs(int units_only);

/* client.c: one request to the control socket. */
#define PACTCTL_JSON_NODES 8192
struct pactctl_reply {
	struct frame_decoder dec;
	struct json_node nodes[PACTCTL_JSON_NODES];
	struct json_doc doc;
	int data; /* the reply's "data" node, or -1 */
};
/* 0 with r's data parsed, or an exit status (the error said on stderr,
 * or as JSON on stdout with --json). */
int pactctl_call(struct pactctl_reply *r, const char *command, int argc, char **argv);
long ms_now(void);
int connect_unix(const char *name); /* <run_dir>/name: fd or -errno */
long backoff(long *delay_ms, long deadline);
ssize_t read_deadline(int fd, void *buf, size_t len, long deadline);

/* local.c: verbs without the control socket. */
int pactctl_wait_ready(int argc, char **argv);
int pactctl_notify(int argc, char **argv);

/* units.c: status/services UNIT, is-active, is-failed, show, cat, start,
 * stop, restart (waiting), logs. */
int pactctl_unit_verb(const char *verb, int argc, char **argv);
int pactctl_is_unit_verb(const char *verb);
/* daemon-reload, enable, disable, is-enabled (unit_files.c); -1: not one. */
int pactctl_unit_file_verb(const char *verb, int argc, char **argv);
int pactctl_status(int argc, char **argv);

/* Print a reply's data for a human: objects as key/value lines, arrays of
 * objects as tables fitted to the terminal (render.c). */
void render_human(const struct json_doc *doc, int idx);
/* Print a JSON value compactly. */
void render_json(const struct json_doc *doc, int idx);
/* Print prefix and text[0..len) on one line, cut with '…' to the width
 * tables fit (render.c: the terminal's, none with --full or into a pipe). */
void render_line(const char *prefix, const char *text, size_t len);
/* Print a string reply as it is, ending its line. */
void render_text(const struct json_doc *doc, int idx);

/* pactctl handoff request|end ... (handoff.c); argv[0] is the subcommand. */
int pactctl_handoff(const char *run_dir, int json, int argc, char **argv);

/* logs [-u] UNIT [-n N] [-f] [--since T] [--until T] [-o short|cat|json] (logs.c). */
int pactctl_logs(int argc, char **argv);
/* logs UNIT -f: follow <run_dir>/logs/<unit>.log after the daemon's tail,
 * each whole line (with its newline) to emit (follow.c). */
typedef void pactctl_line_fn(void *ctx, const char *line, size_t n);
int pactctl_follow(const char *run_dir, const char *unit, pactctl_line_fn *emit, void *ctx);

/* verify [--root DIR] [--no-userdb] PATH...: unit files checked offline (verify.c). */
int pactctl_verify(int json, int argc, char **argv);

#endif
