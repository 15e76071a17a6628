/*
 * Host tier: the node id's sources in their documented order (node/
 * identity.c, docs/network.md "Identity") through the real daemon: the
 * command line, init.conf's node_id, init.conf's hostname, the kernel's
 * host name; an empty pact.node_id= (iPXE's ${hostname} when DHCP sent no
 * name) is not set. DHCP's place between them is the dhcp-pxe VM case's.
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Boot with conf and cmdline; the ready file's id into id, and whether the
 * log names the source. */
static void boot(const char *conf, const char *cmdline, const char *want, const char *source,
		 const char *what)
{
	struct daemon d;
	char id[128] = "";
	if (daemon_start(&d, conf, cmdline) < 0) {
		ok(0, "%s: pact-init started", what);
		return;
	}
	if (daemon_wait_file(&d, "ready", 15000) == 0) {
		int fd = open(pf("%s/ready", d.run_dir), O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, id, sizeof id - 1) : -1;
		id[n > 0 ? n : 0] = '\0';
		id[strcspn(id, "\n")] = '\0';
		if (fd >= 0)
			close(fd);
	}
	is_str(id, want, "%s: the node id is %s", what, want);
	ok(daemon_wait_log(&d, pf("node id %s \\(from %s\\), hostname ", want, source), 5000) == 0,
	   "%s: the log names the source (%s)", what, source);
	daemon_finish(&d, tap_failed);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	boot("node_id = conf-node\n", "pact.node_id=cmd-node", "cmd-node",
	     "pact.node_id=", "pact.node_id= and init.conf");
	boot("node_id = conf-node\nhostname = conf-host\n", "pact.node_id=", "conf-node",
	     "init.conf node_id", "an empty pact.node_id=");
	boot("hostname = conf-host\n", "quiet pact.node_id=", "conf-host", "init.conf hostname",
	     "only init.conf's hostname");
	/* the daemon's UTS namespace starts with this machine's name */
	char kernel[65] = "";
	gethostname(kernel, sizeof kernel - 1);
	boot("", "pact.node_id=", kernel, "the kernel", "nothing else set");
	return done_testing();
}
