/*
 * LoadIdentity: the node's id comes from pact.node_id= on the kernel command
 * line, else node_id in init.conf, else hostname in init.conf, else the
 * kernel's hostname. The hostname is set from it when it is not set already.
 */
#include "node/identity.h"
#include "node/boot.h"
#include "lib/config.h"
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	const char *id = cfg.node_id[0]     ? cfg.node_id
			 : cfg.hostname[0]  ? cfg.hostname
			 : current[0] && strcmp(current, "(none)") != 0 ? current
							       : NULL;
	if (!id) {
		snprintf(err, errlen, "no node id: set pact.node_id= or node_id in init.conf");
		return -ENOENT;
	}
	if (!valid_hostname(id)) {
		snprintf(err, errlen, "node id '%s' is not a valid hostname", id);
		return -EINVAL;
	}
	boot_set_node_id(id);
	const char *host = cfg.hostname[0] ? cfg.hostname : id;
	if (strcmp(current, host) != 0 && getpid() == 1 &&
	    sethostname(host, strlen(host)) < 0) {
		snprintf(err, errlen, "sethostname %s: %s", host, strerror(errno));
		return -errno;
	}
	log_info("node id %s, hostname %s", id, host);
	return 0;
}
