/*
 * libFuzzer target for modprobe.d and the kernel command line's module
 * keys: the input's lines are modprobe.d lines, and the whole input is
 * also read as a command line. Nothing may crash; tables stay bounded;
 * options stay NUL-terminated within their room.
 */
#include "os/modprobe.h"

#include <stdint.h>
#include <string.h>

static struct modprobe_conf c;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[8192];
	char line[1024], err[200];
	memset(&c, 0, sizeof c);
	for (size_t i = 0; i < size;) {
		size_t n = 0;
		while (i < size && data[i] != '\n' && n < sizeof line - 1)
			line[n++] = (char)data[i++];
		line[n] = '\0';
		i++;
		(void)modprobe_parse_line(&c, line, err, sizeof err);
	}
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	modprobe_parse_cmdline(&c, text);
	if (c.n_black > MODPROBE_MAX_NAMES || c.n_opts > MODPROBE_MAX_NAMES)
		__builtin_trap();
	for (int i = 0; i < c.n_opts; i++)
		if (strnlen(c.opts[i].params, MODPROBE_PARAMS_MAX) == MODPROBE_PARAMS_MAX)
			__builtin_trap();
	(void)modprobe_blocked(&c, "virtio_net");
	(void)modprobe_params(&c, "virtio-net");
	return 0;
}
