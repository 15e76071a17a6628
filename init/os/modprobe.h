/*
 * What an admin says about modules in modprobe.d(5) (/etc, /run,
 * /usr/local/lib, /usr/lib, /lib) and on the kernel command line: which
 * are blacklisted (never loaded for a device), which disabled altogether
 * ("install NAME /bin/true"), and the options each is loaded with.
 */
#ifndef PACT_MODPROBE_H
#define PACT_MODPROBE_H

#include <stddef.h>

#define MODPROBE_MAX_NAMES  64
#define MODPROBE_NAME_MAX   64
#define MODPROBE_PARAMS_MAX 256

struct modprobe_conf {
	int n_black, n_opts;
	struct {
		char name[MODPROBE_NAME_MAX];
		int disabled; /* install NAME /bin/true: not even by name */
	} black[MODPROBE_MAX_NAMES];
	struct {
		char name[MODPROBE_NAME_MAX];
		char params[MODPROBE_PARAMS_MAX];
	} opts[MODPROBE_MAX_NAMES];
};

/* One line of a modprobe.d file (comments and blanks already gone). 0, or
 * -EINVAL / -ENOSPC with err set. */
int modprobe_parse_line(struct modprobe_conf *c, char *line, char *err, size_t errlen);
/* The kernel command line's modprobe.blacklist=a,b and NAME.PARAM=VALUE. */
void modprobe_parse_cmdline(struct modprobe_conf *c, const char *text);
/* Read every modprobe.d file under root ("" for /); returns the number of
 * lines refused (each logged with file:line). */
int modprobe_load(struct modprobe_conf *c, const char *root);
/* 1 blacklisted, 2 disabled, else 0 ('-' and '_' are the same). */
int modprobe_blocked(const struct modprobe_conf *c, const char *name);
/* The options of name ("" for none). */
const char *modprobe_params(const struct modprobe_conf *c, const char *name);

#endif
