/*
 * UTF-8, for text that ends up in JSON (the control and handoff replies)
 * or in the metrics: the one validator, and cutting on a character
 * boundary, so that a bounded buffer never ends inside a character. Bytes
 * that are not UTF-8 at all are the writer's to replace (lib/json.h).
 */
#ifndef PACT_UTF8_H
#define PACT_UTF8_H

#include <stdarg.h>
#include <stddef.h>

/* The replacement character U+FFFD, as UTF-8. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"

/*
 * Length of the valid UTF-8 sequence at s (at most avail bytes), or 0 if
 * it is invalid: overlong, a surrogate (U+D800..U+DFFF), above U+10FFFF,
 * truncated, or a stray continuation byte.
 */
size_t utf8_seq(const unsigned char *s, size_t avail);
/* 1 if s[0..len) is valid UTF-8. */
int utf8_valid(const char *s, size_t len);
/* n, or less: s[0..n) without a character that starts but does not end in it. */
size_t utf8_cut(const char *s, size_t n);
/* src into dst (cap bytes, NUL-terminated), cut on a character boundary
 * when it does not fit. Returns the length copied. */
size_t utf8_copy(char *dst, size_t cap, const char *src);
/* vsnprintf, cut on a character boundary when the result does not fit.
 * Returns the length written. */
size_t utf8_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
size_t utf8_fmt(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
