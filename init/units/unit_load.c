/*
 * The unit file loader: sections, continuation lines, KEY=VALUE handed to
 * the key handlers (unit_keys.c), then what needs the whole file:
 * EnvironmentFile=, the command lines (unit_exec.c), credentials. A unit
 * that has any error does not load; warnings (unknown keys and sections,
 * ignored values) never stop it. Directories are read by unit_dir.c.
 */
#include "units/unit_key_table.h"
#include "units/unit_keys.h"
#include "units/unit_parser.h"
#include "units/unit_sections.h"
#include "lib/fileio.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define WS " \t\r\n"

static void section_header(struct parser *p, char *line)
{
	size_t len = strlen(line);
	if (line[len - 1] != ']') {
		unit_perr(p, "section header \"%s\" lacks its closing ']'", line);
		p->sec = SEC_IGNORED;
		return;
	}
	line[len - 1] = '\0';
	const char *name = line + 1;
	if (streq(name, "Unit"))
		p->sec = SEC_UNIT;
	else if (streq(name, "Service"))
		p->sec = SEC_SERVICE;
	else if (streq(name, "Install"))
		p->sec = SEC_INSTALL;
	else if (streq(name, "Socket") && p->u->kind == UNIT_KIND_SOCKET)
		p->sec = SEC_SOCKET;
	else if (streq(name, "Timer") && p->u->kind == UNIT_KIND_TIMER)
		p->sec = SEC_TIMER;
	else {
		/* systemd ignores X- sections silently; others once, here */
		if (strncmp(name, "X-", 2) != 0)
			unit_pwarn(p, "unknown section [%s], ignored", name);
		p->sec = SEC_IGNORED;
	}
}

static void assignment(struct parser *p, char *line)
{
	char *eq = strchr(line, '=');
	if (!eq) {
		unit_perr(p, "\"%s\": not an assignment (KEY=VALUE) or a [Section]", line);
		return;
	}
	if (p->sec == SEC_NONE) {
		unit_perr(p, "assignment \"%s\" outside of a section", line);
		return;
	}
	*eq = '\0';
	char *key = line, *v = eq + 1;
	size_t kl = strlen(key);
	while (kl && strchr(WS, key[kl - 1]))
		key[--kl] = '\0';
	v += strspn(v, WS);
	if (!kl) {
		unit_perr(p, "assignment without a key");
		return;
	}
	if (p->sec == SEC_IGNORED)
		return;
	if (p->sec == SEC_SERVICE && p->u->kind != UNIT_KIND_SERVICE) {
		unit_pwarn(p, "[Service] in a %s, ignored", unit_kind_suffix(p->u->kind));
		return;
	}
	if (!unit_key_find(p->sec, key)) { /* the one list of keys: unit_key_table.c */
		unit_pwarn(p, "unknown key %s= in [%s], ignored", key, unit_section_name(p->sec));
		return;
	}
	if (p->sec == SEC_INSTALL || p->sec == SEC_SOCKET || p->sec == SEC_TIMER)
		unit_section_assign(p, key, v); /* unit_install.c, socket_unit.c, timer_unit.c */
	else
		unit_keys_assign(p, key, v);
}

/* Walk the text line by line, joining continuation lines (trailing '\'). */
static void parse_text(struct parser *p, const char *text, size_t len)
{
	char line[UNIT_LINE_MAX];
	size_t pos = 0;
	int lineno = 0;
	while (pos < len) {
		size_t used = 0;
		int start_line = lineno + 1, too_long = 0, cont = 0;
		do {
			const char *s = text + pos;
			const char *nl = memchr(s, '\n', len - pos);
			size_t l = nl ? (size_t)(nl - s) : len - pos;
			pos += l + (nl ? 1 : 0);
			lineno++;
			if (cont) {
				/* comment lines inside a continuation are dropped */
				size_t k = 0;
				while (k < l && (s[k] == ' ' || s[k] == '\t'))
					k++;
				if (k < l && (s[k] == '#' || s[k] == ';'))
					continue;
			}
			if (used + l + 1 > sizeof line) {
				too_long = 1;
				l = 0;
			}
			memcpy(line + used, s, l);
			used += l;
			while (used && (line[used - 1] == '\r' || line[used - 1] == ' ' ||
					line[used - 1] == '\t'))
				used--;
			cont = used && line[used - 1] == '\\';
			if (cont)
				line[used - 1] = ' ';
		} while (cont && pos < len);
		line[used] = '\0';
		p->line = start_line;
		if (too_long) {
			unit_perr(p, "line longer than %d bytes", UNIT_LINE_MAX - 1);
			continue;
		}
		char *l = line + strspn(line, WS);
		if (!*l || *l == '#' || *l == ';')
			continue;
		if (*l == '[')
			section_header(p, l);
		else
			assignment(p, l);
	}
	p->line = 0;
}

/* ---- after the file: environment files, commands, credentials ---- */

static int unquote_env_value(const char *v, char *out, size_t cap)
{
	size_t o = 0;
	char q = 0;
	int quoted = *v == '"' || *v == '\'';
	if (quoted)
		q = *v++;
	for (; *v; v++) {
		char c = *v;
		if (q && c == q) {
			if (v[1 + strspn(v + 1, " \t")])
				return -EINVAL; /* text after the closing quote */
			q = 0;
			break;
		}
		if (q == '"' && c == '\\' && v[1] && strchr("\"\\`$", v[1]))
			c = *++v;
		if (o + 1 >= cap)
			return -E2BIG;
		out[o++] = c;
	}
	if (q)
		return -EINVAL; /* unterminated quote */
	while (!quoted && o && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		o--;
	out[o] = '\0';
	return 0;
}

static void read_envfile(struct parser *p, int idx)
{
	char path[PATH_MAX], text[UNIT_ENVFILE_SIZE + 2];
	const char *root = p->opts->root && p->opts->root[0] ? p->opts->root : "";
	p->line = p->envfile[idx].line;
	if (path_fmt(path, sizeof path, "%s%s", root, p->envfile[idx].path) < 0) {
		unit_perr(p, "EnvironmentFile=%s: path too long", p->envfile[idx].path);
		return;
	}
	ssize_t n = read_config_file(path, text, sizeof text);
	if (n < 0) {
		if (n == -ENOENT && p->envfile[idx].optional)
			return;
		unit_perr(p, "EnvironmentFile=%s: %s", path, file_error((int)-n));
		return;
	}
	if (n > UNIT_ENVFILE_SIZE) {
		unit_perr(p, "EnvironmentFile=%s: larger than %d bytes", path, UNIT_ENVFILE_SIZE);
		return;
	}
	const char *saved_file = p->file;
	p->file = path;
	char *next = text;
	for (int lineno = 1; *next; lineno++) {
		char *l = next, *nl = strchr(l, '\n');
		next = nl ? nl + 1 : l + strlen(l);
		if (nl)
			*nl = '\0';
		size_t ll = strlen(l);
		while (ll && l[ll - 1] == '\r')
			l[--ll] = '\0';
		p->line = lineno;
		l += strspn(l, WS);
		if (!*l || *l == '#' || *l == ';')
			continue;
		char *eq = strchr(l, '=');
		size_t kl = eq ? (size_t)(eq - l) : 0;
		while (kl && (l[kl - 1] == ' ' || l[kl - 1] == '\t'))
			kl--;
		char kv[UNIT_LINE_MAX];
		if (!eq || !unit_env_name_valid(l, kl) || kl + 2 > sizeof kv) {
			unit_pwarn(p, "not a KEY=VALUE line, ignored");
			continue;
		}
		memcpy(kv, l, kl);
		kv[kl] = '=';
		const char *v = eq + 1 + strspn(eq + 1, " \t");
		if (unquote_env_value(v, kv + kl + 1, sizeof kv - kl - 1) < 0) {
			unit_pwarn(p, "bad quoting in the value of %.*s, ignored", (int)kl, l);
			continue;
		}
		if (unit_env_set(p, kv) < 0)
			break;
	}
	p->file = saved_file;
	p->line = 0;
}

static int build_cmd(struct parser *p, const char *key, const struct raw_cmd *raw,
		     struct unit_exec *x)
{
	char err[UNIT_DIAG_LEN];
	int odd = 0;
	p->line = raw->line;
	if (unit_exec_build(p->u, raw->text, p->u->envp, p->u->n_env, x, err, sizeof err, &odd) <
	    0) {
		unit_perr(p, "%s=: %s", key, err);
		return -1;
	}
	if (odd)
		unit_pwarn(p, "%s=: unknown escape sequences kept verbatim", key);
	return 0;
}

/* Every command list, after the checks systemd makes on them. */
/* The commands of kind k as parsed, resolved into the unit */
static int build_cmd_kind(struct parser *p, enum unit_cmd k)
{
	for (int i = 0; i < p->n_cmd[k]; i++)
		if (build_cmd(p, unit_cmd_key(k), &p->cmd[k][i], &p->u->exec[k][i]) < 0)
			return -1;
	p->u->n_exec[k] = p->n_cmd[k];
	return 0;
}

static int build_cmds(struct parser *p)
{
	struct unit *u = p->u;
	int n_start = p->n_cmd[UNIT_CMD_START];
	if (!n_start && (u->type != UNIT_TYPE_ONESHOT || !p->n_cmd[UNIT_CMD_STOP])) {
		unit_perr(p, "no ExecStart= in [Service]%s",
			  u->type == UNIT_TYPE_ONESHOT ? " (nor ExecStop=)" : "");
		return -1;
	}
	if (n_start > 1 && u->type != UNIT_TYPE_ONESHOT) {
		p->line = p->cmd[UNIT_CMD_START][1].line;
		unit_perr(p, "more than one ExecStart= is only for Type=oneshot (write an empty "
			     "ExecStart= first to replace it)");
		return -1;
	}
	/* as in systemd, a oneshot has no start timeout unless given one */
	if (u->type == UNIT_TYPE_ONESHOT && !p->timeout_start_set)
		u->timeout_start_ms = UNIT_TIMEOUT_NONE;
	for (int k = 0; k < UNIT_CMD_KINDS; k++) {
		if (build_cmd_kind(p, (enum unit_cmd)k) < 0)
			return -1;
		/* systemd's older spelling of "+" on every command but ExecStart= */
		for (int i = 0; p->permissions_start_only && k != UNIT_CMD_START && i < p->n_cmd[k];
		     i++)
			u->exec[k][i].flags |= UNIT_EXEC_PRIVILEGED;
	}
	return 0;
}

/* A socket's ExecStartPre= and ExecStartPost=: run as root around its
 * bind (svc_outcome.c). */
static int build_socket_cmds(struct parser *p)
{
	return build_cmd_kind(p, UNIT_CMD_PRE) < 0 || build_cmd_kind(p, UNIT_CMD_POST) < 0 ? -1 : 0;
}

static void resolve_groups(struct parser *p)
{
	struct unit *u = p->u;
	char err[UNIT_DIAG_LEN];
	p->line = p->groups_line;
	for (int i = 0; i < u->n_groups && !p->opts->no_userdb; i++) {
		struct userdb_cred c;
		if (userdb_resolve(p->opts->root, "0", u->group_names[i], &c, err, sizeof err) <
		    0) {
			unit_perr(p, "SupplementaryGroups=: %s", err);
			return;
		}
		u->groups[i] = c.gid;
	}
	p->line = 0;
}

static void finish(struct parser *p)
{
	struct unit *u = p->u;
	char err[UNIT_DIAG_LEN];

	for (int i = 0; i < p->n_envfile; i++)
		read_envfile(p, i);
	if (p->failed)
		return;
	for (int i = 0; i < p->n_env; i++) {
		if (!(u->envp[i] = (char *)unit_arena_dup(p, p->env[i])))
			return;
	}
	u->n_env = p->n_env;
	u->envp[u->n_env] = NULL;

	if (u->kind == UNIT_KIND_SOCKET && build_socket_cmds(p) < 0)
		return;
	if (u->kind != UNIT_KIND_SERVICE) {
		unit_section_finish(p);
		return;
	}
	if (build_cmds(p) < 0)
		return;
	p->line = 0;

	/* DynamicUser=: a fixed unprivileged user rather than a transient one */
	if (p->dynamic_user && !u->user)
		u->user = unit_arena_dup(p, "nobody");
	if ((u->user || u->group) && !p->opts->no_userdb) {
		p->line = p->user_line;
		int r = userdb_resolve(p->opts->root, u->user, u->group, &u->cred, err, sizeof err);
		if (r < 0) {
			unit_perr(p, "%s", err);
			return;
		}
		u->has_cred = 1;
		p->line = 0;
	}
	resolve_groups(p);
	if (u->n_hardening_ignored)
		unit_pwarn(p,
			   "hardening not applied by pact-init (the service runs without it), %d "
			   "keys: %s",
			   u->n_hardening_ignored, p->hardening_ignored);
	if (u->working_dir && streq(u->working_dir, "~"))
		u->working_dir = unit_arena_dup(p, u->has_cred ? u->cred.home : "/root");
}

/* An instance: a unit name of its own, at most half as long, without '@'. */
static int valid_instance(const char *s)
{
	return strlen(s) < UNIT_NAME_MAX / 2 && !strchr(s, '@') && unit_name_valid(s);
}

static void unit_fail(struct unit *u, const char *path)
{
	char name[UNIT_NAME_MAX], err[UNIT_DIAG_LEN];
	memcpy(name, u->name, sizeof name);
	memcpy(err, u->load_error, sizeof err);
	unit_reset(u);
	memcpy(u->name, name, sizeof name);
	memcpy(u->load_error, err, sizeof err);
	u->load_state = UNIT_LOAD_ERROR;
	u->source = unit_arena_strdup(u, path, strnlen(path, UNIT_ARENA_SIZE / 2));
}

/* Name the unit from its file name and the instance; -1 on error. */
static int set_name(struct parser *p, const char *path, const char *instance)
{
	struct unit *u = p->u;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(u->name, sizeof u->name, "%s", base);
	int kind = unit_kind_of(base);
	if (kind < 0 || !unit_name_valid(base)) {
		unit_perr(p, "\"%s\" is not a valid unit name (.service, .socket, .timer, .target)",
			  base);
		return -1;
	}
	u->kind = (enum unit_kind)kind;
	const char *suffix = unit_kind_suffix(u->kind);
	size_t stem = strlen(base) - strlen(suffix);
	const char *at = memchr(base, '@', stem);
	int is_template = at && (size_t)(at - base) == stem - 1;
	size_t plen = at ? (size_t)(at - base) : stem;
	if (plen == 0) {
		unit_perr(p, "\"%s\": empty unit name", base);
		return -1;
	}
	snprintf(p->prefix, sizeof p->prefix, "%.*s", (int)plen, base);
	if (instance && !is_template) {
		unit_perr(p, "instance \"%s\" given, but %s is not a template (name@%s)", instance,
			  base, suffix);
		return -1;
	}
	if (is_template && !instance) {
		unit_perr(p, "%s is a template: it loads only as an instance (name@instance%s)",
			  base, suffix);
		return -1;
	}
	if (instance) {
		if (!valid_instance(instance)) {
			unit_perr(p, "\"%s\": not a valid instance name", instance);
			return -1;
		}
		if (path_fmt(u->name, sizeof u->name, "%s@%s%s", p->prefix, instance, suffix) < 0) {
			unit_perr(p, "instance name \"%s\" too long", instance);
			return -1;
		}
		u->instance = unit_arena_dup(p, instance);
	} else if (at) {
		/* an instance written out as its own file: x@1.service */
		char inst[UNIT_NAME_MAX];
		snprintf(inst, sizeof inst, "%.*s", (int)(stem - plen - 1), at + 1);
		u->instance = unit_arena_dup(p, inst);
	}
	return u->instance ? 0 : -1;
}

static void parser_begin(struct parser *p, const char *path, const struct unit_opts *opts,
			 struct unit *u, struct unit_diag *d)
{
	static const struct unit_opts no_opts;
	memset(p, 0, offsetof(struct parser, scratch)); /* every counter and flag */
	p->file = path;
	p->u = u;
	p->d = d;
	p->opts = opts ? opts : &no_opts;
	unit_reset(u);
}

/* FNV-1a over bytes, from h (0: the offset basis) */
static uint64_t fold(uint64_t h, const void *data, size_t len)
{
	const unsigned char *b = data;
	if (!h)
		h = 14695981039346656037ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static void parse_one(struct parser *p, const char *path, const char *text, size_t len)
{
	p->file = path;
	p->u->digest = fold(fold(p->u->digest, path, strlen(path) + 1), text, len);
	if (memchr(text, '\0', len))
		unit_perr(p, "contains a NUL byte");
	else
		parse_text(p, text, len);
	p->sec = SEC_NONE; /* a drop-in starts with its own section header */
}

static int parser_end(struct parser *p, const char *path)
{
	p->file = path;
	if (!p->failed)
		finish(p);
	if (p->failed) {
		unit_fail(p->u, path);
		return -EINVAL;
	}
	return 0;
}

int unit_load_buffer(const char *path, const char *instance, const char *text, size_t len,
		     const struct unit_opts *opts, struct unit *u, struct unit_diag *d)
{
	struct parser p;
	parser_begin(&p, path, opts, u, d);
	if (set_name(&p, path, instance) == 0) {
		u->source = unit_arena_dup(&p, path);
		parse_one(&p, path, text, len);
	}
	return parser_end(&p, path);
}

int unit_load_files(const char *const *paths, int n, const char *instance,
		    const struct unit_opts *opts, struct unit *u, struct unit_diag *d)
{
	char text[UNIT_FILE_MAX + 2];
	struct parser p;
	parser_begin(&p, paths[0], opts, u, d);
	if (set_name(&p, paths[0], instance) == 0) {
		u->source = unit_arena_dup(&p, paths[0]);
		for (int i = 0; i < n && !p.failed; i++) {
			ssize_t r = read_config_file(paths[i], text, sizeof text);
			p.file = paths[i];
			if (r < 0)
				unit_perr(&p, "cannot read: %s", file_error((int)-r));
			else if (r > UNIT_FILE_MAX)
				unit_perr(&p, "larger than %d bytes", UNIT_FILE_MAX);
			else
				parse_one(&p, paths[i], text, (size_t)r);
		}
	}
	return parser_end(&p, paths[0]);
}

int unit_load_file(const char *path, const char *instance, const struct unit_opts *opts,
		   struct unit *u, struct unit_diag *d)
{
	char text[UNIT_FILE_MAX + 2];
	ssize_t n = read_config_file(path, text, sizeof text);
	if (n >= 0 && n <= UNIT_FILE_MAX)
		return unit_load_buffer(path, instance, text, (size_t)n, opts, u, d);
	/* report through the same path so name, load_error and diag are set */
	static const struct unit_opts no_opts;
	struct parser p = {.file = path, .u = u, .d = d, .opts = opts ? opts : &no_opts};
	unit_reset(u);
	const char *base = strrchr(path, '/');
	snprintf(u->name, sizeof u->name, "%s", base ? base + 1 : path);
	if (n < 0)
		unit_perr(&p, "cannot read: %s", file_error((int)-n));
	else
		unit_perr(&p, "larger than %d bytes", UNIT_FILE_MAX);
	unit_fail(u, path);
	return n < 0 ? (int)n : -EFBIG;
}

/* Bounded copy that truncates quietly (names are validated before). */
