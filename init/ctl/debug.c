/*
 * Debug-only control commands, refused unless pact.debug is on the kernel
 * command line: `pactctl debug hang` makes the event loop hang for good,
 * so a test can prove that a hung pact-init gets the machine reset by the
 * watchdog (nothing pets it any more).
 *
 * The handler never returns. Every signal is blocked (the
 * loop reads them from a signalfd, which nobody reads any more), so pause()
 * never wakes and the watchdog's pet timer never fires again. Without
 * pact.debug (cfg.debug) the command is refused with PermissionDenied:
 * a node booted normally cannot be hung by a typo.
 */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "lib/config.h"
#include "lib/log.h"
#include "os/watchdog.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static void hang_forever(void)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;)
		pause();
}

static int cmd_debug(struct ctl_req *req)
{
	if (!cfg.debug)
		return ctl_fail(req, "PermissionDenied",
				"debug commands need pact.debug on the kernel command line");
	if (req->argc != 1 || strcmp(req->argv[0], "hang") != 0)
		return ctl_fail(req, "Usage", "debug hang");
	if (watchdog_active())
		log_notice("debug: hanging the event loop; the watchdog (%us) should reset the "
			   "machine",
			   watchdog_timeout());
	else
		log_notice("debug: hanging the event loop (no watchdog: this is for good)");
	hang_forever();
	return 0;
}

int ctl_debug_init(void)
{
	ctl_register("debug", cmd_debug,
		     "debug hang: hang the event loop (only with pact.debug; tests the watchdog)");
	return 0;
}
