/*
 * The control socket's reply writer at its bounds: a reply of exactly
 * FRAME_MAX_BODY (65536) bytes fits its frame buffer of CTL_REPLY_CAP bytes
 * with the JSON writer's NUL after it, and one byte less of buffer gives
 * "reply too large" instead of a write past its end. The buffers are heap
 * blocks of exactly that size, so ASan sees any byte written past them.
 */
#include "ctl/control.h"
#include "lib/frame.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static size_t want_len; /* the reply's body length the verb aims at */

/* {"ok":true,"data":"xxx...x"}: 21 bytes around the string */
static int cmd_big(struct ctl_req *req)
{
	static char s[FRAME_MAX_BODY + 1];
	size_t n = want_len - strlen("{\"ok\":true,\"data\":\"\"}");
	memset(s, 'x', n);
	s[n] = '\0';
	json_w_string(req->w, s);
	return 0;
}

static size_t reply_into(uint8_t *frame, size_t cap)
{
	static const char body[] = "{\"command\":\"big\"}";
	int close_after = 0;
	return ctl_reply((const uint8_t *)body, sizeof body - 1, 0, frame, cap, &close_after);
}

static size_t header_len(const uint8_t *f)
{
	return (size_t)f[0] << 24 | (size_t)f[1] << 16 | (size_t)f[2] << 8 | f[3];
}

int main(void)
{
	ctl_register("big", cmd_big, "big: a reply of a chosen size");
	uint8_t *frame = malloc(CTL_REPLY_CAP);
	want_len = FRAME_MAX_BODY;
	size_t n = reply_into(frame, CTL_REPLY_CAP);
	is_int((int)n, FRAME_HDR_LEN + FRAME_MAX_BODY, "a 65536-byte reply takes the whole frame");
	is_int((int)header_len(frame), FRAME_MAX_BODY, "its header says 65536");
	ok(frame[n - 1] == '}' && frame[n] == '\0',
	   "the body is whole, the NUL after it in the buffer");
	free(frame);

	frame = malloc(CTL_REPLY_CAP - 1); /* no room for the NUL after 65536 bytes */
	n = reply_into(frame, CTL_REPLY_CAP - 1);
	ok(n > FRAME_HDR_LEN && memmem(frame, n, "reply too large", 15) != NULL,
	   "one byte less of buffer: \"reply too large\", nothing written past it");
	free(frame);

	frame = malloc(CTL_REPLY_CAP);
	want_len = FRAME_MAX_BODY + 1;
	n = reply_into(frame, CTL_REPLY_CAP);
	ok(n > FRAME_HDR_LEN && memmem(frame, n, "reply too large", 15) != NULL,
	   "a reply one byte over the frame's maximum: \"reply too large\"");
	free(frame);
	return done_testing();
}
