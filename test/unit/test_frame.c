/*
 * Unit tests for the frame codec: header limits, boundaries, split reads.
 */
#include "lib/frame.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>

static struct frame_decoder dec;
static uint8_t big[FRAME_MAX_LEN + 16];

static int feed_all(const uint8_t *p, size_t len)
{
	int ready;
	ssize_t n = frame_dec_feed(&dec, p, len, &ready);
	if (n < 0)
		return (int)n;
	return ready;
}

static void test_header_limits(void)
{
	static const uint8_t zero[] = {0, 0, 0, 0};
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 'x'};
	static const uint8_t over[] = {0x00, 0x01, 0x00, 0x01};
	static const uint8_t max[] = {0x00, 0x01, 0x00, 0x00};
	int ready;

	frame_dec_init(&dec);
	is_int(feed_all(zero, 4), -EMSGSIZE, "length 0 rejected from the header");
	is_int(frame_dec_eof(&dec), -EMSGSIZE, "error is sticky");
	uint8_t *dst;
	is_int(frame_dec_want(&dec, &dst), 0, "nothing more is read after an error");

	frame_dec_init(&dec);
	ssize_t n = frame_dec_feed(&dec, huge, sizeof huge, &ready);
	is_int(n, -EMSGSIZE, "length 2^32-1 rejected before any body byte");

	frame_dec_init(&dec);
	is_int(feed_all(over, 4), -EMSGSIZE, "length 65537 rejected from the header");

	frame_dec_init(&dec);
	is_int(feed_all(max, 4), 0, "length 65536 accepted, waits for the body");
	is_int(dec.body_len, 65536, "body length parsed big-endian");

	uint8_t hdr[4];
	is_int(frame_put_header(hdr, 0), -EMSGSIZE, "encoder refuses an empty body");
	is_int(frame_put_header(hdr, FRAME_MAX_BODY + 1), -EMSGSIZE, "encoder refuses 65537 bytes");
	is_int(frame_put_header(hdr, 116), 0, "encoder takes 116 bytes");
	ok(hdr[0] == 0 && hdr[1] == 0 && hdr[2] == 0 && hdr[3] == 0x74, "116 is 00 00 00 74");
	is_int(frame_put_header(hdr, 0x0102), 0, "encoder takes 0x0102");
	ok(hdr[0] == 0 && hdr[1] == 0 && hdr[2] == 1 && hdr[3] == 2, "big-endian order");
}

static void test_boundaries(void)
{
	static uint8_t body[FRAME_MAX_BODY + 1];
	memset(body, 'b', sizeof body);
	ssize_t n = frame_encode(body, FRAME_MAX_BODY, big, sizeof big);
	is_int(n, FRAME_MAX_LEN, "65536-byte body encodes");
	ok(big[0] == 0 && big[1] == 1 && big[2] == 0 && big[3] == 0, "header 00 01 00 00");
	is_int(frame_encode(body, FRAME_MAX_BODY + 1, big, sizeof big), -EMSGSIZE,
	       "65537-byte body refused");
	is_int(frame_encode(body, 10, big, 13), -ENOSPC, "too small output refused");
	is_int(frame_encode(body, 10, big, 14), 14, "exact output size fits");

	n = frame_encode(body, FRAME_MAX_BODY, big, sizeof big);
	frame_dec_init(&dec);
	is_int(feed_all(big, (size_t)n), 1, "65536-byte frame decodes");
	size_t len = 0;
	const uint8_t *b = frame_dec_body(&dec, &len);
	ok(b && len == FRAME_MAX_BODY && memcmp(b, body, len) == 0, "body intact");
	is_int(frame_dec_eof(&dec), 0, "close right after a whole frame is clean");
}

static void test_split(void)
{
	const char *msg = "{\"AllocationEnded\":{\"allocation_id\":\"a\"}}";
	uint8_t frm[128];
	ssize_t n = frame_encode(msg, strlen(msg), frm, sizeof frm);
	frame_dec_init(&dec);
	int results_ok = 1;
	for (ssize_t i = 0; i < n; i++) {
		int r = feed_all(frm + i, 1);
		if (r != (i == n - 1)) {
			results_ok = 0;
			printf("# byte %zd gave %d\n", i, r);
		}
		if (i < n - 1 && frame_dec_eof(&dec) != -EPIPE)
			results_ok = 0;
	}
	ok(results_ok, "byte-by-byte: complete only on the last byte, -EPIPE on close before");
	size_t len;
	const uint8_t *b = frame_dec_body(&dec, &len);
	ok(b && len == strlen(msg) && memcmp(b, msg, len) == 0, "byte-by-byte body intact");

	/* truncated header and body just wait */
	frame_dec_init(&dec);
	is_int(feed_all(frm, 3), 0, "truncated header waits");
	ok(frame_dec_body(&dec, &len) == NULL, "no body yet");
	is_int(frame_dec_eof(&dec), -EPIPE, "close inside the header is -EPIPE");
	is_int(feed_all(frm + 3, 10), 0, "truncated body waits");
	is_int(frame_dec_eof(&dec), -EPIPE, "close inside the body is -EPIPE");
	is_int(feed_all(frm + 13, (size_t)n - 13), 1, "rest completes it");

	/* two frames in one buffer: feed stops at the boundary */
	uint8_t two[256];
	memcpy(two, frm, (size_t)n);
	memcpy(two + n, frm, (size_t)n);
	frame_dec_init(&dec);
	int ready;
	ssize_t used = frame_dec_feed(&dec, two, (size_t)(2 * n), &ready);
	ok(used == n && ready, "feed consumes exactly one frame");
	frame_dec_next(&dec);
	used = frame_dec_feed(&dec, two + n, (size_t)n, &ready);
	ok(used == n && ready, "then the second");
	frame_dec_next(&dec);
	is_int(frame_dec_eof(&dec), 0, "clean after next");

	/* want/commit never asks past the frame end */
	memcpy(two + n, "\x00\x00\x00\x01Z", 5);
	frame_dec_init(&dec);
	size_t off = 0, total_reads = 0;
	int frames = 0, max_ok = 1;
	while (off < (size_t)n + 5 && total_reads < 1000) {
		uint8_t *dst;
		size_t want = frame_dec_want(&dec, &dst);
		if (want == 0) {
			frame_dec_next(&dec);
			continue;
		}
		if (off + want > (size_t)n && off < (size_t)n && off + want != (size_t)n)
			max_ok = 0;
		memcpy(dst, two + off, want);
		off += want;
		total_reads++;
		if (frame_dec_commit(&dec, want) == 1)
			frames++;
	}
	ok(max_ok && frames == 2 && total_reads == 4, "want: header, body, header, body");
	uint8_t *dst;
	is_int(frame_dec_commit(&dec, 1), -EINVAL, "commit while a frame is pending refused");
	is_int(frame_dec_commit(&dec, 0), 1, "and the pending frame is kept");
	frame_dec_next(&dec);
	size_t want = frame_dec_want(&dec, &dst);
	is_int(frame_dec_commit(&dec, want + 1), -EINVAL, "commit beyond want refused");
}

int main(void)
{
	test_header_limits();
	test_boundaries();
	test_split();
	return done_testing();
}
