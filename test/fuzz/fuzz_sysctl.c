/*
 * libFuzzer target for sysctl.d lines: each line of the input is parsed.
 * Nothing may crash; a key that is taken becomes a relative path under
 * /proc/sys without "..".
 */
#include "os/sysctl.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[1024], path[SYSCTL_KEY_MAX], err[200], *value;
	int ignore;
	for (size_t i = 0; i < size;) {
		size_t n = 0;
		while (i < size && data[i] != '\n' && n < sizeof line - 1)
			line[n++] = (char)data[i++];
		line[n] = '\0';
		i++;
		if (sysctl_parse_line(line, path, sizeof path, &value, &ignore, err, sizeof err) <
		    0)
			continue;
		if (path[0] == '/' || strstr(path, "/../") || !strncmp(path, "../", 3) ||
		    strlen(value) >= SYSCTL_VALUE_MAX)
			__builtin_trap();
	}
	return 0;
}
