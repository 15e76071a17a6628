/*
 * The handoff/control wire framing: a 4-byte unsigned big-endian length N
 * (1 <= N <= FRAME_MAX_BODY), then N bytes of body. The encoder writes a
 * frame into a caller buffer; the decoder accumulates bytes from
 * non-blocking reads of one connection into a bounded buffer and yields
 * complete frames, one at a time.
 *
 * The decoder never asks for bytes past the end of the current frame
 * (frame_dec_want), so the read that returns SCM_RIGHTS fds is always the
 * one that reads the header of the frame they belong to. A bad length is
 * rejected as soon as the 4 header bytes are in, before any body is read.
 */
#ifndef PACT_FRAME_H
#define PACT_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FRAME_HDR_LEN  4
#define FRAME_MAX_BODY 65536
#define FRAME_MAX_LEN  (FRAME_HDR_LEN + FRAME_MAX_BODY)

/* Write the header for a body of len bytes. Returns 0 or -EMSGSIZE (0 or too long). */
int frame_put_header(uint8_t hdr[FRAME_HDR_LEN], size_t len);
/* Write header + body into out. Returns the frame length, -EMSGSIZE, or -ENOSPC. */
ssize_t frame_encode(const void *body, size_t len, void *out, size_t cap);

struct frame_decoder {
	uint32_t have;	   /* bytes of the current frame in buf (header included) */
	uint32_t body_len; /* from the header; 0 until the header is complete */
	int err;	   /* sticky: -EMSGSIZE after a bad header */
	uint8_t buf[FRAME_MAX_LEN];
};

void frame_dec_init(struct frame_decoder *d);
/*
 * Where to read next and how many bytes at most, so that a read never
 * crosses the end of the current frame. 0 when a frame is complete (take it
 * with frame_dec_body, then frame_dec_next) or after an error.
 */
size_t frame_dec_want(struct frame_decoder *d, uint8_t **dst);
/*
 * Account for n bytes just read into the space given by frame_dec_want.
 * Returns 1 when a frame is complete, 0 when more bytes are needed,
 * -EMSGSIZE when the header announces 0 or more than FRAME_MAX_BODY bytes
 * (the connection cannot be resynchronised: drop it).
 */
int frame_dec_commit(struct frame_decoder *d, size_t n);
/*
 * Copy-in variant for readers that read greedily: consumes bytes from p up to
 * the end of the current frame at most. Returns bytes consumed (>= 0) or
 * -EMSGSIZE; *ready is set to 1 when a frame is complete.
 */
ssize_t frame_dec_feed(struct frame_decoder *d, const void *p, size_t len, int *ready);
/* The complete frame's body, or NULL if none is complete. */
const uint8_t *frame_dec_body(const struct frame_decoder *d, size_t *len);
/* Drop the complete frame and get ready for the next one. */
void frame_dec_next(struct frame_decoder *d);
/* 1 if part of a frame has been received (a close now loses data). */
int frame_dec_partial(const struct frame_decoder *d);
/*
 * The peer closed (read returned 0): 0 if that happened at a frame boundary,
 * -EPIPE if it closed mid-frame, or the sticky error.
 */
int frame_dec_eof(const struct frame_decoder *d);

#endif
