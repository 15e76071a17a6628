/*
 * `poweroff`, `reboot`, `halt`: a shutdown request, carried out by
 * node/power.c from the event loop (the reply goes out first).
 */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "node/power.h"

#include <string.h>

static int cmd_power(struct ctl_req *req)
{
	enum power_action a = strcmp(req->command, "reboot") == 0 ? POWER_REBOOT
			      : strcmp(req->command, "halt") == 0 ? POWER_HALT
								  : POWER_OFF;
	power_request(a, "pactctl");
	json_w_string(req->w, power_action_name(a));
	return 0;
}

int ctl_power_init(void)
{
	ctl_register("poweroff", cmd_power, "poweroff: shut the node down and power off");
	ctl_register("reboot", cmd_power, "reboot: shut the node down and reboot");
	ctl_register("halt", cmd_power, "halt: shut the node down and halt");
	return 0;
}
