/*
 * devices.rules (see devrules.h): parsed once into a fixed table, evaluated
 * per device from the event loop (hotplug) or a worker (coldplug). Nodes
 * are changed only when they are device nodes; links are made relative
 * ("../../sda" from /dev/disk/by-x/y) and only ever replace links.
 */
#include "os/devrules.h"
#include "lib/confdir.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/pathmatch.h"
#include "os/userdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const key_names[] = {"SUBSYSTEM", "KERNEL", "ACTION"};

/* KEY OP "VALUE" at *pp; advances past it. 1 found, 0 end, -EINVAL bad. */
static int next_item(char **pp, char **key, char op[3], char **val)
{
	char *p = *pp + strspn(*pp, " \t,");
	if (!*p)
		return 0;
	*key = p;
	size_t kl = strcspn(p, "=!+: \t");
	p += kl;
	p += strspn(p, " \t");
	if (!strncmp(p, "==", 2) || !strncmp(p, "!=", 2) || !strncmp(p, "+=", 2) ||
	    !strncmp(p, ":=", 2)) {
		op[0] = p[0], op[1] = '=', op[2] = '\0';
		p += 2;
	} else if (*p == '=') {
		op[0] = '=', op[1] = '\0';
		p++;
	} else {
		return -EINVAL;
	}
	(*key)[kl] = '\0';
	p += strspn(p, " \t");
	if (kl == 0 || *p != '"')
		return -EINVAL;
	*val = ++p;
	p = strchr(p, '"');
	if (!p)
		return -EINVAL;
	*p++ = '\0';
	*pp = p;
	return 1;
}

static int set_ids(struct devrules *rs, struct devrule *r, const char *key, const char *v,
		   char *err, size_t errlen)
{
	struct userdb_cred c;
	char why[160];
	int owner = !strcmp(key, "OWNER");
	int e = userdb_resolve(rs->root, owner ? v : "root", owner ? NULL : v, &c, why, sizeof why);
	if (e < 0)
		return snprintf(err, errlen, "%s=\"%s\": %s", key, v, why), e;
	if (owner)
		r->uid = c.uid, r->has_uid = 1;
	else
		r->gid = c.gid, r->has_gid = 1;
	return 0;
}

static int add_match(struct devrule *r, int key, const char *op, const char *v, char *err,
		     size_t errlen)
{
	if (strcmp(op, "==") && strcmp(op, "!="))
		return snprintf(err, errlen, "%s wants == or !=", key_names[key]), -EINVAL;
	if (r->n_match == DEVRULES_MATCHES || strlen(v) >= DEVRULES_PATTERN_MAX)
		return snprintf(err, errlen, "too many or too long matches"), -E2BIG;
	r->match[r->n_match].key = (enum devrule_key)key;
	r->match[r->n_match].negate = op[0] == '!';
	snprintf(r->match[r->n_match++].pattern, DEVRULES_PATTERN_MAX, "%s", v);
	return 0;
}

/* A SYMLINK value is a space-separated list: every name in it stays under
 * /dev (none absolute, none with ".."). */
static int links_stay_in_dev(const char *v)
{
	if (strstr(v, ".."))
		return 0;
	for (const char *p = v; *p; p++)
		if (*p == '/' && (p == v || p[-1] == ' ' || p[-1] == '\t'))
			return 0;
	return 1;
}

static int assign(struct devrules *rs, struct devrule *r, const char *key, const char *op,
		  const char *v, char *err, size_t errlen)
{
	if (strcmp(key, "SYMLINK") && strcmp(key, "MODE") && strcmp(key, "OWNER") &&
	    strcmp(key, "GROUP"))
		return snprintf(err, errlen,
				"%s: not supported (rules match SUBSYSTEM, KERNEL, ACTION and set "
				"MODE, OWNER, GROUP, SYMLINK)",
				key),
		       -ENOTSUP;
	if (!strcmp(op, "==") || !strcmp(op, "!="))
		return snprintf(err, errlen,
				"%s is set with = (pact-init matches only "
				"SUBSYSTEM, KERNEL and ACTION)",
				key),
		       -EINVAL;
	int final = op[0] == ':';
	if (!strcmp(key, "SYMLINK")) {
		if (final || strlen(r->links) + strlen(v) + 2 > sizeof r->links ||
		    !links_stay_in_dev(v))
			return snprintf(err, errlen,
					"SYMLINK wants += or = and names under /dev "
					"without ..; at most %d bytes",
					DEVRULES_LINKS_MAX - 1),
			       -EINVAL;
		if (op[0] == '=')
			r->links_reset = 1, r->links[0] = '\0';
		size_t l = strlen(r->links);
		snprintf(r->links + l, sizeof r->links - l, "%s%s", l ? " " : "", v);
		return 0;
	}
	if (op[0] == '+')
		return snprintf(err, errlen, "%s is set with = or :=", key), -EINVAL;
	if (!strcmp(key, "MODE")) {
		char *end;
		unsigned long m = strtoul(v, &end, 8);
		if (!*v || *end || m > 07777)
			return snprintf(err, errlen, "MODE=\"%s\": want octal (0660)", v), -EINVAL;
		r->mode = (mode_t)m;
		r->has_mode = 1;
		r->final |= final;
		return 0;
	}
	r->final |= final ? (key[0] == 'O' ? 2 : 4) : 0;
	return set_ids(rs, r, key, v, err, errlen);
}

int devrules_parse_line(struct devrules *rs, char *line, char *err, size_t errlen)
{
	if (rs->n == DEVRULES_MAX)
		return snprintf(err, errlen, "more than %d rules", DEVRULES_MAX), -ENOSPC;
	struct devrule *r = &rs->rule[rs->n];
	memset(r, 0, sizeof *r);
	char *p = line, *key, op[3], *val;
	int got, items = 0;
	while ((got = next_item(&p, &key, op, &val)) > 0) {
		items++;
		int k = -1;
		for (int i = 0; i < 3; i++)
			if (!strcmp(key, key_names[i]))
				k = i;
		int e = k >= 0 ? add_match(r, k, op, val, err, errlen)
			       : assign(rs, r, key, op, val, err, errlen);
		if (e < 0)
			return e;
	}
	if (got < 0 || items == 0)
		return snprintf(err, errlen,
				"want KEY==\"pattern\" or KEY=\"value\" items, "
				"separated by commas"),
		       -EINVAL;
	rs->n++;
	return 0;
}

static int parse_cb(void *ctx, char *line, int no, char *err, size_t errlen)
{
	(void)no;
	return devrules_parse_line(ctx, line, err, errlen);
}

int devrules_load(struct devrules *rs, const char *root, const char *path)
{
	if (access(path, F_OK) < 0) { /* no rules: the table's pages stay untouched */
		if (rs->n)
			rs->n = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	rs->n = 0;
	snprintf(rs->root, sizeof rs->root, "%s", root);
	return confdir_lines(path, "#", parse_cb, rs);
}

/* pattern with '|' alternatives */
static int matches(const char *pattern, const char *s)
{
	char alt[DEVRULES_PATTERN_MAX];
	for (const char *p = pattern;;) {
		size_t l = strcspn(p, "|");
		memcpy(alt, p, l);
		alt[l] = '\0';
		if (pathmatch(alt, s))
			return 1;
		if (!p[l])
			return 0;
		p += l + 1;
	}
}

/* SYMLINK text with %k, %n, %% expanded, appended to out */
static void expand_links(const char *in, const char *kernel, char *out, size_t cap)
{
	size_t o = strlen(out);
	if (o && o + 1 < cap)
		out[o++] = ' ';
	size_t kn = strlen(kernel), digits = 0;
	while (digits < kn && kernel[kn - 1 - digits] >= '0' && kernel[kn - 1 - digits] <= '9')
		digits++;
	for (; *in && o + 1 < cap; in++) {
		const char *sub = NULL;
		if (in[0] == '%' && in[1] == 'k')
			sub = kernel;
		else if (in[0] == '%' && in[1] == 'n')
			sub = kernel + kn - digits;
		if (sub) {
			in++;
			o += (size_t)snprintf(out + o, cap - o, "%s", sub);
			if (o >= cap)
				o = cap - 1;
			continue;
		}
		if (in[0] == '%' && in[1] == '%')
			in++;
		out[o++] = *in;
	}
	out[o] = '\0';
}

int devrules_eval(const struct devrules *rs, const struct uevent *ev, struct devrule_result *out)
{
	memset(out, 0, sizeof *out);
	int final = 0, n = 0;
	const char *kernel = ev->kernel ? ev->kernel : "";
	for (int i = 0; i < rs->n; i++) {
		const struct devrule *r = &rs->rule[i];
		int hit = 1;
		for (int m = 0; m < r->n_match && hit; m++) {
			const char *what = r->match[m].key == DR_SUBSYSTEM ? ev->subsystem
					   : r->match[m].key == DR_KERNEL  ? kernel
									   : ev->action;
			hit = matches(r->match[m].pattern, what ? what : "") != r->match[m].negate;
		}
		if (!hit)
			continue;
		n++;
		if (r->has_mode && !(final & 1))
			out->mode = r->mode, out->has_mode = 1;
		if (r->has_uid && !(final & 2))
			out->uid = r->uid, out->has_uid = 1;
		if (r->has_gid && !(final & 4))
			out->gid = r->gid, out->has_gid = 1;
		final |= r->final;
		if (r->links_reset)
			out->links[0] = '\0';
		if (r->links[0])
			expand_links(r->links, kernel, out->links, sizeof out->links);
	}
	return n;
}

/* devdir/link -> the node, relative ("../" per level of link) */
static int make_link(const char *devdir, const char *link, const char *node, int remove)
{
	char path[512], target[512] = "", old[512];
	if (path_fmt(path, sizeof path, "%s/%s", devdir, link) < 0)
		return -ENAMETOOLONG;
	for (const char *s = strchr(link, '/'); s; s = strchr(s + 1, '/'))
		strcat(target, "../");
	if (strlen(target) + strlen(node) >= sizeof target)
		return -ENAMETOOLONG;
	strcat(target, node);
	ssize_t n = readlink(path, old, sizeof old - 1);
	if (n >= 0)
		old[n] = '\0';
	if (remove)
		return n >= 0 && !strcmp(old, target) && unlink(path) < 0 ? -errno : 0;
	if (n >= 0 && !strcmp(old, target))
		return 0;
	char *slash = strrchr(path, '/');
	*slash = '\0';
	int r = mkdir_p(path, 0755);
	*slash = '/';
	char tmp[520];
	snprintf(tmp, sizeof tmp, "%s.pact", path);
	unlink(tmp);
	if (r == 0 && symlink(target, tmp) < 0)
		r = -errno;
	struct stat st;
	if (r == 0 && lstat(path, &st) == 0 && !S_ISLNK(st.st_mode))
		r = -EEXIST; /* never replace a real file or node */
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int devrules_apply(const struct devrules *rs, const char *devdir, const struct uevent *ev)
{
	struct devrule_result res;
	if (!ev->devname || !ev->action || devrules_eval(rs, ev, &res) == 0)
		return 0;
	int remove = !strcmp(ev->action, "remove"), first = 0, r;
	char node[512];
	if (path_fmt(node, sizeof node, "%s/%s", devdir, ev->devname) < 0)
		return -ENAMETOOLONG;
	struct stat st;
	if (!remove && (res.has_mode || res.has_uid || res.has_gid)) {
		if (lstat(node, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
			first = -ENODEV;
		else if ((res.has_mode && chmod(node, res.mode) < 0) ||
			 ((res.has_uid || res.has_gid) &&
			  chown(node, res.has_uid ? res.uid : (uid_t)-1,
				res.has_gid ? res.gid : (gid_t)-1) < 0))
			first = -errno;
		if (first < 0)
			log_err("devices: %s: %s", node, strerror(-first));
	}
	char *save = NULL;
	for (char *l = strtok_r(res.links, " ", &save); l; l = strtok_r(NULL, " ", &save)) {
		if (strstr(l, "..") || l[0] == '/')
			continue; /* %k could not have brought it, but a kernel name can be odd */
		if ((r = make_link(devdir, l, ev->devname, remove)) < 0) {
			log_err("devices: link %s/%s -> %s: %s", devdir, l, ev->devname,
				strerror(-r));
			first = first ? first : r;
		}
	}
	return first;
}
