/*
 * userdb: User=/Group= resolution from <root>/etc/passwd and <root>/etc/group,
 * parsed by hand. Both files are read whole into a bounded stack buffer
 * (USERDB_FILE_MAX); malformed lines are skipped, as getpwnam would.
 */
#include "userdb.h"
#include "fileio.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PW_FIELDS 7
#define GR_FIELDS 4

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t cap, const char *fmt,
							  ...)
{
	if (!err || !cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
}

/* Split line in place at ':' into at most n fields; returns the field count. */
static int split_colon(char *line, char **f, int n)
{
	int i = 0;
	f[i++] = line;
	for (char *p = line; *p && i < n; p++) {
		if (*p == ':') {
			*p = '\0';
			f[i++] = p + 1;
		}
	}
	return i;
}

/* A uid/gid in decimal; 2^32-1 is the kernel's "no id" and refused. */
static int parse_id(const char *s, unsigned *out)
{
	unsigned long long v;
	if (parse_u64(s, &v) < 0 || v >= UINT_MAX)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int is_numeric(const char *s)
{
	return s[0] >= '0' && s[0] <= '9';
}

static int read_db(const char *root, const char *file, char *buf, size_t cap)
{
	char path[PATH_MAX];
	int r = path_fmt(path, sizeof path, "%s%s", root, file);
	if (r < 0)
		return r;
	ssize_t n = read_file(path, buf, cap);
	return n < 0 ? (int)n : 0;
}

/*
 * Walk the lines of a colon file; cb returns 1 to stop. Each line is split
 * into a copy so the buffer can be walked again.
 */
typedef int (*line_cb)(char **f, int nf, void *ctx);

static void walk_db(const char *buf, int nfields, line_cb cb, void *ctx)
{
	char line[1024];
	const char *p = buf;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len < sizeof line && len > 0 && p[0] != '#') {
			memcpy(line, p, len);
			line[len] = '\0';
			char *f[PW_FIELDS];
			int nf = split_colon(line, f, nfields);
			if (nf == nfields && cb(f, nf, ctx))
				return;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
}

struct pw_query {
	const char *name; /* or NULL to match by uid */
	unsigned uid;
	int found;
	unsigned pw_uid, pw_gid;
	char pw_name[USERDB_STR_MAX];
	char home[USERDB_STR_MAX], shell[USERDB_STR_MAX];
};

static int pw_match(char **f, int nf, void *ctx)
{
	(void)nf;
	struct pw_query *q = ctx;
	unsigned uid, gid;
	if (parse_id(f[2], &uid) < 0 || parse_id(f[3], &gid) < 0)
		return 0;
	if (q->name ? strcmp(f[0], q->name) != 0 : uid != q->uid)
		return 0;
	q->found = 1;
	q->pw_uid = uid;
	q->pw_gid = gid;
	snprintf(q->pw_name, sizeof q->pw_name, "%s", f[0]);
	snprintf(q->home, sizeof q->home, "%s", f[5][0] ? f[5] : "/");
	snprintf(q->shell, sizeof q->shell, "%s", f[6][0] ? f[6] : "/bin/sh");
	return 1;
}

struct gr_query {
	const char *name; /* group to find by name, or NULL */
	int found;
	unsigned gid;
	const char *member; /* collect groups listing this user, or NULL */
	unsigned primary;
	struct userdb_cred *cred;
};

static int has_member(const char *list, const char *user)
{
	size_t ul = strlen(user);
	for (const char *p = list; *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == ul && memcmp(p, user, ul) == 0)
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int gr_match(char **f, int nf, void *ctx)
{
	(void)nf;
	struct gr_query *q = ctx;
	unsigned gid;
	if (parse_id(f[2], &gid) < 0)
		return 0;
	if (q->name) {
		if (strcmp(f[0], q->name) != 0)
			return 0;
		q->found = 1;
		q->gid = gid;
		return 1;
	}
	struct userdb_cred *c = q->cred;
	if (!has_member(f[3], q->member) || gid == q->primary)
		return 0;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return 0;
	if (c->ngroups < USERDB_GROUPS_MAX)
		c->groups[c->ngroups++] = gid;
	return 0;
}

int userdb_resolve(const char *root, const char *user, const char *group, struct userdb_cred *out,
		   char *err, size_t errcap)
{
	char db[USERDB_FILE_MAX];
	if (!root || !root[0] || strcmp(root, "/") == 0)
		root = "";
	memset(out, 0, sizeof *out);
	snprintf(out->home, sizeof out->home, "/root");
	snprintf(out->shell, sizeof out->shell, "/bin/sh");
	if (user && !user[0])
		user = NULL;
	if (group && !group[0])
		group = NULL;

	/* one buffer, passwd then group, to keep PID 1's stack small */
	int r = read_db(root, "/etc/passwd", db, sizeof db);
	if (r < 0 && !(r == -ENOENT && (!user || is_numeric(user)))) {
		set_err(err, errcap, "%s/etc/passwd: %s", root, strerror(-r));
		return r;
	}
	if (r < 0)
		db[0] = '\0';

	struct pw_query q = {.name = user ? user : "root"};
	if (user && is_numeric(user)) {
		if (parse_id(user, &q.uid) < 0) {
			set_err(err, errcap, "bad numeric user \"%s\"", user);
			return -EINVAL;
		}
		q.name = NULL;
	} else if (!user) {
		q.name = NULL; /* root by uid 0, whatever it is called */
	}
	walk_db(db, PW_FIELDS, pw_match, &q);
	if (q.found) {
		out->uid = q.pw_uid;
		out->gid = q.pw_gid;
		snprintf(out->home, sizeof out->home, "%s", q.home);
		snprintf(out->shell, sizeof out->shell, "%s", q.shell);
	} else if (q.name) {
		set_err(err, errcap, "unknown user \"%s\" (not in %s/etc/passwd)", user, root);
		return -ENOENT;
	} else {
		out->uid = q.uid;
		out->gid = q.uid; /* numeric uid without an entry: same-numbered group */
	}

	r = read_db(root, "/etc/group", db, sizeof db);
	if (r < 0 && r != -ENOENT) {
		set_err(err, errcap, "%s/etc/group: %s", root, strerror(-r));
		return r;
	}
	if (r < 0)
		db[0] = '\0';

	if (group) {
		struct gr_query g = {.name = group};
		if (is_numeric(group)) {
			if (parse_id(group, &g.gid) < 0) {
				set_err(err, errcap, "bad numeric group \"%s\"", group);
				return -EINVAL;
			}
		} else {
			walk_db(db, GR_FIELDS, gr_match, &g);
			if (!g.found) {
				set_err(err, errcap, "unknown group \"%s\" (not in %s/etc/group)",
					group, root);
				return -ENOENT;
			}
		}
		out->gid = g.gid;
	}

	/* supplementary groups: every group naming the user, as initgroups does */
	if (q.found) {
		struct gr_query m = {.member = q.pw_name, .primary = out->gid, .cred = out};
		walk_db(db, GR_FIELDS, gr_match, &m);
	}
	return 0;
}
