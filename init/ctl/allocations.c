/*
 * `allocations`: the handoff's allocation table (handoff/alloc.c), with
 * namespace inodes flat so that the human table shows them; and the
 * handoff's share of `status` (live allocations, connected clients).
 */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "handoff/alloc.h"
#include "handoff/server.h"

static int write_alloc(void *ctx, const struct alloc_info *a)
{
	struct json_writer *w = ctx;
	json_w_obj_begin(w);
	json_w_key(w, "allocation_id");
	json_w_string(w, a->id);
	json_w_key(w, "state");
	json_w_string(w, a->state);
	json_w_key(w, "holder_pid");
	if (a->holder_pid > 0)
		json_w_i64(w, a->holder_pid);
	else
		json_w_null(w);
	json_w_key(w, "namespaces");
	json_w_arr_begin(w);
	for (unsigned j = 0; j < a->n_ns; j++)
		json_w_string(w, pact_ns_type_name(a->ns[j]));
	json_w_arr_end(w);
	/* flat, so that the human table shows them: inode, or null */
	static const char *const keys[PACT_NS_COUNT] = {"pid_ns", "net_ns", "mnt_ns"};
	for (int t = 0; t < PACT_NS_COUNT; t++) {
		json_w_key(w, keys[t]);
		if (a->ino[t])
			json_w_u64(w, a->ino[t]);
		else
			json_w_null(w);
	}
	json_w_key(w, "uenv_image");
	json_w_string_or_null(w, a->uenv_image);
	json_w_key(w, "uenv_mount_path");
	json_w_string_or_null(w, a->uenv_mount);
	json_w_key(w, "cgroup");
	json_w_string(w, a->cgroup);
	json_w_key(w, "cgroup_seen_populated");
	json_w_bool(w, a->cgroup_seen_populated);
	json_w_key(w, "owner_uid");
	if (a->owner != ALLOC_OWNER_ANY)
		json_w_u64(w, a->owner);
	else
		json_w_null(w);
	json_w_key(w, "age_ms");
	json_w_u64(w, a->age_ms);
	json_w_obj_end(w);
	return 0;
}

static int cmd_allocations(struct ctl_req *req)
{
	json_w_arr_begin(req->w);
	alloc_foreach(write_alloc, req->w);
	json_w_arr_end(req->w);
	return 0;
}

static void status_handoff(struct json_writer *w)
{
	json_w_key(w, "allocations");
	json_w_u64(w, alloc_live_count());
	json_w_key(w, "handoff_clients");
	json_w_u64(w, (uint64_t)handoff_client_count());
}

int ctl_allocations_init(void)
{
	ctl_register(
	    "allocations", cmd_allocations,
	    "allocations: live namespace allocations (namespace inodes, holder pid, uenv)");
	ctl_status_add(status_handoff);
	return 0;
}
