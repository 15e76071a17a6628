/*
 * Specifiers (see unit_spec.h). %I unescapes the instance the way
 * systemd-escape escapes it: "-" is "/" and "\xNN" a byte.
 */
#include "units/unit_spec.h"
#include "lib/fileio.h"

#include <stdio.h>

static int hexval_ok(char c)
{
	return hex_digit(c) >= 0;
}

/* %I: systemd's unit-name unescaping, "-" is "/" and "\xNN" a byte. */
static void unescape_instance(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *s = in; *s && o + 1 < cap; s++) {
		if (*s == '-') {
			out[o++] = '/';
		} else if (s[0] == '\\' && s[1] == 'x' && hexval_ok(s[2]) && hexval_ok(s[3])) {
			out[o++] = (char)(hex_digit(s[2]) * 16 + hex_digit(s[3]));
			s += 3;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

int unit_spec_expand(struct parser *p, const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *s = in; *s; s++) {
		char tmp[UNIT_NAME_MAX];
		const char *rep;
		if (*s != '%') {
			if (o + 2 > cap)
				goto too_long;
			out[o++] = *s;
			continue;
		}
		switch (*++s) {
		case '%':
			rep = "%";
			break;
		case 'n':
			rep = p->u->name;
			break;
		case 'N':
			snprintf(tmp, sizeof tmp, "%.*s",
				 (int)(strlen(p->u->name) - strlen(".service")), p->u->name);
			rep = tmp;
			break;
		case 'p':
		case 'P':
			rep = p->prefix;
			break;
		case 'i':
			rep = p->u->instance;
			break;
		case 'I':
			unescape_instance(p->u->instance, tmp, sizeof tmp);
			rep = tmp;
			break;
		case 't':
			rep = "/run";
			break;
		case '\0':
			unit_perr(p, "lone %% at the end of a value (write %%%% for a literal %%)");
			return -1;
		default:
			unit_perr(
			    p,
			    "unsupported specifier %%%c (supported: %%i %%I %%n %%N %%p %%P %%t "
			    "%%%%)",
			    *s);
			return -1;
		}
		size_t len = strlen(rep);
		if (o + len + 1 > cap)
			goto too_long;
		memcpy(out + o, rep, len);
		o += len;
	}
	out[o] = '\0';
	return 0;
too_long:
	unit_perr(p, "value too long after specifiers (max %d bytes)", UNIT_LINE_MAX - 1);
	return -1;
}
