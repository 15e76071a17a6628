/* The control socket's access rules (ctl/access.h). */
#include "ctl/access.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "node/logs.h"
#include "os/userdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char conf_group[64];
static gid_t group_gid;
static int have_group;

/* The verbs a member of control.group may use: they only read. A new
 * read-only verb belongs here too. */
static const char *const read_only[] = {
    "status", "services", "logs",	 "metrics",	"mounts",	"scopes",
    "help",   "watchdog", "allocations", "list-timers", "list-sockets", "is-enabled",
};

int ctl_verb_read_only(const char *verb)
{
	for (size_t i = 0; i < sizeof read_only / sizeof read_only[0]; i++)
		if (strcmp(verb, read_only[i]) == 0)
			return 1;
	return 0;
}

int ctl_access_conf(const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "control.group") != 0)
		return -ENOENT;
	if (strlen(value) >= sizeof conf_group)
		return snprintf(err, errlen, "group name too long"), -EINVAL;
	snprintf(conf_group, sizeof conf_group, "%s", value);
	return 0;
}

void ctl_access_socket(struct listener *l)
{
	have_group = 0;
	logs_set_readers(0);
	if (!conf_group[0])
		return;
	struct userdb_cred cred;
	char err[256];
	if (userdb_resolve(NULL, "0", conf_group, &cred, err, sizeof err) < 0) {
		log_err("control: control.group %s: %s; the socket stays root-only", conf_group,
			err);
		return;
	}
	group_gid = cred.gid;
	have_group = 1;
	logs_set_readers(cred.gid); /* -f reads the files themselves (docs/logs.md) */
	l->gid = cred.gid;
	l->mode = 0660;
}

/* Is gid among pid's groups (its /proc status' "Groups:" line)? */
static int in_supplementary(pid_t pid, gid_t gid)
{
	char path[64], text[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (read_file(path, text, sizeof text) <= 0)
		return 0;
	const char *g = strstr(text, "\nGroups:");
	if (!g)
		return 0;
	g += 8;
	while (*g && *g != '\n') {
		char *end;
		unsigned long v = strtoul(g, &end, 10);
		if (end == g)
			break;
		if ((gid_t)v == gid)
			return 1;
		g = end;
		while (*g == ' ' || *g == '\t')
			g++;
	}
	return 0;
}

enum ctl_peer ctl_access_peer(const struct ucred *cred)
{
	if (cred->uid == 0)
		return CTL_PEER_ROOT;
	if (have_group && (cred->gid == group_gid || in_supplementary(cred->pid, group_gid)))
		return CTL_PEER_READER;
	return CTL_PEER_REFUSED;
}
