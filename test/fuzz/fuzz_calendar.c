/*
 * libFuzzer target for calendar events (units/calendar.c, OnCalendar=):
 * any text is parsed; a parsed event gives a next time that is strictly
 * later and that matches it again when asked from one second before.
 */
#include "units/calendar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[300], err[160];
	struct calendar_spec c;
	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (calendar_parse(text, &c, err, sizeof err) < 0) {
		if (!err[0])
			abort(); /* a refusal always says why */
		return 0;
	}
	setenv("TZ", "UTC", 1);
	time_t from = 1764100800; /* 2025-11-25 20:00:00 UTC */
	time_t next = calendar_next(&c, from);
	if (next != -1 && (next <= from || calendar_next(&c, next - 1) != next))
		abort();
	return 0;
}
