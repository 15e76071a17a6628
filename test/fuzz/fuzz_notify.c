/*
 * libFuzzer target for the sd_notify message parser (notify_get): a
 * datagram as a service may send it, read for the keys the supervisor
 * uses, into buffers of several sizes. A value found must be NUL-ended
 * within its buffer and be a prefix of what follows "KEY=" at the start of
 * a line of the message; nothing may be read or written out of bounds.
 */
#include "supervise/notify.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is v (len n) the start of a value of key in msg? */
static int found_in(const char *msg, const char *key, const char *v, size_t n)
{
	size_t kl = strlen(key);
	for (const char *p = msg; p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=' && strncmp(p + kl + 1, v, n) == 0)
			return 1;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"READY", "STATUS", "MAINPID", "BARRIER", "ERRNO", ""};
	static const size_t caps[] = {1, 2, 16, 128, 4097};
	if (size > NOTIFY_MSG_MAX)
		return 0;
	char *msg = malloc(size + 1); /* exactly the datagram and its NUL: ASan sees overruns */
	memcpy(msg, data, size);
	msg[size] = '\0';
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
			char *out = malloc(caps[c]);
			if (notify_get(msg, keys[k], out, caps[c])) {
				size_t n = strnlen(out, caps[c]);
				if (n >= caps[c] || !found_in(msg, keys[k], out, n))
					__builtin_trap();
			}
			free(out);
		}
	}
	free(msg);
	return 0;
}
