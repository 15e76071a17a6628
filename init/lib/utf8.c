/*
 * UTF-8 validation and cutting on character boundaries (see utf8.h).
 */
#include "lib/utf8.h"

#include <stdio.h>
#include <string.h>

static int is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && is_cont(s[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = 0x80, hi = 0xbf;
		if (c == 0xe0)
			lo = 0xa0; /* overlong below U+0800 */
		if (c == 0xed)
			hi = 0x9f; /* surrogates */
		if (avail < 3 || s[1] < lo || s[1] > hi || !is_cont(s[2]))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = 0x80, hi = 0xbf;
		if (c == 0xf0)
			lo = 0x90; /* overlong below U+10000 */
		if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
		if (avail < 4 || s[1] < lo || s[1] > hi || !is_cont(s[2]) || !is_cont(s[3]))
			return 0;
		return 4;
	}
	return 0;
}

int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

size_t utf8_cut(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = n, conts = 0;
	while (i > 0 && conts < 3 && is_cont(p[i - 1]))
		i--, conts++;
	if (i == 0)
		return n;
	unsigned char lead = p[i - 1];
	/* only a byte that starts a sequence can start an incomplete one */
	size_t need = lead >= 0xf5 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 1;
	return need > 1 && need > conts + 1 ? i - 1 : n;
}

size_t utf8_copy(char *dst, size_t cap, const char *src)
{
	if (cap == 0)
		return 0;
	size_t n = strlen(src);
	if (n > cap - 1)
		n = utf8_cut(src, cap - 1);
	memmove(dst, src, n);
	dst[n] = '\0';
	return n;
}

size_t utf8_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
	if (cap == 0)
		return 0;
	int n = vsnprintf(buf, cap, fmt, ap);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	if ((size_t)n < cap)
		return (size_t)n;
	size_t len = utf8_cut(buf, cap - 1);
	buf[len] = '\0';
	return len;
}

size_t utf8_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = utf8_vfmt(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}
