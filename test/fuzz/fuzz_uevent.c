/*
 * libFuzzer target for kernel device events: the input is parsed as a
 * netlink message (NUL-separated records) and as a sysfs uevent file
 * (newline-separated). Nothing may crash or read past the input, every
 * field found must lie inside it, and a node name must stay under /dev.
 */
#include "os/uevent.h"

#include <stdint.h>
#include <string.h>

static char buf[UEVENT_BUF + 1];

static void inside(const char *p)
{
	if (p && (p < buf || p >= buf + sizeof buf))
		__builtin_trap();
	if (p)
		(void)strlen(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > UEVENT_BUF - 1)
		size = UEVENT_BUF - 1;
	for (int sep = 0; sep < 2; sep++) {
		memcpy(buf, data, size);
		buf[size] = '\0';
		struct uevent ev;
		if (uevent_parse(buf, size, sep ? '\n' : '\0', &ev) < 0)
			continue;
		inside(ev.action), inside(ev.devpath), inside(ev.modalias), inside(ev.devname);
		inside(ev.kernel);
		if (ev.devname && (ev.devname[0] == '/' || strstr(ev.devname, "..")))
			__builtin_trap();
		if (sep == 0 && (!ev.action || !ev.devpath))
			__builtin_trap(); /* a netlink message has both, or is refused */
	}
	return 0;
}
