/*
 * The strict bounded JSON reader (see json.h for the model and the limits):
 * a loop over a tiny state machine with a fixed stack of open containers,
 * no recursion, no allocation. The writer is in json_write.c. One concern
 * in one file, longer than most: the parser and the typed getters over the
 * DOM it builds share its node layout and read best together.
 */
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- UTF-8 */

int json_utf8_valid(const char *s, size_t len)
{
	return utf8_valid(s, len);
}

/* Four hex digits at s, or -1. */
static long hex4(const char *s)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_digit(s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t utf8_put(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decode the next character of an already validated raw string s[*i..end)
 * into out as UTF-8; returns its byte count and advances *i.
 */
static size_t str_next(const char *s, size_t *i, size_t end, char out[4])
{
	if (s[*i] != '\\') {
		size_t n = utf8_seq((const unsigned char *)s + *i, end - *i);
		if (n == 0)
			n = 1; /* cannot happen after validation; stay bounded */
		memcpy(out, s + *i, n);
		*i += n;
		return n;
	}
	char e = s[*i + 1];
	*i += 2;
	switch (e) {
	case 'b':
		out[0] = '\b';
		return 1;
	case 'f':
		out[0] = '\f';
		return 1;
	case 'n':
		out[0] = '\n';
		return 1;
	case 'r':
		out[0] = '\r';
		return 1;
	case 't':
		out[0] = '\t';
		return 1;
	case 'u': {
		uint32_t cp = (uint32_t)hex4(s + *i);
		*i += 4;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			uint32_t lo = (uint32_t)hex4(s + *i + 2);
			*i += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		return utf8_put(cp, out);
	}
	default: /* '"', '\\', '/' */
		out[0] = e;
		return 1;
	}
}

/* --------------------------------------------------------------- reader */

enum pstate {
	P_VALUE, /* a value must come next */
	P_KEY,	 /* an object key (or, if first, '}') must come next */
	P_AFTER, /* a value just ended */
};

struct parser {
	struct json_doc *d;
	const char *s;
	size_t len;
	size_t pos;
	int depth;
	uint32_t stack[JSON_MAX_DEPTH];
};

static int fail(struct parser *p, int err, const char *why)
{
	p->d->err = why;
	p->d->err_off = p->pos;
	return err;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

/* Append a node whose token starts at p->pos; returns its index or -errno. */
static int new_node(struct parser *p, enum json_type t)
{
	struct json_doc *d = p->d;
	if (d->n_nodes >= d->max_nodes)
		return fail(p, -E2BIG, "too many values");
	uint32_t i = d->n_nodes++;
	struct json_node *n = &d->nodes[i];
	memset(n, 0, sizeof *n);
	n->type = (uint8_t)t;
	n->start = (uint32_t)p->pos;
	n->end = i + 1;
	if (p->depth > 0)
		d->nodes[p->stack[p->depth - 1]].count++;
	return (int)i;
}

/* Scan the string at p->pos (a '"'); fills node idx. */
static int scan_string(struct parser *p, int idx)
{
	const char *s = p->s;
	size_t i = p->pos + 1, end = p->len;
	struct json_node *n = &p->d->nodes[idx];
	n->start = (uint32_t)i;
	while (i < end) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"') {
			n->len = (uint32_t)(i - n->start);
			p->pos = i + 1;
			return 0;
		}
		if (c < 0x20) {
			p->pos = i;
			return fail(p, -EINVAL, "control character in string");
		}
		if (c == '\\') {
			n->escaped = 1;
			if (i + 1 >= end)
				break;
			char e = s[i + 1];
			if (e == 'u') {
				long cp = end - i >= 6 ? hex4(s + i + 2) : -1;
				p->pos = i;
				if (cp < 0)
					return fail(p, -EINVAL, "bad \\u escape");
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return fail(p, -EINVAL, "lone low surrogate escape");
				if (cp >= 0xd800 && cp <= 0xdbff) {
					long lo = -1;
					if (end - i >= 12 && s[i + 6] == '\\' && s[i + 7] == 'u')
						lo = hex4(s + i + 8);
					if (lo < 0xdc00 || lo > 0xdfff)
						return fail(p, -EINVAL,
							    "lone high surrogate escape");
					i += 12;
				} else {
					i += 6;
				}
				continue;
			}
			if (!strchr("\"\\/bfnrt", e) || e == '\0') {
				p->pos = i;
				return fail(p, -EINVAL, "bad escape");
			}
			i += 2;
			continue;
		}
		size_t k = utf8_seq((const unsigned char *)s + i, end - i);
		if (k == 0) {
			p->pos = i;
			return fail(p, -EINVAL, "invalid UTF-8");
		}
		i += k;
	}
	p->pos = end;
	return fail(p, -EINVAL, "unterminated string");
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int scan_number(struct parser *p, int idx)
{
	const char *s = p->s;
	size_t i = p->pos, end = p->len, start = i;
	if (i < end && s[i] == '-')
		i++;
	if (i >= end || !is_digit(s[i]))
		goto bad;
	if (s[i] == '0')
		i++; /* a following digit is caught as trailing garbage */
	else
		while (i < end && is_digit(s[i]))
			i++;
	if (i < end && s[i] == '.') {
		i++;
		if (i >= end || !is_digit(s[i]))
			goto bad;
		while (i < end && is_digit(s[i]))
			i++;
	}
	if (i < end && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < end && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= end || !is_digit(s[i]))
			goto bad;
		while (i < end && is_digit(s[i]))
			i++;
	}
	p->d->nodes[idx].len = (uint32_t)(i - start);
	p->pos = i;
	return 0;
bad:
	p->pos = i;
	return fail(p, -EINVAL, "bad number");
}

static int key_eq(const struct json_doc *d, const struct json_node *a, const struct json_node *b)
{
	if (!a->escaped && !b->escaped)
		return a->len == b->len &&
		       memcmp(d->buf + a->start, d->buf + b->start, a->len) == 0;
	size_t i = a->start, ie = a->start + a->len;
	size_t j = b->start, je = b->start + b->len;
	while (i < ie && j < je) {
		char ca[4], cb[4];
		size_t na = str_next(d->buf, &i, ie, ca);
		size_t nb = str_next(d->buf, &j, je, cb);
		if (na != nb || memcmp(ca, cb, na) != 0)
			return 0;
	}
	return i == ie && j == je;
}

/* Reject key idx if an earlier key of the same (open) object equals it. */
static int check_dup_key(struct parser *p, uint32_t obj, int idx)
{
	struct json_doc *d = p->d;
	uint32_t k = obj + 1;
	while (k < (uint32_t)idx) {
		if (key_eq(d, &d->nodes[k], &d->nodes[idx]))
			return fail(p, -EINVAL, "duplicate key");
		k = d->nodes[k + 1].end; /* skip the value's subtree */
	}
	return 0;
}

static int open_container(struct parser *p, enum json_type t, enum pstate *st)
{
	int idx = new_node(p, t);
	if (idx < 0)
		return idx;
	if (p->depth >= JSON_MAX_DEPTH)
		return fail(p, -E2BIG, "nested too deep");
	p->stack[p->depth++] = (uint32_t)idx;
	p->pos++;
	skip_ws(p);
	char close = t == JSON_OBJECT ? '}' : ']';
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->d->nodes[idx].end = p->d->n_nodes;
		p->depth--;
		*st = P_AFTER;
		return 0;
	}
	*st = t == JSON_OBJECT ? P_KEY : P_VALUE;
	return 0;
}

static int parse_value(struct parser *p, enum pstate *st)
{
	if (p->pos >= p->len)
		return fail(p, -EINVAL, "unexpected end of input");
	char c = p->s[p->pos];
	int idx, r;
	switch (c) {
	case '{':
		return open_container(p, JSON_OBJECT, st);
	case '[':
		return open_container(p, JSON_ARRAY, st);
	case '"':
		idx = new_node(p, JSON_STRING);
		if (idx < 0)
			return idx;
		r = scan_string(p, idx);
		break;
	case 't':
	case 'f':
	case 'n': {
		const char *lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
		size_t n = strlen(lit);
		if (p->len - p->pos < n || memcmp(p->s + p->pos, lit, n) != 0)
			return fail(p, -EINVAL, "unexpected token");
		idx = new_node(p, c == 't' ? JSON_TRUE : c == 'f' ? JSON_FALSE : JSON_NULL);
		if (idx < 0)
			return idx;
		p->d->nodes[idx].len = (uint32_t)n;
		p->pos += n;
		r = 0;
		break;
	}
	default:
		if (c != '-' && !is_digit(c))
			return fail(p, -EINVAL, "unexpected character");
		idx = new_node(p, JSON_NUMBER);
		if (idx < 0)
			return idx;
		r = scan_number(p, idx);
		break;
	}
	*st = P_AFTER;
	return r;
}

static int parse_key(struct parser *p, enum pstate *st)
{
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return fail(p, -EINVAL,
			    p->pos >= p->len ? "unexpected end of input" : "expected a string key");
	int idx = new_node(p, JSON_STRING);
	if (idx < 0)
		return idx;
	int r = scan_string(p, idx);
	if (r < 0)
		return r;
	r = check_dup_key(p, p->stack[p->depth - 1], idx);
	if (r < 0)
		return r;
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return fail(p, -EINVAL, "expected ':'");
	p->pos++;
	skip_ws(p);
	*st = P_VALUE;
	return 0;
}

/* After a value inside a container: ',' or the matching close. */
static int parse_after(struct parser *p, enum pstate *st)
{
	uint32_t top = p->stack[p->depth - 1];
	int is_obj = p->d->nodes[top].type == JSON_OBJECT;
	if (p->pos >= p->len)
		return fail(p, -EINVAL, "unexpected end of input");
	char c = p->s[p->pos];
	if (c == ',') {
		p->pos++;
		skip_ws(p);
		*st = is_obj ? P_KEY : P_VALUE;
		/* a close right after ',' fails in parse_key/parse_value: no trailing commas */
		if (p->pos < p->len && p->s[p->pos] == (is_obj ? '}' : ']'))
			return fail(p, -EINVAL, "trailing comma");
		return 0;
	}
	if (c == (is_obj ? '}' : ']')) {
		p->pos++;
		p->d->nodes[top].end = p->d->n_nodes;
		p->depth--;
		*st = P_AFTER;
		return 0;
	}
	return fail(p, -EINVAL, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
}

int json_parse(struct json_doc *doc, const char *buf, size_t len, struct json_node *nodes,
	       uint32_t max_nodes)
{
	struct parser p = {.d = doc, .s = buf, .len = len};
	enum pstate st = P_VALUE;
	int r;

	memset(doc, 0, sizeof *doc);
	doc->buf = buf;
	doc->len = len;
	doc->nodes = nodes;
	doc->max_nodes = max_nodes;
	if (len > JSON_MAX_INPUT)
		return fail(&p, -E2BIG, "input too large");
	skip_ws(&p);
	for (;;) {
		switch (st) {
		case P_VALUE:
			r = parse_value(&p, &st);
			break;
		case P_KEY:
			r = parse_key(&p, &st);
			break;
		case P_AFTER:
		default:
			if (p.depth == 0) {
				skip_ws(&p);
				if (p.pos == p.len)
					return 0;
				r = fail(&p, -EINVAL, "trailing characters");
				break;
			}
			skip_ws(&p);
			r = parse_after(&p, &st);
			break;
		}
		if (r < 0) {
			doc->n_nodes = 0; /* never hand out a half-built tree */
			return r;
		}
	}
}

/* -------------------------------------------------------------- queries */

static const struct json_node *node(const struct json_doc *d, int idx)
{
	if (!d || idx < 0 || (uint32_t)idx >= d->n_nodes)
		return NULL;
	return &d->nodes[idx];
}

int json_type_of(const struct json_doc *doc, int idx)
{
	const struct json_node *n = node(doc, idx);
	return n ? n->type : -EINVAL;
}

const char *json_type_name(int type)
{
	static const char *const names[] = {"null",   "boolean", "boolean", "number",
					    "string", "array",	 "object"};
	if (type < 0 || type > JSON_OBJECT)
		return "invalid";
	return names[type];
}

static int is_container(const struct json_node *n)
{
	return n && (n->type == JSON_ARRAY || n->type == JSON_OBJECT);
}

int json_first(const struct json_doc *doc, int container)
{
	const struct json_node *n = node(doc, container);
	if (!is_container(n))
		return -EINVAL;
	return n->count ? container + 1 : -ENOENT;
}

int json_next(const struct json_doc *doc, int container, int child)
{
	const struct json_node *n = node(doc, container), *c = node(doc, child);
	if (!is_container(n) || !c || child <= container || (uint32_t)child >= n->end)
		return -EINVAL;
	return c->end < n->end ? (int)c->end : -ENOENT;
}

int json_length(const struct json_doc *doc, int idx)
{
	const struct json_node *n = node(doc, idx);
	if (!is_container(n))
		return -EINVAL;
	return (int)(n->type == JSON_OBJECT ? n->count / 2 : n->count);
}

int json_str_eq(const struct json_doc *doc, int idx, const char *s)
{
	const struct json_node *n = node(doc, idx);
	if (!n || n->type != JSON_STRING)
		return 0;
	size_t slen = strlen(s);
	if (!n->escaped)
		return n->len == slen && memcmp(doc->buf + n->start, s, slen) == 0;
	size_t i = n->start, end = n->start + n->len, j = 0;
	while (i < end) {
		char c[4];
		size_t k = str_next(doc->buf, &i, end, c);
		if (j + k > slen || memcmp(s + j, c, k) != 0)
			return 0;
		j += k;
	}
	return j == slen;
}

int json_obj_get(const struct json_doc *doc, int obj, const char *key)
{
	const struct json_node *n = node(doc, obj);
	if (!n || n->type != JSON_OBJECT)
		return -EINVAL;
	for (uint32_t k = (uint32_t)obj + 1; k < n->end; k = doc->nodes[k + 1].end)
		if (json_str_eq(doc, (int)k, key))
			return (int)k + 1;
	return -ENOENT;
}

int json_get_string(const struct json_doc *doc, int idx, char *out, size_t cap)
{
	const struct json_node *n = node(doc, idx);
	if (!n || n->type != JSON_STRING || cap == 0)
		return -EINVAL;
	size_t i = n->start, end = n->start + n->len, j = 0;
	while (i < end) {
		char c[4];
		size_t k = str_next(doc->buf, &i, end, c);
		if (k == 1 && c[0] == '\0')
			return -EINVAL; /* would silently truncate a C string */
		if (j + k > cap - 1)
			return -ENAMETOOLONG;
		memcpy(out + j, c, k);
		j += k;
	}
	out[j] = '\0';
	return (int)j;
}

/* Digits of an integer token (no sign); -EINVAL if fraction or exponent. */
static int parse_digits(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int json_get_u64(const struct json_doc *doc, int idx, uint64_t *out)
{
	const struct json_node *n = node(doc, idx);
	if (!n || n->type != JSON_NUMBER)
		return -EINVAL;
	const char *s = doc->buf + n->start;
	if (s[0] == '-') {
		/* "-0" is zero; any other negative integer is out of range */
		uint64_t v;
		int r = parse_digits(s + 1, n->len - 1, &v);
		if (r < 0)
			return r;
		if (v != 0)
			return -ERANGE;
		*out = 0;
		return 0;
	}
	return parse_digits(s, n->len, out);
}

int json_get_i64(const struct json_doc *doc, int idx, int64_t *out)
{
	const struct json_node *n = node(doc, idx);
	if (!n || n->type != JSON_NUMBER)
		return -EINVAL;
	const char *s = doc->buf + n->start;
	int neg = s[0] == '-';
	uint64_t v;
	int r = parse_digits(s + neg, n->len - (size_t)neg, &v);
	if (r < 0)
		return r;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -ERANGE;
		*out = (int64_t)v;
	}
	return 0;
}

int json_get_bool(const struct json_doc *doc, int idx, int *out)
{
	const struct json_node *n = node(doc, idx);
	if (!n || (n->type != JSON_TRUE && n->type != JSON_FALSE))
		return -EINVAL;
	*out = n->type == JSON_TRUE;
	return 0;
}

int json_is_null(const struct json_doc *doc, int idx)
{
	const struct json_node *n = node(doc, idx);
	return n && n->type == JSON_NULL;
}
