/*
 * The unit set's configuration (svc_units.h). The default unit
 * directories are the admin's `<config_dir>/units` (/etc/pact/units),
 * then the vendor's /usr/lib/pact/units; `units.dirs` replaces the list
 * (e.g. to add /lib/systemd/system, where Debian's packages put theirs).
 */
#include "supervise/svc_units.h"
#include "lib/config.h"
#include "lib/fileio.h"
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

int svc_units_load(const char *legacy_dir, const char *const *instances, int n_instances,
		   struct unit *table, int max, struct unit_diag *d)
{
	char admin[512], dirs_buf[LIST_LEN], enable_buf[LIST_LEN];
	const char *dirs[DIRS_MAX], *enable[UNIT_ENABLE_MAX];
	int nd;
	snprintf(dirs_buf, sizeof dirs_buf, "%s", dirs_conf);
	if (dirs_buf[0]) {
		nd = unit_split_list(dirs_buf, dirs, DIRS_MAX);
	} else {
		path_fmt(admin, sizeof admin, "%s/units", cfg.config_dir);
		dirs[0] = admin;
		dirs[1] = "/usr/lib/pact/units";
		nd = 2;
	}
	snprintf(enable_buf, sizeof enable_buf, "%s", enable_conf);
	struct unit_set_conf c = {
	    .dirs = dirs,
	    .n_dirs = nd,
	    .legacy_dir = legacy_dir,
	    .enable = enable,
	    .n_enable = unit_split_list(enable_buf, enable, UNIT_ENABLE_MAX),
	    .instances = instances,
	    .n_instances = n_instances,
	    .target = target_conf[0] ? target_conf : NULL,
	};
	int n = unit_set_load(&c, NULL, table, max, d);
	return n < 0 ? 0 : n;
}
