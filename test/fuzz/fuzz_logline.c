/*
 * libFuzzer target for pactctl logs' input: --since (the first line) and
 * --until (the second) read as times, then every further line read as a
 * service's log line, judged against them and written as JSON. Nothing may
 * crash; a line's text stays inside the line; the JSON written parses back
 * as strict JSON.
 */
#include "lib/json.h"
#include "lib/logbound.h"
#include "lib/logline.h"

#include <stdint.h>
#include <string.h>

#define NOW_US (1795645800LL * 1000000) /* 2026-11-25T22:30:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the next line of data[*at..size) as a C string in buf */
static const char *next_line(const uint8_t *data, size_t size, size_t *at, char *buf, size_t cap)
{
	size_t n = 0;
	while (*at < size && data[*at] != '\n' && n < cap - 1)
		buf[n++] = (char)data[(*at)++];
	*at += *at < size; /* the newline */
	buf[n] = '\0';
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[128], b[128], err[400];
	size_t at = 0;
	struct log_bound since, until;
	log_bound_parse(next_line(data, size, &at, a, sizeof a), NOW_US, &since, err, sizeof err);
	log_bound_parse(next_line(data, size, &at, b, sizeof b), NOW_US, &until, err, sizeof err);
	static char json[6 * 4096 + 512];
	static struct json_node nodes[64];
	while (at < size) {
		const char *line = (const char *)data + at;
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t n = nl ? (size_t)(nl - (data + at)) : size - at;
		if (n > 4096)
			n = 4096;
		at += n + 1;
		struct logline l;
		logline_parse(line, n, &l);
		if (l.text < line || l.text + l.text_len > line + n)
			__builtin_trap();
		int in = log_bound_within(&since, &until, &l);
		if (in < -1 || in > 1)
			__builtin_trap();
		struct json_writer w;
		json_w_init(&w, json, sizeof json);
		logline_json(&w, "fuzz.service", &l);
		int len = json_w_finish(&w);
		struct json_doc d;
		if (len <= 0 || json_parse(&d, json, (size_t)len, nodes, 64) != 0)
			__builtin_trap();
	}
	return 0;
}
