/*
 * libFuzzer target: the frame decoder fed in chunks whose sizes come from
 * the input itself, checked against a second decoder fed through
 * want/commit one byte at a time; every complete body goes through the
 * handoff message parser. After every chunk, and at the end, the peer
 * might close: frame_dec_partial and frame_dec_eof must agree with what
 * was fed (a close mid-frame is -EPIPE, at a boundary 0, after a bad
 * header the sticky error).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/frame.h"
#include "proto/handoff_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct frame_decoder a, b;

/* What a close now would mean, against the decoder's own state. */
static void check_eof(const struct frame_decoder *d)
{
	int partial = frame_dec_partial(d), eof = frame_dec_eof(d);
	size_t len;
	int whole = frame_dec_body(d, &len) != NULL;
	if (d->err && eof != d->err)
		__builtin_trap(); /* the sticky error wins */
	if (!d->err && partial && eof != -EPIPE)
		__builtin_trap(); /* mid-frame: lost */
	if (!d->err && !partial && eof != 0)
		__builtin_trap(); /* at a boundary (or a whole frame waiting) */
	if (partial && whole)
		__builtin_trap();
	if (!d->err && !partial && !whole && d->have != 0)
		__builtin_trap(); /* bytes held that are neither a frame nor part of one */
}

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
		check_eof(&a);
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
	check_eof(&b);
	if (frame_dec_body(&b, &(size_t){0}))
		frames_b++;
	/* both were fed everything (or stopped at the same error): a close now
	 * means the same to both */
	if (!a.err && !b.err && off == size && frame_dec_partial(&a) != frame_dec_partial(&b))
		__builtin_trap();
	if (frames_a != frames_b || !!a.err != !!b.err)
		__builtin_trap();
	return 0;
}
