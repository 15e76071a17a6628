/*
 * libFuzzer target: the frame decoder fed in chunks whose sizes come from
 * the input itself, checked against a second decoder fed through
 * want/commit one byte at a time; every complete body goes through the
 * handoff message parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/frame.h"
#include "proto/handoff_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct frame_decoder a, b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned chunk = data[0] % 17 + 1; /* 1..17 bytes per read */
	data++;
	size--;
	frame_dec_init(&a);
	frame_dec_init(&b);

	size_t off = 0, boff = 0;
	int frames_a = 0, frames_b = 0;
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		int ready;
		ssize_t used = frame_dec_feed(&a, data + off, n, &ready);
		if (used < 0)
			break;
		if ((size_t)used > n)
			__builtin_trap();
		off += (size_t)used;
		if (ready) {
			size_t len;
			const uint8_t *body = frame_dec_body(&a, &len);
			if (!body || len == 0 || len > FRAME_MAX_BODY)
				__builtin_trap();
			struct pact_handoff_msg m;
			char why[64];
			handoff_msg_parse(body, len, &m, why, sizeof why);
			frames_a++;
			frame_dec_next(&a);
		} else if (used == 0) {
			__builtin_trap(); /* no progress without a frame */
		}
	}
	/* decoder b: one byte per commit, must agree on the number of frames */
	while (boff < size) {
		uint8_t *dst;
		size_t want = frame_dec_want(&b, &dst);
		if (want == 0) {
			if (b.err)
				break;
			frames_b++;
			frame_dec_next(&b);
			continue;
		}
		*dst = data[boff++];
		if (frame_dec_commit(&b, 1) < 0)
			break;
	}
	if (frame_dec_body(&b, &(size_t){0}))
		frames_b++;
	if (frames_a != frames_b || !!a.err != !!b.err)
		__builtin_trap();
	return 0;
}
