/*
 * libFuzzer target for the syslog client's input: log.remote's URL (the
 * first line) and a message (the rest), formatted with the URL as every
 * header field and pushed through a small queue. Nothing may crash; a
 * message is never longer than its buffer, and what the queue gives back
 * is what went in.
 */
#include "os/syslog_fwd.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char url[200], err[300], msg[SYSLOG_MSG_MAX];
	size_t n = 0;
	while (n < size && data[n] != '\n' && n < sizeof url - 1) {
		url[n] = (char)data[n];
		n++;
	}
	url[n] = '\0';
	struct syslog_dest d;
	if (syslog_dest_parse(url, &d, err, sizeof err) == 0 && d.type != SOCK_DGRAM &&
	    d.type != SOCK_STREAM)
		__builtin_trap();
	const char *rest = n < size ? (const char *)data + n + 1 : "";
	size_t rest_len = n < size ? size - n - 1 : 0;
	struct timespec t = {.tv_sec = (time_t)size * 977, .tv_nsec = (long)(size % 1000000000)};
	size_t len =
	    syslog_format(msg, sizeof msg, (int)(size % 192), &t, url, url, url, rest, rest_len);
	if (len >= sizeof msg || msg[len] != '\0')
		__builtin_trap();
	char store[4096];
	struct syslog_queue q = {.buf = store, .cap = sizeof store};
	size_t got_len;
	for (int i = 0; i < 4; i++) {
		if (syslog_queue_put(&q, msg, len) < 0)
			break;
		const char *got = syslog_queue_peek(&q, &got_len);
		if (!got || (i == 0 && (got_len != len || memcmp(got, msg, len))))
			__builtin_trap();
	}
	while (syslog_queue_peek(&q, &got_len))
		syslog_queue_pop(&q);
	if (q.count != 0)
		__builtin_trap();
	return 0;
}
