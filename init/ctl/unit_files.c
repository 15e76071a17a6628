/*
 * The verbs of the unit files (docs/units.md, "Reloading the unit
 * files"): daemon-reload, enable and disable (links in the admin's unit
 * directory, or with --runtime in /run/pact/units; --now starts or stops
 * the unit too), and is-enabled, which only reads and is open to
 * control.group (ctl/access.c).
 */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "lib/table.h"
#include "node/power.h"
#include "supervise/supervise.h"
#include "supervise/svc_reload.h"
#include "supervise/svc_units.h"
#include "units/unit_enable.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct flags {
	int now, runtime;
	const char *names[CTL_MAX_ARGS];
	int n;
};

/* --now, --runtime and the unit names, in any order; -1 on an unknown option */
static int parse_flags(struct ctl_req *req, struct flags *f)
{
	memset(f, 0, sizeof *f);
	for (int i = 0; i < req->argc; i++) {
		const char *a = req->argv[i];
		if (strcmp(a, "--now") == 0)
			f->now = 1;
		else if (strcmp(a, "--runtime") == 0)
			f->runtime = 1;
		else if (a[0] == '-')
			return ctl_fail(req, "Usage", "%s: unknown option %s", req->command, a);
		else
			f->names[f->n++] = a;
	}
	if (!f->n)
		return ctl_fail(req, "Usage", "%s: which unit?", req->command);
	return 0;
}

/* "a b c" as a JSON array */
static void write_names(struct json_writer *w, const char *key, const char *list)
{
	json_w_key(w, key);
	json_w_arr_begin(w);
	char buf[SVC_RELOAD_NAMES];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		json_w_string(w, t);
	json_w_arr_end(w);
}

static void write_report(struct json_writer *w, const struct svc_reload_report *r)
{
	write_names(w, "added", r->added);
	write_names(w, "changed", r->changed);
	write_names(w, "removed", r->removed);
	write_names(w, "at_next_start", r->pending);
}

static int reload(struct ctl_req *req, int start_added, struct svc_reload_report *r)
{
	static char err[1024];
	if (power_pending())
		return ctl_fail(req, "ShuttingDown", "the node is shutting down");
	if (svc_reload_units(start_added, r, err, sizeof err) < 0)
		return ctl_fail(req, "LoadFailed", "the unit files were not reloaded: %s", err);
	return 0;
}

static int cmd_daemon_reload(struct ctl_req *req)
{
	static struct svc_reload_report r PAGE_ALIGNED;
	if (req->argc)
		return ctl_fail(req, "Usage", "daemon-reload takes no arguments");
	if (reload(req, 1, &r) < 0)
		return -1;
	json_w_obj_begin(req->w);
	write_report(req->w, &r);
	json_w_obj_end(req->w);
	return 0;
}

/* The links, the reload that loads (or keeps) the units, then --now. */
static int cmd_enable_disable(struct ctl_req *req, int enable)
{
	static struct svc_reload_report r PAGE_ALIGNED;
	static struct unit_enable_log log;
	struct flags f;
	if (parse_flags(req, &f) < 0)
		return -1;
	const char *dir = f.runtime ? svc_units_runtime_dir() : svc_units_admin_dir();
	if (!dir)
		return ctl_fail(req, "NoDirectory", "no unit directory to write the links in");
	memset(&log, 0, sizeof log);
	for (int i = 0; i < f.n; i++)
		if (unit_enable(svc_units_conf(), dir, f.names[i], enable, &log) < 0)
			return ctl_fail(req, "EnableFailed", "%s", log.text);
	if (reload(req, 0, &r) < 0)
		return -1;
	for (int i = 0; f.now && i < f.n; i++) {
		struct svc *s = svc_find(f.names[i]);
		if (s && enable && s->u->load_state == UNIT_LOADED)
			svc_admin_start(s);
		else if (s && !enable)
			svc_admin_stop(s);
	}
	json_w_obj_begin(req->w);
	json_w_key(req->w, "dir");
	json_w_string(req->w, dir);
	json_w_key(req->w, "changes");
	json_w_string(req->w, log.text);
	write_report(req->w, &r);
	json_w_obj_end(req->w);
	return 0;
}

static int cmd_enable(struct ctl_req *req)
{
	return cmd_enable_disable(req, 1);
}

static int cmd_disable(struct ctl_req *req)
{
	return cmd_enable_disable(req, 0);
}

static int cmd_is_enabled(struct ctl_req *req)
{
	if (!req->argc)
		return ctl_fail(req, "Usage", "is-enabled: which unit?");
	json_w_arr_begin(req->w);
	for (int i = 0; i < req->argc; i++) {
		int st = unit_file_state(svc_units_conf(), svc_units_runtime_dir(), req->argv[i]);
		if (st < 0)
			return ctl_fail(req, "Failed", "%s: %s", req->argv[i], strerror(-st));
		json_w_obj_begin(req->w);
		json_w_key(req->w, "unit");
		json_w_string(req->w, req->argv[i]);
		json_w_key(req->w, "state");
		json_w_string(req->w, unit_file_state_name((enum unit_file_state)st));
		json_w_key(req->w, "enabled");
		json_w_bool(req->w, unit_file_state_ok((enum unit_file_state)st));
		json_w_obj_end(req->w);
	}
	json_w_arr_end(req->w);
	return 0;
}

int ctl_unit_files_init(void)
{
	int r = ctl_register("daemon-reload", cmd_daemon_reload,
			     "daemon-reload: reload the unit files");
	r |= ctl_register("enable", cmd_enable, "enable [--now] [--runtime] UNIT...");
	r |= ctl_register("disable", cmd_disable, "disable [--now] [--runtime] UNIT...");
	r |= ctl_register("is-enabled", cmd_is_enabled, "is-enabled UNIT...: enabled, static ...");
	return r;
}
