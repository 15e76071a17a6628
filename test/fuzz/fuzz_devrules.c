/*
 * libFuzzer target for devices.rules: every line of the input is parsed
 * (users and groups resolved against a root without files), then the
 * rules are evaluated for a device. Nothing may crash; the table stays
 * within its bounds; no link may leave /dev.
 */
#include "os/devrules.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct devrules rs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[1024], err[200];
	memset(&rs, 0, sizeof rs);
	snprintf(rs.root, sizeof rs.root, "/nonexistent");
	for (size_t i = 0; i < size;) {
		size_t n = 0;
		while (i < size && data[i] != '\n' && n < sizeof line - 1)
			line[n++] = (char)data[i++];
		line[n] = '\0';
		i++;
		(void)devrules_parse_line(&rs, line, err, sizeof err);
	}
	if (rs.n > DEVRULES_MAX)
		__builtin_trap();
	struct uevent ev = {
	    .action = "add", .subsystem = "tty", .kernel = "ttyS12", .devname = "ttyS12"};
	struct devrule_result res;
	devrules_eval(&rs, &ev, &res);
	if (strstr(res.links, "..") || res.links[0] == '/' || strstr(res.links, " /"))
		__builtin_trap();
	return 0;
}
