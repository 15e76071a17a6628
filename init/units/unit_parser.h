/*
 * Internal to the unit loader (unit_load.c, unit_keys.c, unit_spec.c):
 * the state of one load, on the caller's stack, and how a load reports
 * what is wrong ("file:line: what", to the log and to a struct unit_diag).
 * Not an API for anyone else: units/unit.h is.
 */
#ifndef PACT_UNIT_PARSER_H
#define PACT_UNIT_PARSER_H

#include "units/unit.h"

#include <string.h>

enum section { SEC_NONE, SEC_UNIT, SEC_SERVICE, SEC_INSTALL, SEC_IGNORED, SEC_SOCKET, SEC_TIMER };

struct raw_cmd {
	const char *text;
	int line;
};

/* Everything a load needs besides the unit itself; lives on the stack. */
struct parser {
	/* every field up to scratch is cleared at each load (parser_begin):
	 * the parser lives on the stack, so a field left out would start
	 * with whatever the stack held there */
	const char *file;
	int line;
	struct unit *u;
	struct unit_diag *d;
	const struct unit_opts *opts;
	int failed;
	enum section sec;
	char prefix[UNIT_NAME_MAX]; /* "cxi_rh" of cxi_rh@0.service */
	size_t scratch_used;
	int n_cmd[UNIT_CMD_KINDS];
	int n_env;
	int n_envfile;
	int user_line;
	int timeout_start_set;
	int groups_line;
	int dynamic_user;	    /* DynamicUser=: "nobody" when no User= */
	int permissions_start_only; /* PermissionsStartOnly=: all but ExecStart= as "+" */
	/* hardening keys read and not applied, for the one summary line */
	char hardening_ignored[512];

	/* raw values resolved after the whole file is read; only the first
	 * n_* entries and scratch_used bytes are ever read */
	char scratch[UNIT_ARENA_SIZE];
	struct raw_cmd cmd[UNIT_CMD_KINDS][UNIT_CMD_MAX];
	char *env[UNIT_ENV_MAX]; /* "KEY=VALUE" in scratch */
	struct {
		const char *path;
		int optional, line;
	} envfile[UNIT_ENVFILE_MAX];
};

/* An error (the unit does not load; the first one is its load_error) or a
 * warning (it loads anyway), at the parser's file and line. */
__attribute__((format(printf, 2, 3))) void unit_perr(struct parser *p, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void unit_pwarn(struct parser *p, const char *fmt, ...);
/* Copy into the load's scratch (raw values resolved after the file) or
 * into the unit's arena; NULL, with the error reported, when it is full. */
char *unit_scratch_dup(struct parser *p, const char *s);
const char *unit_arena_dup(struct parser *p, const char *s);
/* The keys of the execution environment (unit_keys_exec.c) and of the
 * conditions (unit_cond.c): 1 when key is theirs (handled, errors
 * reported), 0 when it is not. */
int unit_keys_exec_assign(struct parser *p, const char *key, const char *v);
int unit_cond_assign(struct parser *p, const char *key, const char *v);

static inline int streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

#endif
