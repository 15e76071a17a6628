/*
 * `mounts` and `force-unmount IMAGE` (emergency only, RI3): the node's uenv
 * mount manager (node/uenv_node.c) as the operator sees it.
 */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "node/uenv_node.h"

#include <errno.h>

/* the fields docs/uenv.md names (image_path, loop_device, dev,
 * hold_remaining_ms ...): the one writer of os/uenv.c */
static int write_entry(void *ctx, const struct uenv_info *in)
{
	uenv_info_write(ctx, in);
	return 0;
}

static int cmd_mounts(struct ctl_req *req)
{
	json_w_arr_begin(req->w);
	uenv_foreach(&node_uenv, write_entry, req->w);
	json_w_arr_end(req->w);
	return 0;
}

static int cmd_force_unmount(struct ctl_req *req)
{
	if (req->argc < 1)
		return ctl_fail(req, "Usage", "force-unmount IMAGE");
	int r = uenv_force_unmount(&node_uenv, req->argv[0]);
	if (r == -EPERM)
		return ctl_fail(req, "PermissionDenied",
				"force-unmount %s: only in a declared emergency (RI3)",
				req->argv[0]);
	if (r < 0)
		return ctl_fail(req, "Failed", "%s", uenv_last_error(&node_uenv));
	json_w_obj_begin(req->w);
	json_w_key(req->w, "unmounted");
	json_w_string(req->w, req->argv[0]);
	json_w_obj_end(req->w);
	return 0;
}

static void status_mounts(struct json_writer *w)
{
	json_w_key(w, "uenv_mounts");
	json_w_u64(w, uenv_count(&node_uenv));
}

int ctl_mounts_init(void)
{
	ctl_register("mounts", cmd_mounts, "mounts: uenv images, refcounts, hold timers");
	ctl_register("force-unmount", cmd_force_unmount, "force-unmount IMAGE (emergency only)");
	ctl_status_add(status_mounts);
	return 0;
}
