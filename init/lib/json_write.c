/*
 * The bounded JSON writer (see json.h): appends to a caller's buffer, the
 * first error sticks, strings are escaped the way serde_json escapes them
 * and bytes that are not UTF-8 are replaced.
 */
#include "lib/json.h"
#include "lib/utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void json_w_init(struct json_writer *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->buf = buf;
	w->cap = cap;
	if (cap == 0)
		w->err = -ENOSPC;
	else
		buf[0] = '\0';
}

static void put(struct json_writer *w, const char *s, size_t n)
{
	if (w->err)
		return;
	if (n >= w->cap - w->len) { /* keep one byte for the NUL */
		w->err = -ENOSPC;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void putc_(struct json_writer *w, char c)
{
	put(w, &c, 1);
}

static uint64_t bit(unsigned d)
{
	return (uint64_t)1 << d;
}

/* Separator and bookkeeping before any value. */
static void before_value(struct json_writer *w)
{
	if (w->err)
		return;
	unsigned d = w->depth;
	if (d > 0 && (w->in_object & bit(d))) {
		if (!w->after_key) {
			w->err = -EINVAL; /* a value in an object needs a key first */
			return;
		}
		w->after_key = 0;
		return;
	}
	if (w->has_item & bit(d)) {
		if (d == 0) {
			w->err = -EINVAL; /* one top-level value only */
			return;
		}
		putc_(w, ',');
	}
	w->has_item |= bit(d);
}

static void open_(struct json_writer *w, char c, int obj)
{
	before_value(w);
	if (w->err)
		return;
	if (w->depth + 1 >= 64) {
		w->err = -EINVAL;
		return;
	}
	putc_(w, c);
	w->depth++;
	w->has_item &= ~bit(w->depth);
	if (obj)
		w->in_object |= bit(w->depth);
	else
		w->in_object &= ~bit(w->depth);
}

static void close_(struct json_writer *w, char c, int obj)
{
	if (w->err)
		return;
	if (w->depth == 0 || !!(w->in_object & bit(w->depth)) != obj || w->after_key) {
		w->err = -EINVAL;
		return;
	}
	putc_(w, c);
	w->depth--;
}

void json_w_obj_begin(struct json_writer *w)
{
	open_(w, '{', 1);
}

void json_w_obj_end(struct json_writer *w)
{
	close_(w, '}', 1);
}

void json_w_arr_begin(struct json_writer *w)
{
	open_(w, '[', 0);
}

void json_w_arr_end(struct json_writer *w)
{
	close_(w, ']', 0);
}

/* The escape of a byte below 0x20 into esc; its length. */
static size_t control_escape(unsigned char c, char esc[6])
{
	static const char hex[] = "0123456789abcdef";
	static const char short_form[] = {
	    ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
	esc[0] = '\\';
	if (c < sizeof short_form && short_form[c]) {
		esc[1] = short_form[c];
		return 2;
	}
	memcpy(esc + 1, "u00", 3);
	esc[4] = hex[c >> 4];
	esc[5] = hex[c & 15];
	return 6;
}

/* How s[i] (of n) is written: its escape into esc and that length, or 0
 * when it goes as it is; *take: the bytes it stands for. */
static size_t escape_at(const char *s, size_t n, size_t i, char esc[6], size_t *take)
{
	unsigned char c = (unsigned char)s[i];
	*take = 1;
	if (c == '"' || c == '\\') {
		esc[0] = '\\';
		esc[1] = (char)c;
		return 2;
	}
	if (c < 0x20)
		return control_escape(c, esc);
	if (c >= 0x80) {
		*take = utf8_seq((const unsigned char *)s + i, n - i);
		if (*take == 0) {
			memcpy(esc, UTF8_REPLACEMENT, 3);
			*take = 1;
			return 3;
		}
	}
	return 0;
}

/*
 * s as a JSON string. Bytes that are not UTF-8 (a cgroup name, a file
 * name, a service's STATUS=, none of which the kernel checks) become
 * U+FFFD each, so that no string can make a reply fail to encode.
 */
static void put_escaped(struct json_writer *w, const char *s, size_t n)
{
	putc_(w, '"');
	size_t run = 0; /* start of the pending run copied as it is */
	for (size_t i = 0; i < n;) {
		char esc[6];
		size_t take, k = escape_at(s, n, i, esc, &take);
		if (k) {
			put(w, s + run, i - run);
			put(w, esc, k);
			run = i + take;
		}
		i += take;
	}
	put(w, s + run, n - run);
	putc_(w, '"');
}

size_t json_escaped_len(const char *s, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n;) {
		char esc[6];
		size_t take, k = escape_at(s, n, i, esc, &take);
		len += k ? k : take;
		i += take;
	}
	return len;
}

void json_w_key(struct json_writer *w, const char *key)
{
	if (w->err)
		return;
	unsigned d = w->depth;
	if (d == 0 || !(w->in_object & bit(d)) || w->after_key) {
		w->err = -EINVAL;
		return;
	}
	if (w->has_item & bit(d))
		putc_(w, ',');
	w->has_item |= bit(d);
	put_escaped(w, key, strlen(key));
	putc_(w, ':');
	w->after_key = 1;
}

void json_w_string_n(struct json_writer *w, const char *s, size_t n)
{
	before_value(w);
	put_escaped(w, s, n);
}

void json_w_string(struct json_writer *w, const char *s)
{
	json_w_string_n(w, s, strlen(s));
}

void json_w_string_or_null(struct json_writer *w, const char *s)
{
	if (s)
		json_w_string(w, s);
	else
		json_w_null(w);
}

void json_w_u64(struct json_writer *w, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
	before_value(w);
	put(w, tmp, (size_t)n);
}

void json_w_i64(struct json_writer *w, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
	before_value(w);
	put(w, tmp, (size_t)n);
}

void json_w_bool(struct json_writer *w, int v)
{
	before_value(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void json_w_null(struct json_writer *w)
{
	before_value(w);
	put(w, "null", 4);
}

int json_w_finish(struct json_writer *w)
{
	if (w->err)
		return w->err;
	if (w->depth != 0 || w->after_key || !(w->has_item & 1))
		return -EINVAL;
	return (int)w->len;
}
