/*
 * Enablement at run time (docs/units.md, "Enabling units at run time"):
 * `pactctl enable` makes the links systemctl makes, from the unit's
 * [Install] (WantedBy= in TARGET.wants/, RequiredBy= in TARGET.requires/,
 * Alias= as a symlink, Also= enabled along) in one unit directory: the
 * admin's (/etc/pact/units), or with --runtime the run-time one
 * (/run/pact/units); `disable` removes them from that directory. And
 * `is-enabled`: the words and exit codes of systemctl.
 */
#ifndef PACT_UNIT_ENABLE_H
#define PACT_UNIT_ENABLE_H

#include "units/unit_set.h"

#include <stddef.h>

enum unit_file_state {
	UNIT_FILE_ENABLED,	   /* linked into a target, in units.enable, or legacy */
	UNIT_FILE_ENABLED_RUNTIME, /* linked only in the run-time directory */
	UNIT_FILE_STATIC,	   /* no [Install]: started only as another's dependency */
	UNIT_FILE_ALIAS,	   /* the name is a symlink to another unit */
	UNIT_FILE_DISABLED,	   /* has [Install], nothing links it */
	UNIT_FILE_MASKED,
	UNIT_FILE_MASKED_RUNTIME,
	UNIT_FILE_NOT_FOUND,
};

/* "enabled", "static", ... as systemctl says them */
const char *unit_file_state_name(enum unit_file_state st);
/* systemctl is-enabled's verdict: enabled, enabled-runtime, static, alias */
int unit_file_state_ok(enum unit_file_state st);

/* The state of name's file. runtime_dir: the directory whose links and
 * masks are -runtime (NULL: none). Negative errno on failure. */
int unit_file_state(const struct unit_set_conf *c, const char *runtime_dir, const char *name);

/* What enable and disable did, one line each ("Created symlink A → B."),
 * bounded; errors name the file. */
struct unit_enable_log {
	int n_done; /* links made or removed */
	size_t len;
	char text[2048];
};

/* Make (enable = 1) or remove (0) name's links in dir (one of c->dirs).
 * 0, or -errno with the reason in log->text. */
int unit_enable(const struct unit_set_conf *c, const char *dir, const char *name, int enable,
		struct unit_enable_log *log);

#endif
