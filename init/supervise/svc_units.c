/*
 * The unit set's configuration (svc_units.h). The default unit
 * directories are the admin's `<config_dir>/units` (/etc/pact/units),
 * then the vendor's /usr/lib/pact/units; `units.dirs` replaces the list
 * (e.g. to add /lib/systemd/system, where Debian's packages put theirs).
 * The run-time directory <run_dir>/units (/run/pact/units, where
 * `pactctl enable --runtime` puts its links) always comes second, after
 * the first listed. The configuration is kept for daemon-reload.
 */
#include "supervise/svc_units.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/table.h"
#include "units/unit_set.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define DIRS_MAX 6
#define LIST_LEN 1024

static char dirs_conf[LIST_LEN]; /* "" = the defaults */
static char enable_conf[LIST_LEN];
static char target_conf[UNIT_NAME_MAX];

static int conf_units(const char *key, const char *value, char *err, size_t errlen)
{
	char *dst = NULL;
	size_t cap = 0;
	if (strcmp(key, "units.dirs") == 0)
		dst = dirs_conf, cap = sizeof dirs_conf;
	else if (strcmp(key, "units.enable") == 0)
		dst = enable_conf, cap = sizeof enable_conf;
	else if (strcmp(key, "units.target") == 0)
		dst = target_conf, cap = sizeof target_conf;
	if (!dst) {
		snprintf(err, errlen, "unknown key '%s' (units.dirs, units.enable, units.target)",
			 key);
		return -ENOENT;
	}
	if ((size_t)snprintf(dst, cap, "%s", value) >= cap) {
		dst[0] = '\0';
		snprintf(err, errlen, "longer than %zu bytes", cap - 1);
		return -E2BIG;
	}
	return 0;
}

void svc_units_register_config(void)
{
	config_register_keys("units.", conf_units);
}

/* The set's configuration, kept for daemon-reload and enable: its
 * strings live here, the legacy directory and instances as first given.
 * The instance names come last: rows past the ones in use stay untouched. */
static struct {
	const char *dirs[DIRS_MAX + 1], *enable[UNIT_ENABLE_MAX], *inst[UNIT_ENABLE_MAX];
	struct unit_set_conf c;
	char admin[512], runtime[512], dirs_buf[LIST_LEN], enable_buf[LIST_LEN];
	char legacy[512];
	char instances[UNIT_ENABLE_MAX][UNIT_NAME_MAX];
} set PAGE_ALIGNED;

/* The unit directories: the first (the admin's), the run-time one
 * (/run/pact/units: `enable --runtime`), then the others. */
static int build_dirs(void)
{
	const char *listed[DIRS_MAX];
	int nd, n = 0;
	snprintf(set.dirs_buf, sizeof set.dirs_buf, "%s", dirs_conf);
	if (set.dirs_buf[0]) {
		nd = unit_split_list(set.dirs_buf, listed, DIRS_MAX);
	} else {
		path_fmt(set.admin, sizeof set.admin, "%s/units", cfg.config_dir);
		listed[0] = set.admin;
		listed[1] = "/usr/lib/pact/units";
		nd = 2;
	}
	if (run_path(set.runtime, sizeof set.runtime, "units") < 0)
		set.runtime[0] = '\0';
	for (int i = 0; i < nd; i++) {
		set.dirs[n++] = listed[i];
		if (i == 0 && set.runtime[0])
			set.dirs[n++] = set.runtime;
	}
	return n;
}

const struct unit_set_conf *svc_units_conf(void)
{
	set.c = (struct unit_set_conf){
	    .dirs = set.dirs,
	    .n_dirs = build_dirs(),
	    .legacy_dir = set.legacy[0] ? set.legacy : NULL,
	    .enable = set.enable,
	    .instances = set.inst,
	    .target = target_conf[0] ? target_conf : NULL,
	};
	snprintf(set.enable_buf, sizeof set.enable_buf, "%s", enable_conf);
	set.c.n_enable = unit_split_list(set.enable_buf, set.enable, UNIT_ENABLE_MAX);
	while (set.c.n_instances < UNIT_ENABLE_MAX && set.instances[set.c.n_instances][0]) {
		set.inst[set.c.n_instances] = set.instances[set.c.n_instances];
		set.c.n_instances++;
	}
	return &set.c;
}

const char *svc_units_runtime_dir(void)
{
	return set.runtime[0] ? set.runtime : NULL;
}

const char *svc_units_admin_dir(void)
{
	svc_units_conf();
	return set.dirs[0];
}

int svc_units_load(const char *legacy_dir, const char *const *instances, int n_instances,
		   struct unit *table, int max, struct unit_diag *d)
{
	snprintf(set.legacy, sizeof set.legacy, "%s", legacy_dir ? legacy_dir : "");
	int i = 0;
	for (; i < n_instances && i < UNIT_ENABLE_MAX; i++)
		snprintf(set.instances[i], UNIT_NAME_MAX, "%s", instances[i]);
	/* the list ends at the first empty row (svc_units_conf): only rows a
	 * longer list left need clearing (a memset would touch all 8 KiB) */
	for (; i < UNIT_ENABLE_MAX && set.instances[i][0]; i++)
		set.instances[i][0] = '\0';
	return svc_units_reload(table, max, d);
}

int svc_units_reload(struct unit *table, int max, struct unit_diag *d)
{
	int n = unit_set_load(svc_units_conf(), NULL, table, max, d);
	return n < 0 ? 0 : n;
}
