/*
 * The order of the node id's sources (node/identity.c): the command line
 * (pact.node_id=, then ip='s host name), DHCP, init.conf (node_id, then
 * hostname), the kernel's host name; an empty value is not set.
 */
#include "node/identity.h"
#include "tap.h"

static int pick(const char *cmd, const char *ip, const char *dhcp, const char *conf_id,
		const char *conf_host, const char *kernel)
{
	const char *src[IDENTITY_SOURCES] = {cmd, ip, dhcp, conf_id, conf_host, kernel};
	return identity_pick(src);
}

int main(void)
{
	is_int(pick("cmd", "ip", "dhcp", "conf", "host", "kern"), 0, "pact.node_id= first");
	is_int(pick("", "ip", "dhcp", "conf", "host", "kern"), 1,
	       "an empty pact.node_id= (iPXE's empty ${hostname}) is not set: ip='s name");
	is_int(pick("", "", "dhcp", "conf", "host", "kern"), 2, "then DHCP's host name");
	is_int(pick(NULL, NULL, NULL, "conf", "host", "kern"), 3,
	       "then init.conf's node_id (DHCP sent no name)");
	is_int(pick("", NULL, "", "", "host", "kern"), 4, "then init.conf's hostname");
	is_int(pick(NULL, NULL, NULL, NULL, NULL, "kern"), 5, "then the kernel's host name");
	is_int(pick("", "", "", "", "", NULL), -1, "none set: none");
	return done_testing();
}
