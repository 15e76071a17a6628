/*
 * A load's messages and its two bounded stores (see unit_parser.h): the
 * scratch for raw values read before they can be resolved, and the
 * unit's own arena for what it keeps.
 */
#include "units/unit_parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

__attribute__((format(printf, 3, 0))) static void diag_add(struct parser *p, int level,
							   const char *fmt, va_list ap)
{
	char text[UNIT_DIAG_LEN];
	int n = p->line > 0 ? snprintf(text, sizeof text, "%s:%d: ", p->file, p->line)
			    : snprintf(text, sizeof text, "%s: ", p->file);
	if (n < 0 || (size_t)n >= sizeof text)
		n = 0;
	vsnprintf(text + n, sizeof text - (size_t)n, fmt, ap);
	if (level == LOG_ERR) {
		if (!p->failed)
			snprintf(p->u->load_error, sizeof p->u->load_error, "%s", text);
		p->failed = 1;
	}
	unit_diag_add(p->d, p->opts, level, text);
}

void unit_perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(p, LOG_ERR, fmt, ap);
	va_end(ap);
}

void unit_pwarn(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(p, LOG_WARNING, fmt, ap);
	va_end(ap);
}

char *unit_scratch_dup(struct parser *p, const char *s)
{
	size_t len = strlen(s);
	if (len + 1 > sizeof p->scratch - p->scratch_used) {
		unit_perr(p, "unit too large (%d bytes of raw values)", UNIT_ARENA_SIZE);
		return NULL;
	}
	char *d = p->scratch + p->scratch_used;
	memcpy(d, s, len + 1);
	p->scratch_used += len + 1;
	return d;
}

const char *unit_arena_dup(struct parser *p, const char *s)
{
	const char *d = unit_arena_strdup(p->u, s, strlen(s));
	if (!d)
		unit_perr(p, "unit too large (arena of %d bytes full)", UNIT_ARENA_SIZE);
	return d;
}
