/*
 * libFuzzer target for the kernel command line parser (config_parse_cmdline
 * in init/config.c): any text, quoted words and all. Nothing may crash or
 * overrun, and every string it fills stays NUL-terminated within its field;
 * the switches stay 0 or 1.
 */
#include "lib/config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pact_config c;
static char text[8192];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= sizeof text)
		size = sizeof text - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&c);
	config_parse_cmdline(&c, text);
	if (strnlen(c.node_id, sizeof c.node_id) >= sizeof c.node_id ||
	    strnlen(c.ip_arg, sizeof c.ip_arg) >= sizeof c.ip_arg)
		__builtin_trap();
	if ((c.debug != 0 && c.debug != 1) || (c.emergency != 0 && c.emergency != 1))
		__builtin_trap();
	/* a second pass over the same text must not change anything (idempotent keys) */
	struct pact_config again = c;
	config_parse_cmdline(&again, text);
	if (strcmp(again.node_id, c.node_id) != 0 || strcmp(again.ip_arg, c.ip_arg) != 0)
		__builtin_trap();
	return 0;
}
