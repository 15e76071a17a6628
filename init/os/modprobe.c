/*
 * modprobe.d, the subset a loader without a shell needs (docs/devices.md):
 * blacklist and options are honoured; "install NAME /bin/true" (or false)
 * disables a module; other install commands, softdep, alias and remove
 * are ignored, the first two with a message since they change behaviour.
 */
#include "os/modprobe.h"
#include "lib/confdir.h"
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* name with '-' as '_' into out (MODPROBE_NAME_MAX); 0 or -ENAMETOOLONG */
static int norm(const char *name, size_t len, char *out)
{
	if (len == 0 || len >= MODPROBE_NAME_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < len; i++)
		out[i] = name[i] == '-' ? '_' : name[i];
	out[len] = '\0';
	return 0;
}

static int find_opts(const struct modprobe_conf *c, const char *n)
{
	for (int i = 0; i < c->n_opts; i++)
		if (strcmp(c->opts[i].name, n) == 0)
			return i;
	return -1;
}

static int add_params(struct modprobe_conf *c, const char *name, const char *params, char *err,
		      size_t errlen)
{
	char n[MODPROBE_NAME_MAX];
	if (norm(name, strlen(name), n) < 0)
		return snprintf(err, errlen, "module name too long"), -EINVAL;
	int i = find_opts(c, n);
	if (i < 0) {
		if (c->n_opts == MODPROBE_MAX_NAMES)
			return snprintf(err, errlen, "more than %d modules with options",
					MODPROBE_MAX_NAMES),
			       -ENOSPC;
		i = c->n_opts++;
		memcpy(c->opts[i].name, n, sizeof n);
		c->opts[i].params[0] = '\0';
	}
	char *p = c->opts[i].params;
	size_t used = strlen(p);
	if (used + 1 + strlen(params) >= MODPROBE_PARAMS_MAX)
		return snprintf(err, errlen, "options of %s longer than %d bytes", n,
				MODPROBE_PARAMS_MAX - 1),
		       -E2BIG;
	snprintf(p + used, MODPROBE_PARAMS_MAX - used, "%s%s", used ? " " : "", params);
	return 0;
}

static int add_black(struct modprobe_conf *c, const char *name, int disabled, char *err,
		     size_t errlen)
{
	char n[MODPROBE_NAME_MAX];
	if (norm(name, strlen(name), n) < 0)
		return snprintf(err, errlen, "module name too long"), -EINVAL;
	for (int i = 0; i < c->n_black; i++)
		if (strcmp(c->black[i].name, n) == 0) {
			c->black[i].disabled |= disabled;
			return 0;
		}
	if (c->n_black == MODPROBE_MAX_NAMES)
		return snprintf(err, errlen, "more than %d blacklisted modules",
				MODPROBE_MAX_NAMES),
		       -ENOSPC;
	memcpy(c->black[c->n_black].name, n, sizeof n);
	c->black[c->n_black++].disabled = disabled;
	return 0;
}

int modprobe_parse_line(struct modprobe_conf *c, char *line, char *err, size_t errlen)
{
	char *save = NULL, *cmd = strtok_r(line, " \t", &save);
	char *name = strtok_r(NULL, " \t", &save);
	char *rest = save ? save + strspn(save, " \t") : NULL;
	if (!cmd || !name)
		return snprintf(err, errlen, "want a command and a module name"), -EINVAL;
	if (strcmp(cmd, "blacklist") == 0)
		return add_black(c, name, 0, err, errlen);
	if (strcmp(cmd, "options") == 0)
		return rest && *rest ? add_params(c, name, rest, err, errlen) : 0;
	if (strcmp(cmd, "install") == 0) {
		const char *prog = rest ? rest : "";
		if (!strcmp(prog, "/bin/true") || !strcmp(prog, "/bin/false") ||
		    !strcmp(prog, "/usr/bin/true") || !strcmp(prog, "/usr/bin/false"))
			return add_black(c, name, 1, err, errlen);
		return snprintf(err, errlen, "install %s: commands are not run; %s loads as usual",
				name, name),
		       -ENOTSUP;
	}
	if (strcmp(cmd, "softdep") == 0)
		return snprintf(err, errlen,
				"softdep %s: not supported; list the modules in "
				"modules-load.d",
				name),
		       -ENOTSUP;
	if (strcmp(cmd, "alias") == 0 || strcmp(cmd, "remove") == 0)
		return 0; /* names for modprobe NAME; nothing loads by them here */
	return snprintf(err, errlen, "unknown command '%s'", cmd), -EINVAL;
}

static void cmdline_black(void *ctx, const char *w)
{
	char err[64];
	(void)add_black(ctx, w, 0, err, sizeof err);
}

void modprobe_parse_cmdline(struct modprobe_conf *c, const char *text)
{
	cmdline_each_word(text, "modprobe.blacklist=", cmdline_black, c);
	for (const char *p = text; *p;) {
		p += strspn(p, " \t\n");
		size_t wl = strcspn(p, " \t\n"), dot = strcspn(p, ".= \t\n");
		const char *eq = memchr(p, '=', wl);
		char w[MODPROBE_PARAMS_MAX], err[64];
		if (eq && p[dot] == '.' && p + dot < eq && dot > 0 && wl < sizeof w &&
		    strncmp(p, "modprobe.", 9) != 0) {
			memcpy(w, p, wl);
			w[wl] = '\0';
			w[dot] = '\0';
			(void)add_params(c, w, w + dot + 1, err, sizeof err);
		}
		p += wl;
	}
}

static int parse_cb(void *ctx, char *line, int no, char *err, size_t errlen)
{
	(void)no;
	return modprobe_parse_line(ctx, line, err, errlen);
}

static int refused;

static int read_file_cb(void *ctx, const char *path)
{
	int r = confdir_lines(path, "#", parse_cb, ctx);
	refused += r > 0 ? r : 0;
	return 0;
}

int modprobe_load(struct modprobe_conf *c, const char *root)
{
	c->n_black = c->n_opts = 0; /* not a memset: PID 1 keeps it, pages untouched stay free */
	refused = 0;
	confdir_each(root, "modprobe.d", ".conf", read_file_cb, c);
	return refused;
}

int modprobe_blocked(const struct modprobe_conf *c, const char *name)
{
	char n[MODPROBE_NAME_MAX];
	if (norm(name, strlen(name), n) < 0)
		return 0;
	for (int i = 0; i < c->n_black; i++)
		if (strcmp(c->black[i].name, n) == 0)
			return c->black[i].disabled ? 2 : 1;
	return 0;
}

const char *modprobe_params(const struct modprobe_conf *c, const char *name)
{
	char n[MODPROBE_NAME_MAX];
	int i = norm(name, strlen(name), n) < 0 ? -1 : find_opts(c, n);
	return i < 0 ? "" : c->opts[i].params;
}
