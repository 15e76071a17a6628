/* `watchdog`: the watchdog device pact-init pets and its timeout, or null. */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "node/network.h"
#include "os/watchdog.h"

static int cmd_watchdog(struct ctl_req *req)
{
	struct json_writer *w = req->w;
	json_w_obj_begin(w);
	json_w_key(w, "watchdog");
	if (watchdog_active()) {
		json_w_obj_begin(w);
		json_w_key(w, "device");
		json_w_string(w, network_watchdog_path());
		json_w_key(w, "timeout_s");
		json_w_u64(w, watchdog_timeout());
		json_w_obj_end(w);
	} else {
		json_w_null(w);
	}
	json_w_obj_end(w);
	return 0;
}

int ctl_watchdog_init(void)
{
	ctl_register("watchdog", cmd_watchdog, "watchdog: the watchdog device and its timeout");
	return 0;
}
