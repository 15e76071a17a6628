/*
 * libFuzzer target for tmpfiles.d lines: each line of the input is parsed
 * (users against a root without files; specifiers from the machine the
 * fuzzer runs on). Nothing is applied. Nothing may crash; an item taken
 * has an absolute path without "/../" and a NUL-terminated argument.
 */
#include "os/tmpfiles.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tmpfile_item it;
	char line[2048], err[300];
	for (size_t i = 0; i < size;) {
		size_t n = 0;
		while (i < size && data[i] != '\n' && n < sizeof line - 1)
			line[n++] = (char)data[i++];
		line[n] = '\0';
		i++;
		if (tmpfiles_parse_line("/nonexistent", line, &it, err, sizeof err) < 0)
			continue;
		if (it.path[0] != '/' || strstr(it.path, "/../") ||
		    strnlen(it.arg, sizeof it.arg) == sizeof it.arg)
			__builtin_trap();
	}
	return 0;
}
