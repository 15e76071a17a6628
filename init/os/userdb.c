/*
 * userdb: User=/Group= resolution from <root>/etc/passwd and <root>/etc/group,
 * parsed by hand, streaming line by line through a small buffer (a site may
 * keep thousands of users in /etc/passwd). Malformed lines are skipped, as
 * getpwnam would.
 */
#include "os/userdb.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
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

/*
 * Call cb on each well-formed line of root+file, streaming through a small
 * buffer so a site's large /etc/passwd costs no stack; cb returns 1 to
 * stop. Lines longer than USERDB_LINE_MAX are skipped. Returns 0 or -errno.
 */
typedef int (*line_cb)(char **f, int nf, void *ctx);

static int handle_line(char *line, int nfields, line_cb cb, void *ctx)
{
	char *f[PW_FIELDS];
	if (!line[0] || line[0] == '#')
		return 0;
	return split_colon(line, f, nfields) == nfields && cb(f, nfields, ctx);
}

static int walk_db(const char *root, const char *file, int nfields, line_cb cb, void *ctx)
{
	char path[PATH_MAX], buf[USERDB_LINE_MAX + 1];
	int r = path_fmt(path, sizeof path, "%s%s", root, file);
	if (r < 0)
		return r;
	int fd = open_config_file(path);
	if (fd < 0)
		return fd;
	size_t used = 0;
	int skipping = 0, stop = 0;
	while (!stop) {
		ssize_t n = read_retry(fd, buf + used, sizeof buf - 1 - used);
		if (n < 0) {
			close_fd(fd);
			return (int)n;
		}
		used += (size_t)n;
		buf[used] = '\0';
		char *start = buf, *nl;
		while (!stop && (nl = memchr(start, '\n', used - (size_t)(start - buf)))) {
			*nl = '\0';
			if (!skipping)
				stop = handle_line(start, nfields, cb, ctx);
			skipping = 0;
			start = nl + 1;
		}
		size_t rest = used - (size_t)(start - buf);
		if (n == 0) {
			if (!stop && rest && !skipping)
				handle_line(start, nfields, cb, ctx);
			break;
		}
		if (rest == sizeof buf - 1) {
			/* an overlong line: drop it up to its newline */
			if (!skipping)
				log_warn("userdb: %s: a line longer than %d bytes is ignored", path,
					 USERDB_LINE_MAX);
			skipping = 1;
			rest = 0;
		}
		memmove(buf, start, rest);
		used = rest;
	}
	close_fd(fd);
	return 0;
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

static int db_error(int r, const char *root, const char *file, char *err, size_t errcap)
{
	set_err(err, errcap, "%s%s: %s", root, file, file_error(-r));
	return r;
}

int userdb_resolve(const char *root, const char *user, const char *group, struct userdb_cred *out,
		   char *err, size_t errcap)
{
	if (!root || !root[0] || strcmp(root, "/") == 0)
		root = "";
	memset(out, 0, sizeof *out);
	snprintf(out->home, sizeof out->home, "/root");
	snprintf(out->shell, sizeof out->shell, "/bin/sh");
	if (user && !user[0])
		user = NULL;
	if (group && !group[0])
		group = NULL;

	struct pw_query q = {.name = user};
	if (user && is_numeric(user)) {
		if (parse_id(user, &q.uid) < 0) {
			set_err(err, errcap, "bad numeric user \"%s\"", user);
			return -EINVAL;
		}
		q.name = NULL;
	}
	struct gr_query g = {.name = group};
	if (group && is_numeric(group)) {
		if (parse_id(group, &g.gid) < 0) {
			set_err(err, errcap, "bad numeric group \"%s\"", group);
			return -EINVAL;
		}
		g.name = NULL;
		g.found = 1;
	}

	/* no User= is root, by uid 0 whatever it is called; numbers need no file */
	int r = walk_db(root, "/etc/passwd", PW_FIELDS, pw_match, &q);
	if (r < 0 && !(r == -ENOENT && !q.name))
		return db_error(r, root, "/etc/passwd", err, errcap);
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

	if (g.name) {
		r = walk_db(root, "/etc/group", GR_FIELDS, gr_match, &g);
		if (r < 0 && r != -ENOENT)
			return db_error(r, root, "/etc/group", err, errcap);
		if (!g.found) {
			set_err(err, errcap, "unknown group \"%s\" (not in %s/etc/group)", group,
				root);
			return -ENOENT;
		}
	}
	if (group)
		out->gid = g.gid;

	/* supplementary groups: every group naming the user, as initgroups does */
	if (q.found) {
		struct gr_query m = {.member = q.pw_name, .primary = out->gid, .cred = out};
		r = walk_db(root, "/etc/group", GR_FIELDS, gr_match, &m);
		if (r < 0 && r != -ENOENT)
			return db_error(r, root, "/etc/group", err, errcap);
	}
	return 0;
}
