/*
 * LoadIdentity: the node's id is the first of these that is set (an empty
 * value is not set: iPXE's ${hostname} expands to "" when DHCP sends no
 * name):
 *   1. the command line: pact.node_id=, else the host name field of ip=
 *   2. DHCP: the host name (option 12) of the node's lease
 *   3. init.conf: node_id, else hostname
 *   4. the kernel's host name, as it was when pact-init started
 * The host name set is init.conf's hostname when it names one, else the id.
 */
#include "node/identity.h"
#include "node/boot.h"
#include "node/network.h"
#include "node/network_dhcp.h"
#include "lib/config.h"
#include "lib/log.h"
#include "os/initns.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const source_names[IDENTITY_SOURCES] = {
    "pact.node_id=", "ip=", "DHCP", "init.conf node_id", "init.conf hostname", "the kernel",
};

int identity_pick(const char *const src[IDENTITY_SOURCES])
{
	for (int i = 0; i < IDENTITY_SOURCES; i++)
		if (src[i] && src[i][0])
			return i;
	return -1;
}

static int valid_hostname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
			return 0;
	return 1;
}

int identity_load(char *err, size_t errlen)
{
	char current[65] = "";
	gethostname(current, sizeof current - 1);
	const char *src[IDENTITY_SOURCES] = {
	    cfg.node_id,
	    network_cmdline_hostname(),
	    network_dhcp_hostname(),
	    cfg.conf_node_id,
	    cfg.hostname,
	    strcmp(current, "(none)") ? current : NULL,
	};
	int from = identity_pick(src);
	if (from < 0) {
		snprintf(err, errlen,
			 "no node id: set pact.node_id=, a DHCP host name or node_id in init.conf");
		return -ENOENT;
	}
	const char *id = src[from];
	if (!valid_hostname(id)) {
		snprintf(err, errlen, "node id '%s' (from %s) is not a valid hostname", id,
			 source_names[from]);
		return -EINVAL;
	}
	boot_set_node_id(id);
	const char *host = cfg.hostname[0] ? cfg.hostname : id;
	char why[160];
	if (strcmp(current, host) != 0 && getpid() == 1 &&
	    !initns_may_sethostname(why, sizeof why)) {
		log_warn("not setting the hostname %s: %s", host, why);
		host = current;
	} else if (strcmp(current, host) != 0 && getpid() == 1 &&
		   sethostname(host, strlen(host)) < 0) {
		snprintf(err, errlen, "sethostname %s: %s", host, strerror(errno));
		return -errno;
	}
	log_info("node id %s (from %s), hostname %s", id, source_names[from], host);
	return 0;
}
