/*
 * Command lines of units (ExecStart=, ExecStartPre=): systemd's word
 * splitting (double and single quotes, C-style backslash escapes, quotes
 * may start mid-word), its command prefixes, and $VAR / ${VAR} expansion
 * from the unit's environment. The result is an argv in the unit's arena.
 */
#include "lib/fileio.h"
#include "units/unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define WS " \t\n\r"

char *unit_arena_strdup(struct unit *u, const char *s, size_t len)
{
	if (len + 1 > sizeof u->arena - u->arena_used)
		return NULL;
	char *d = u->arena + u->arena_used;
	memcpy(d, s, len);
	d[len] = '\0';
	u->arena_used += len + 1;
	return d;
}

/* One escape after a backslash at *s; returns the byte or -1 (bad escape). */
static int unescape(const char **s)
{
	const char *p = *s;
	int c;
	switch (*p) {
	case 'a':
		c = '\a';
		break;
	case 'b':
		c = '\b';
		break;
	case 'f':
		c = '\f';
		break;
	case 'n':
		c = '\n';
		break;
	case 'r':
		c = '\r';
		break;
	case 't':
		c = '\t';
		break;
	case 'v':
		c = '\v';
		break;
	case 's':
		c = ' ';
		break;
	case ' ':
	case '\t':
	case '\\':
	case '"':
	case '\'':
		c = (unsigned char)*p;
		break;
	case 'x': {
		int h = hex_digit(p[1]), l = h < 0 ? -1 : hex_digit(p[2]);
		if (h < 0 || l < 0)
			return -1;
		c = h * 16 + l;
		p += 2;
		break;
	}
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
		if (p[1] < '0' || p[1] > '7' || p[2] < '0' || p[2] > '7')
			return -1;
		c = (p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0');
		if (c > 255)
			return -1;
		p += 2;
		break;
	default:
		return -1;
	}
	if (c == 0)
		return -1; /* a NUL cannot live in an argument */
	*s = p + 1;
	return c;
}

/*
 * Split line into words, NUL-separated in out. An unknown escape is kept
 * verbatim and counted in *odd (systemd warns and does the same). relaxed:
 * an unterminated quote ends at the end of the line (how systemd splits
 * the value of $VAR).
 */
static int split(const char *line, char *out, size_t cap, int max_words, int relaxed, char *err,
		 size_t errcap, int *odd)
{
	size_t o = 0;
	int n = 0;
	const char *s = line;
	for (;;) {
		s += strspn(s, WS);
		if (!*s)
			return n;
		if (n == max_words) {
			snprintf(err, errcap, "more than %d words", max_words);
			return -E2BIG;
		}
		char quote = 0;
		while (*s && (quote || !strchr(WS, *s))) {
			int c = (unsigned char)*s;
			if (!quote && (c == '"' || c == '\'')) {
				quote = (char)c;
				s++;
				continue;
			}
			if (quote && c == quote) {
				quote = 0;
				s++;
				continue;
			}
			if (c == '\\') {
				const char *e = s + 1;
				if (!*e) {
					if (relaxed) {
						s++;
						continue;
					}
					snprintf(err, errcap, "trailing backslash");
					return -EINVAL;
				}
				c = unescape(&e);
				if (c < 0) {
					(*odd)++;
					c = '\\';
					e = s + 1;
				}
				s = e;
			} else {
				s++;
			}
			if (o + 2 > cap) {
				snprintf(err, errcap, "command line too long");
				return -E2BIG;
			}
			out[o++] = (char)c;
		}
		if (quote && !relaxed) {
			snprintf(err, errcap, "unterminated %s quote",
				 quote == '"' ? "double" : "single");
			return -EINVAL;
		}
		if (o + 1 > cap) {
			snprintf(err, errcap, "command line too long");
			return -E2BIG;
		}
		out[o++] = '\0';
		n++;
	}
}

int unit_split_words(const char *line, char *out, size_t cap, int max_words, char *err,
		     size_t errcap, int *odd_escapes)
{
	int odd = 0, n = split(line, out, cap, max_words, 0, err, errcap, &odd);
	if (odd_escapes)
		*odd_escapes = odd;
	return n;
}

static const char *env_get(char *const *env, int n, const char *name, size_t len)
{
	for (int i = n - 1; i >= 0; i--)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

static int is_var_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_var_char(char c)
{
	return is_var_start(c) || (c >= '0' && c <= '9');
}

/* A word that is exactly "$NAME": systemd splits the value into words. */
static int whole_var(const char *w)
{
	if (w[0] != '$' || !is_var_start(w[1]))
		return 0;
	for (const char *p = w + 2; *p; p++)
		if (!is_var_char(*p))
			return 0;
	return 1;
}

struct argv_out {
	struct unit *u;
	struct unit_exec *x;
	char **argv; /* UNIT_ARGV_MAX + 1 slots; copied into the arena at the end */
	char *err;
	size_t errcap;
};

static int push(struct argv_out *a, const char *s, size_t len)
{
	if (a->x->argc >= UNIT_ARGV_MAX) {
		snprintf(a->err, a->errcap, "more than %d arguments", UNIT_ARGV_MAX);
		return -E2BIG;
	}
	char *d = unit_arena_strdup(a->u, s, len);
	if (!d) {
		snprintf(a->err, a->errcap, "unit too large (arena of %d bytes full)",
			 UNIT_ARENA_SIZE);
		return -E2BIG;
	}
	a->argv[a->x->argc++] = d;
	a->argv[a->x->argc] = NULL;
	return 0;
}

/* ${NAME} anywhere in a word becomes the value as-is, $$ becomes $. */
static int expand_inline(struct argv_out *a, const char *w, char *const *env, int n_env)
{
	char buf[UNIT_LINE_MAX];
	size_t o = 0;
	for (const char *p = w; *p;) {
		const char *val = NULL;
		size_t vlen = 0, skip = 1;
		if (p[0] == '$' && p[1] == '$') {
			val = "$";
			vlen = 1;
			skip = 2;
		} else if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			size_t nlen = end ? (size_t)(end - p - 2) : 0;
			int valid = end && nlen > 0 && is_var_start(p[2]);
			for (size_t i = 0; valid && i < nlen; i++)
				valid = is_var_char(p[2 + i]);
			if (valid) {
				val = env_get(env, n_env, p + 2, nlen);
				if (!val)
					val = "";
				vlen = strlen(val);
				skip = nlen + 3;
			}
		}
		if (!val) {
			val = p;
			vlen = 1;
		}
		if (o + vlen + 1 > sizeof buf) {
			snprintf(a->err, a->errcap, "argument too long after expansion");
			return -E2BIG;
		}
		memcpy(buf + o, val, vlen);
		o += vlen;
		p += skip;
	}
	return push(a, buf, o);
}

static int expand_word(struct argv_out *a, const char *w, char *const *env, int n_env)
{
	if (!whole_var(w))
		return expand_inline(a, w, env, n_env);
	const char *val = env_get(env, n_env, w + 1, strlen(w + 1));
	if (!val && strcmp(w, "$MAINPID") == 0)
		return push(a, w, strlen(w)); /* known at run time only: the spawn fills it */
	if (!val)
		return 0; /* an unset $VAR as a word is no argument at all */
	char words[UNIT_LINE_MAX];
	int odd = 0;
	int n = split(val, words, sizeof words, UNIT_ARGV_MAX, 1, a->err, a->errcap, &odd);
	if (n < 0)
		return n;
	const char *p = words;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(p);
		int r = push(a, p, len);
		if (r < 0)
			return r;
		p += len + 1;
	}
	return 0;
}

static int parse_prefixes(const char **s, unsigned *flags, char *err, size_t errcap)
{
	for (;; (*s)++) {
		switch (**s) {
		case '-':
			*flags |= UNIT_EXEC_IGNORE_FAILURE;
			break;
		case '@':
			*flags |= UNIT_EXEC_ARGV0;
			break;
		case ':':
			*flags |= UNIT_EXEC_NO_EXPAND;
			break;
		case '+':
			*flags |= UNIT_EXEC_PRIVILEGED;
			break;
		case '!': /* "!!" too: both mean "as root" here */
			*flags |= UNIT_EXEC_NO_SETUID;
			break;
		case '|':
			snprintf(err, errcap, "prefix \"|\" (login shell) is not supported");
			return -EOPNOTSUPP;
		default:
			return 0;
		}
	}
}

int unit_exec_build(struct unit *u, const char *raw, char *const *env, int n_env,
		    struct unit_exec *x, char *err, size_t errcap, int *odd_escapes)
{
	memset(x, 0, sizeof *x);
	const char *s = raw + strspn(raw, WS);
	int r = parse_prefixes(&s, &x->flags, err, errcap);
	if (r < 0)
		return r;
	char words[UNIT_LINE_MAX];
	int n = split(s, words, sizeof words, UNIT_ARGV_MAX + 1, 0, err, errcap, odd_escapes);
	if (n < 0)
		return n;
	const char *w = words;
	if (n == 0 || !w[0]) {
		snprintf(err, errcap, "empty command");
		return -EINVAL;
	}
	if (strchr(w, '$') && !(x->flags & UNIT_EXEC_NO_EXPAND)) {
		snprintf(err, errcap, "the program to run may not contain a variable: \"%s\"", w);
		return -EINVAL;
	}
	if (w[0] != '/' && strchr(w, '/')) {
		snprintf(err, errcap, "program \"%s\" is neither absolute nor a plain name", w);
		return -EINVAL;
	}
	if ((x->flags & UNIT_EXEC_ARGV0) && n < 2) {
		snprintf(err, errcap, "prefix \"@\" needs the program and an argv[0]");
		return -EINVAL;
	}
	char *argv[UNIT_ARGV_MAX + 1];
	struct argv_out a = {u, x, argv, err, errcap};
	size_t plen = strlen(w);
	x->path = unit_arena_strdup(u, w, plen);
	if (!x->path) {
		snprintf(err, errcap, "unit too large (arena of %d bytes full)", UNIT_ARENA_SIZE);
		return -E2BIG;
	}
	w += plen + 1;
	int first = 1;
	argv[0] = NULL;
	if (!(x->flags & UNIT_EXEC_ARGV0)) {
		argv[x->argc++] = (char *)x->path;
		argv[x->argc] = NULL;
		first = 0;
	}
	for (int i = 1; i < n; i++, first = 0) {
		size_t len = strlen(w);
		/* argv[0] after "@" is taken as written */
		if ((x->flags & UNIT_EXEC_NO_EXPAND) || first)
			r = push(&a, w, len);
		else
			r = expand_word(&a, w, env, n_env);
		if (r < 0)
			return r;
		w += len + 1;
	}
	/* the array itself goes to the arena, pointer-aligned */
	size_t align = (sizeof(char *) - u->arena_used % sizeof(char *)) % sizeof(char *);
	size_t bytes = (size_t)(x->argc + 1) * sizeof(char *);
	if (align + bytes > sizeof u->arena - u->arena_used) {
		snprintf(err, errcap, "unit too large (arena of %d bytes full)", UNIT_ARENA_SIZE);
		return -E2BIG;
	}
	x->argv = (char **)(void *)(u->arena + u->arena_used + align);
	memcpy(x->argv, argv, bytes);
	u->arena_used += align + bytes;
	return 0;
}
