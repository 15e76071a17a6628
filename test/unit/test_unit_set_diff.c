/*
 * What daemon-reload sees (units/unit_set_diff.c) and what enable,
 * disable and is-enabled do to the unit directories (unit_enable.c): two
 * unit sets loaded from the same directories before and after a change
 * differ by the unit added, the one whose file or drop-in changed, the
 * one whose file is gone and the one masked, and not by a unit that is
 * only no longer enabled; the links of [Install] made and removed, and
 * each state word of is-enabled.
 */
#include "tap.h"
#include "tmptree.h"
#include "units/unit_enable.h"
#include "units/unit_set_diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct unit before[UNITS_MAX], after[UNITS_MAX];
static struct unit_diag D;
static const struct unit_opts QUIET = {.quiet = 1, .no_userdb = 1};
static char admin[512], vendor[512], runtime[512];
static const char *dirs[3];
static struct unit_set_conf conf = {.dirs = dirs, .n_dirs = 3};

#define SVC(cmd) "[Service]\nExecStart=" cmd "\n[Install]\nWantedBy=multi-user.target\n"

/* one of 4 rotating buffers */
__attribute__((format(printf, 1, 2))) static const char *pf_unit(const char *fmt, ...)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf[i], sizeof buf[i], fmt, ap);
	va_end(ap);
	return buf[i];
}

static int load(struct unit *table)
{
	unit_diag_clear(&D);
	return unit_set_load(&conf, &QUIET, table, UNITS_MAX, &D);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* the names of one list of the diff, sorted, space-separated */
static const char *names(const struct unit *t, const int *idx, int n)
{
	static char out[1024];
	const char *sorted[UNITS_MAX];
	for (int i = 0; i < n; i++)
		sorted[i] = t[idx[i]].name;
	qsort(sorted, (size_t)n, sizeof sorted[0], cmp_str);
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "",
			 sorted[i]);
	return out;
}

static void setup(void)
{
	snprintf(admin, sizeof admin, "%s", tree_path("etc/units"));
	snprintf(runtime, sizeof runtime, "%s", tree_path("run/units"));
	snprintf(vendor, sizeof vendor, "%s", tree_path("lib/units"));
	dirs[0] = admin;
	dirs[1] = runtime;
	dirs[2] = vendor;
	const char *const units[] = {"same", "edit", "dropin", "gone", "masked", "unlinked"};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		tree_put(pf_unit("lib/units/%s.service", units[i]), SVC("/bin/true"));
		tree_link(pf_unit("../%s.service", units[i]),
			  pf_unit("lib/units/multi-user.target.wants/%s.service", units[i]));
	}
}

static void test_diff(void)
{
	static struct unit_set_diff d;
	int n0 = load(before);
	is_int(D.nerr, 0, "the first set loads");
	ok(unit_find(before, n0, "unlinked.service") >= 0, "with unlinked.service enabled");

	tree_put("lib/units/edit.service", SVC("/bin/false"));
	tree_put("etc/units/dropin.service.d/10-site.conf", "[Service]\nNice=5\n");
	unlink(tree_path("lib/units/gone.service"));
	tree_link("/dev/null", "etc/units/masked.service");
	unlink(tree_path("lib/units/multi-user.target.wants/unlinked.service"));
	tree_put("lib/units/new.service", SVC("/bin/true"));
	tree_link("../new.service", "lib/units/multi-user.target.wants/new.service");
	int n1 = load(after);
	is_int(unit_set_diff(&conf, before, n0, NULL, after, n1, &d), 0, "diff");
	is_str(names(after, d.added, d.n_added), "new.service", "added: the new unit");
	is_str(names(after, d.changed, d.n_changed), "dropin.service edit.service",
	       "changed: a new drop-in, an edited file");
	is_str(names(before, d.removed, d.n_removed), "gone.service masked.service",
	       "removed: the file gone, the masked; not the one only no longer enabled");

	is_int(unit_set_diff(&conf, after, n1, NULL, after, n1, &d), 0, "a set against itself");
	ok(d.n_added + d.n_changed + d.n_removed == 0, "no difference");
	unsigned char skip[UNITS_MAX] = {0};
	skip[unit_find(before, n0, "gone.service")] = 1;
	unit_set_diff(&conf, before, n0, skip, after, n1, &d);
	is_str(names(before, d.removed, d.n_removed), "masked.service",
	       "a skipped slot is no unit");
	is_int(unit_set_diff(NULL, before, n0, NULL, after, n1, &d), 0, "without directories");
	is_int(d.n_removed, 3, "every unit the fresh set lacks is removed");
}

static void test_enable(void)
{
	static struct unit_enable_log log;
	tree_put("lib/units/x.service", "[Service]\nExecStart=/bin/true\n[Install]\n"
					"WantedBy=multi-user.target\nRequiredBy=y.target\n"
					"Alias=xa.service\nAlso=z.service\n");
	tree_put("lib/units/z.service", SVC("/bin/true"));
	tree_put("lib/units/static.service", "[Service]\nExecStart=/bin/true\n");
	is_int(unit_file_state(&conf, runtime, "x"), UNIT_FILE_DISABLED, "x: disabled");
	is_int(unit_enable(&conf, admin, "x", 1, &log), 0, "enable x");
	struct stat st;
	ok(lstat(tree_path("etc/units/multi-user.target.wants/x.service"), &st) == 0 &&
	       lstat(tree_path("etc/units/y.target.requires/x.service"), &st) == 0 &&
	       lstat(tree_path("etc/units/xa.service"), &st) == 0 &&
	       lstat(tree_path("etc/units/multi-user.target.wants/z.service"), &st) == 0,
	   "WantedBy=, RequiredBy=, Alias= and Also= linked");
	ok(strstr(log.text, "Created symlink ") && strstr(log.text, "/y.target.requires/x.service"),
	   "and said so");
	is_int(log.n_done, 4, "four links");
	is_int(unit_file_state(&conf, runtime, "x.service"), UNIT_FILE_ENABLED, "x: enabled");
	is_int(unit_file_state(&conf, runtime, "xa.service"), UNIT_FILE_ALIAS, "xa: alias");
	memset(&log, 0, sizeof log);
	is_int(unit_enable(&conf, admin, "x", 1, &log), 0, "enable x again");
	is_int(log.n_done, 0, "nothing to do");
	is_int(unit_enable(&conf, admin, "x", 0, &log), 0, "disable x");
	ok(lstat(tree_path("etc/units/multi-user.target.wants/x.service"), &st) < 0 &&
	       lstat(tree_path("etc/units/xa.service"), &st) < 0 &&
	       lstat(tree_path("etc/units/multi-user.target.wants/z.service"), &st) < 0,
	   "its links are gone, Also= along");
	is_int(unit_file_state(&conf, runtime, "x"), UNIT_FILE_DISABLED, "x: disabled again");
	is_int(unit_enable(&conf, runtime, "x", 1, &log), 0, "enable x in the run-time dir");
	is_int(unit_file_state(&conf, runtime, "x"), UNIT_FILE_ENABLED_RUNTIME,
	       "x: enabled-runtime");
	is_int(unit_file_state(&conf, runtime, "static"), UNIT_FILE_STATIC, "static: static");
	is_int(unit_file_state(&conf, runtime, "masked"), UNIT_FILE_MASKED, "masked: masked");
	tree_link("/dev/null", "run/units/rtmask.service");
	is_int(unit_file_state(&conf, runtime, "rtmask"), UNIT_FILE_MASKED_RUNTIME,
	       "a mask in the run-time dir: masked-runtime");
	is_int(unit_file_state(&conf, runtime, "nope"), UNIT_FILE_NOT_FOUND, "nope: not-found");
	is_int(unit_file_state(&conf, runtime, "basic.target"), UNIT_FILE_STATIC,
	       "a built-in target: static");
	memset(&log, 0, sizeof log);
	ok(unit_enable(&conf, admin, "masked", 1, &log) < 0 && strstr(log.text, "is masked"),
	   "enable of a masked unit fails: %s", log.text);
	memset(&log, 0, sizeof log);
	ok(unit_enable(&conf, admin, "nope", 1, &log) < 0 && strstr(log.text, "no such unit"),
	   "enable of a unit that does not exist fails: %s", log.text);
	is_str(unit_file_state_name(UNIT_FILE_ENABLED_RUNTIME), "enabled-runtime", "the words");
	ok(unit_file_state_ok(UNIT_FILE_STATIC) && !unit_file_state_ok(UNIT_FILE_DISABLED),
	   "static is a success, disabled is not");
}

int main(void)
{
	tree_init("unitdiff");
	setup();
	test_diff();
	test_enable();
	tree_done();
	return done_testing();
}
