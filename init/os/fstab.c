/*
 * fstab (see fstab.h). Fields may carry \040-style escapes (spaces in a
 * path), as mount(8) reads them.
 */
#include "os/fstab.h"
#include "lib/confdir.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/pathmatch.h"
#include "lib/table.h"
#include "os/mounts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static const struct {
	const char *name;
	unsigned long set, clear;
} flag_opts[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC, 0},
    {"noatime", MS_NOATIME, 0},
    {"atime", 0, MS_NOATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"relatime", MS_RELATIME, 0},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
    {"lazytime", MS_LAZYTIME, 0},
    {"nolazytime", 0, MS_LAZYTIME},
    {"bind", MS_BIND, 0},
    {"rbind", MS_BIND | MS_REC, 0},
    {"defaults", 0, 0},
};

/* options for mount(8) and its helpers, none for the kernel */
static const char *const user_opts[] = {"auto",	 "noauto", "user",    "nouser", "users", "owner",
					"group", "nofail", "_netdev", "fg",	"bg",	 NULL};

/* units that the order of pact-init's boot satisfies by itself */
static const char *const satisfied[] = {"network.target",
					"network-online.target",
					"remote-fs-pre.target",
					"local-fs-pre.target",
					"local-fs.target",
					"nss-lookup.target",
					NULL};

int fstab_is_remote_type(const char *t)
{
	static const char *const remote[] = {"nfs",   "nfs4",	   "cifs",	 "smb3",   "smbfs",
					     "ceph",  "glusterfs", "lustre",	 "beegfs", "gpfs",
					     "gfs2",  "ocfs2",	   "afs",	 "ncpfs",  "pvfs2",
					     "davfs", "sshfs",	   "fuse.sshfs", NULL};
	for (int i = 0; remote[i]; i++)
		if (!strcmp(t, remote[i]))
			return 1;
	return 0;
}

static int in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return 1;
	return 0;
}

/* "90", "90s", "500ms", "2min" -> ms; -1 when it is none of those */
static long long timespan_ms(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || v > 86400000ULL)
		return -1;
	if (!*end || !strcmp(end, "s"))
		return (long long)v * 1000;
	if (!strcmp(end, "ms"))
		return (long long)v;
	if (!strcmp(end, "min") || !strcmp(end, "m"))
		return (long long)v * 60000;
	return -1;
}

/* "home-proj.mount" -> "/home/proj" ("-.mount" is /; \x2d a dash) */
static int unit_to_path(const char *unit, char *out, size_t cap)
{
	size_t n = strlen(unit) - 6, o = 0;
	if (cap < 2)
		return -ENAMETOOLONG;
	out[o++] = '/';
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		if (unit[i] == '-')
			out[o++] = '/';
		else if (unit[i] == '\\' && unit[i + 1] == 'x' && i + 3 < n)
			out[o++] = (char)(hex_digit(unit[i + 2]) << 4 | hex_digit(unit[i + 3])),
			i += 3;
		else
			out[o++] = unit[i];
	}
	if (n == 1 && unit[0] == '-')
		o = 1;
	out[o] = '\0';
	return 0;
}

static void refuse(struct fstab_entry *e, const char *why)
{
	if (!e->refused[0])
		snprintf(e->refused, sizeof e->refused, "%s", why);
}

static int requires(struct fstab_entry *e, const char *v)
{
	char why[FSTAB_REASON_MAX];
	size_t n = strlen(v);
	if (v[0] == '/')
		snprintf(e->requires, sizeof e->requires, "%s", v);
	else if (n > 6 && !strcmp(v + n - 6, ".mount"))
		unit_to_path(v, e->requires, sizeof e->requires);
	else if (!in_list(satisfied, v)) {
		snprintf(why, sizeof why,
			 "x-systemd.requires=%s: only mount points can be required (filesystems "
			 "are mounted before services start)",
			 v);
		refuse(e, why);
	}
	return 0;
}

static void add_data(struct fstab_entry *e, const char *o)
{
	size_t n = strlen(e->data);
	if (n + strlen(o) + 2 > sizeof e->data) {
		refuse(e, "filesystem options too long");
		return;
	}
	snprintf(e->data + n, sizeof e->data - n, "%s%s", n ? "," : "", o);
}

/* One option: returns 1 when the line is to be skipped (noauto). */
static int option(struct fstab_entry *e, char *o)
{
	char why[FSTAB_REASON_MAX];
	char *eq = strchr(o, '=');
	const char *v = eq ? eq + 1 : "";
	for (size_t i = 0; i < sizeof flag_opts / sizeof flag_opts[0]; i++)
		if (!strcmp(o, flag_opts[i].name)) {
			e->flags = (e->flags | flag_opts[i].set) & ~flag_opts[i].clear;
			return 0;
		}
	if (!strcmp(o, "noauto"))
		return 1;
	if (!strcmp(o, "nofail"))
		e->nofail = 1;
	else if (!strcmp(o, "_netdev"))
		e->remote = 1;
	if (in_list(user_opts, o) || !strncmp(o, "comment=", 8))
		return 0;
	if (!strncmp(o, "retry=", 6) && (e->remote || fstab_is_remote_type(e->fstype))) {
		e->budget_s = (unsigned)strtoul(v, NULL, 10) * 60; /* mount.nfs: minutes */
		return 0;
	}
	if (!strncmp(o, "x-systemd.", 10)) {
		const char *k = o + 10;
		long long ms = timespan_ms(v);
		if (!strncmp(k, "requires=", 9) || !strncmp(k, "requires-mounts-for=", 20))
		return requires(e, v);
		if (!strncmp(k, "mount-timeout=", 14) && ms > 0)
			e->timeout_ms = (unsigned)ms;
		else if (!strncmp(k, "device-timeout=", 15) && ms > 0)
			e->budget_s = (unsigned)(ms / 1000) + 1;
		else if (!strcmp(k, "automount") || !strcmp(k, "makefs") || !strcmp(k, "growfs") ||
			 !strncmp(k, "mount-timeout=", 14) || !strncmp(k, "device-timeout=", 15)) {
			snprintf(why, sizeof why,
				 "%.64s is not supported (pact-init mounts at "
				 "boot; remove it to mount %.64s then)",
				 o, e->target);
			refuse(e, why);
		}
		return 0; /* after=, before=, wanted-by=...: the order is pact-init's */
	}
	if (!strncmp(o, "x-", 2))
		return 0; /* x-gvfs-show, x-initrd.mount: for other programs */
	if (!strcmp(o, "loop") || !strcmp(o, "remount") || !strncmp(o, "loop=", 5)) {
		snprintf(why, sizeof why, "option %s is not supported", o);
		refuse(e, why);
		return 0;
	}
	add_data(e, o);
	return 0;
}

int fstab_parse_line(char *line, struct fstab_entry *e, char *err, size_t errlen)
{
	char *f[6], *save = NULL;
	int n = 0;
	for (char *w = strtok_r(line, " \t", &save); w && n < 6; w = strtok_r(NULL, " \t", &save))
		f[n++] = w;
	if (n < 3)
		return snprintf(err, errlen, "want: source target type [options [dump [pass]]]"),
		       -EINVAL;
	memset(e, 0, sizeof *e);
	for (int i = 0; i < 4 && i < n; i++)
		mountinfo_unescape(f[i]);
	if (strlen(f[0]) >= sizeof e->source || strlen(f[1]) >= sizeof e->target ||
	    strlen(f[2]) >= sizeof e->fstype)
		return snprintf(err, errlen, "a field is too long"), -ENAMETOOLONG;
	snprintf(e->source, sizeof e->source, "%s", f[0]);
	snprintf(e->target, sizeof e->target, "%s", f[1]);
	snprintf(e->fstype, sizeof e->fstype, "%s", f[2]);
	if (!strcmp(e->fstype, "swap") || !strcmp(e->target, "/") || !strcmp(e->target, "none"))
		return 1; /* swap is not activated; the root is mounted already */
	if (!pathmatch_plain(e->target))
		return snprintf(err, errlen, "target '%s' is not an absolute path", e->target),
		       -EINVAL;
	e->remote = fstab_is_remote_type(e->fstype);
	if (n >= 4) {
		for (char *s2 = NULL, *o = strtok_r(f[3], ",", &s2); o;
		     o = strtok_r(NULL, ",", &s2))
			if (option(e, o))
				return 1;
	}
	return 0;
}

struct reading {
	struct fstab_entry *tab;
	int max, n;
	const char *path;
};

static int line_cb(void *ctx, char *line, int no, char *err, size_t errlen)
{
	struct reading *rd = ctx;
	if (rd->n == rd->max)
		return snprintf(err, errlen, "more than %d entries", rd->max), -ENOSPC;
	int r = fstab_parse_line(line, &rd->tab[rd->n], err, errlen);
	if (r == 0) {
		rd->tab[rd->n].line = no;
		if (rd->tab[rd->n].refused[0])
			log_err("%s:%d: %s", rd->path, no, rd->tab[rd->n].refused);
		rd->n++;
	}
	return r < 0 ? r : 0;
}

int fstab_read(const char *path, struct fstab_entry *tab, int max)
{
	struct reading rd = {tab, max, 0, path};
	confdir_lines(path, "#", line_cb, &rd);
	return rd.n;
}

int fstab_source(const struct fstab_entry *e, char *out, size_t cap, char *err, size_t errlen)
{
	static const char *const tags[][2] = {{"LABEL=", "label"},
					      {"UUID=", "uuid"},
					      {"PARTUUID=", "partuuid"},
					      {"PARTLABEL=", "partlabel"}};
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(tags[i][0]);
		if (strncmp(e->source, tags[i][0], n))
			continue;
		struct stat st;
		if (path_fmt(out, cap, "/dev/disk/by-%s/%s", tags[i][1], e->source + n) < 0 ||
		    stat(out, &st) < 0)
			return snprintf(err, errlen,
					"%s: no %s (pact-init reads no filesystem labels: name "
					"the device, or link it there in devices.rules)",
					e->source, out),
			       -ENOENT;
		return 0;
	}
	return path_fmt(out, cap, "%s", e->source) < 0 ? -ENAMETOOLONG : 0;
}

/* name's address from <root>/etc/hosts into addr; 0 or -ENOENT */
static int hosts_lookup(const char *root, const char *name, char *addr, size_t cap)
{
	static char text[65536] PAGE_ALIGNED;
	char path[512];
	path_fmt(path, sizeof path, "%s/etc/hosts", root);
	if (read_file(path, text, sizeof text) < 0)
		return -ENOENT;
	for (char *s1, *l = strtok_r(text, "\n", &s1); l; l = strtok_r(NULL, "\n", &s1)) {
		l[strcspn(l, "#")] = '\0';
		char *s2, *ip = strtok_r(l, " \t", &s2);
		for (char *w = ip ? strtok_r(NULL, " \t", &s2) : NULL; w;
		     w = strtok_r(NULL, " \t", &s2))
			if (!strcasecmp(w, name) && strlen(ip) < cap) {
				memcpy(addr, ip, strlen(ip) + 1);
				return 0;
			}
	}
	return -ENOENT;
}

int fstab_nfs_data(const struct fstab_entry *e, const char *root, char *out, size_t cap, char *err,
		   size_t errlen)
{
	char host[256], addr[64];
	unsigned char bin[16];
	const char *s = e->source, *end;
	if (path_fmt(out, cap, "%s", e->data) < 0)
		return -ENAMETOOLONG;
	if (strcmp(e->fstype, "nfs") && strcmp(e->fstype, "nfs4"))
		return 0;
	if (!strncmp(e->data, "addr=", 5) || strstr(e->data, ",addr="))
		return 0;
	if (*s == '[' && (end = strstr(s, "]:")))
		s++;
	else
		end = strchr(s, ':');
	if (!end || end == s || (size_t)(end - s) >= sizeof host)
		return snprintf(err, errlen, "%s: want server:/path", e->source), -EINVAL;
	memcpy(host, s, (size_t)(end - s));
	host[end - s] = '\0';
	if (inet_pton(AF_INET, host, bin) == 1 || inet_pton(AF_INET6, host, bin) == 1)
		memcpy(addr, host, strlen(host) + 1); /* an address literal: short */
	else if (hosts_lookup(root, host, addr, sizeof addr) < 0)
		return snprintf(err, errlen,
				"server %s: not an address, and not in /etc/hosts (pact-init "
				"does not ask DNS: add it there, or give addr=)",
				host),
		       -EHOSTUNREACH;
	size_t n = strlen(out);
	if (path_fmt(out + n, cap - n, "%saddr=%s", n ? "," : "", addr) < 0)
		return snprintf(err, errlen, "options too long"), -ENAMETOOLONG;
	return 0;
}
