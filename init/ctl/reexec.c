/*
 * `reexec [--corrupt-state]`: exec pact-init again from the loop's next
 * round (node/reexec.c), so that the reply reaches the asker first.
 * --corrupt-state damages the handed-over state, for the test that proves
 * a damaged state is refused; it needs pact.debug.
 */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "lib/config.h"
#include "node/reexec.h"

#include <string.h>

static int cmd_reexec(struct ctl_req *req)
{
	if (req->argc > 0 && strcmp(req->argv[0], "--corrupt-state") == 0) {
		if (!cfg.debug)
			return ctl_fail(req, "PermissionDenied",
					"--corrupt-state is a test aid: boot with pact.debug");
		reexec_damage_next();
	} else if (req->argc > 0) {
		return ctl_fail(req, "Usage", "reexec [--corrupt-state]");
	}
	json_w_string(req->w, "re-executing");
	reexec_defer("pactctl reexec");
	return 0;
}

int ctl_reexec_init(void)
{
	ctl_register("reexec", cmd_reexec, "reexec: exec pact-init again, keeping the node");
	return 0;
}
