/*
 * The operator's emergency and cgroup verbs. `emergency on --reason`
 * declares an emergency through node/emergency.c, which logs it before
 * anything acts on it (RI3). `scopes` lists every scope under both slices
 * with its metrics (reading is always allowed, RI6); `freeze`, `thaw` and
 * `kill` go through the cgroup manager's ownership check, so
 * workload.slice is refused unless an emergency is declared (RI1, RI3).
 */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "node/emergency.h"
#include "node/hardware.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define SCOPES_MAX 512

static int cmd_emergency(struct ctl_req *req)
{
	const char *why = ctl_opt(req, "--reason");
	if (req->argc < 1 || (strcmp(req->argv[0], "on") != 0 && strcmp(req->argv[0], "off") != 0))
		return ctl_fail(req, "Usage", "emergency on|off --reason TEXT");
	int on = strcmp(req->argv[0], "on") == 0;
	if (on && (!why || !*why))
		return ctl_fail(req, "Usage", "an emergency needs --reason TEXT");
	if (on != emergency_active())
		emergency_set(on, why && *why ? why : "by request");
	json_w_obj_begin(req->w);
	json_w_key(req->w, "emergency");
	json_w_bool(req->w, emergency_active());
	json_w_key(req->w, "reason");
	json_w_string_or_null(req->w, emergency_active() ? emergency_reason() : NULL);
	json_w_obj_end(req->w);
	return 0;
}

static void write_scope(struct json_writer *w, const char *rel)
{
	struct cg_metrics m;
	memset(&m, 0, sizeof m);
	int r = cg_read_metrics(&node_cg, rel, &m);
	json_w_obj_begin(w);
	json_w_key(w, "scope");
	json_w_string(w, rel);
	json_w_key(w, "owner");
	json_w_string(w, cg_owner_name(cg_slice_owner(NULL, rel)));
	json_w_key(w, "memory_bytes");
	json_w_u64(w, m.memory_current);
	json_w_key(w, "memory_max");
	if (m.memory_max_set)
		json_w_u64(w, m.memory_max);
	else
		json_w_null(w);
	json_w_key(w, "cpu_usec");
	json_w_u64(w, m.cpu_usage_usec);
	json_w_key(w, "pids");
	json_w_u64(w, m.nr_processes);
	json_w_key(w, "populated");
	json_w_bool(w, r == 0 && m.populated);
	json_w_obj_end(w);
}

struct scope_list {
	struct json_writer *w;
	int count;
};

static int list_scope(void *ctx, const char *rel)
{
	struct scope_list *l = ctx;
	if (l->count++ >= SCOPES_MAX)
		return 1;
	write_scope(l->w, rel);
	return 0;
}

static int cmd_scopes(struct ctl_req *req)
{
	struct scope_list l = {req->w, 0};
	json_w_arr_begin(req->w);
	cg_for_each_scope(&node_cg, PACT_SLICE_ROOT, list_scope, &l);
	cg_for_each_scope(&node_cg, PACT_SLICE_WORKLOAD, list_scope, &l);
	json_w_arr_end(req->w);
	return 0;
}

/* freeze | thaw | kill SCOPE: writes through the ownership check */
static int cmd_scope_op(struct ctl_req *req)
{
	if (req->argc < 1)
		return ctl_fail(req, "Usage", "%s SCOPE (a path under the cgroup root)",
				req->command);
	const char *scope = req->argv[0];
	const char *file = strcmp(req->command, "kill") == 0 ? "cgroup.kill" : "cgroup.freeze";
	const char *value = strcmp(req->command, "thaw") == 0 ? "0" : "1";
	char abs[CG_PATH_MAX];
	if (cg_abs_path(&node_cg, scope, abs, sizeof abs) < 0 || access(abs, F_OK) < 0)
		return ctl_fail(req, "NotFound", "no cgroup %s under %s", scope, node_cg.root);
	int r = cg_write(&node_cg, scope, file, value);
	if (r == -EPERM)
		return ctl_fail(req, "PermissionDenied",
				"%s is owned by %s: %s it only in a declared emergency", scope,
				cg_owner_name(cg_slice_owner(NULL, scope)), req->command);
	if (r < 0)
		return ctl_fail(req, "Failed", "%s %s: %s", req->command, scope, strerror(-r));
	json_w_obj_begin(req->w);
	json_w_key(req->w, "scope");
	json_w_string(req->w, scope);
	json_w_key(req->w, "done");
	json_w_string(req->w, req->command);
	json_w_obj_end(req->w);
	return 0;
}

static void status_emergency(struct json_writer *w)
{
	json_w_key(w, "emergency");
	json_w_string_or_null(w, emergency_active() ? emergency_reason() : NULL);
}

int ctl_emergency_init(void)
{
	ctl_register("emergency", cmd_emergency, "emergency on|off --reason TEXT");
	ctl_register("scopes", cmd_scopes, "scopes: every scope with memory, cpu, pids");
	ctl_register("freeze", cmd_scope_op, "freeze SCOPE (workload.slice: emergency only)");
	ctl_register("thaw", cmd_scope_op, "thaw SCOPE (workload.slice: emergency only)");
	ctl_register("kill", cmd_scope_op, "kill SCOPE (workload.slice: emergency only)");
	ctl_status_add(status_emergency);
	return 0;
}
