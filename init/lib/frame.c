/*
 * The length-prefixed frame codec (see frame.h). Pure byte logic, no I/O:
 * the callers own the sockets.
 */
#include "lib/frame.h"

#include <errno.h>
#include <string.h>

int frame_put_header(uint8_t hdr[FRAME_HDR_LEN], size_t len)
{
	if (len == 0 || len > FRAME_MAX_BODY)
		return -EMSGSIZE;
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
	return 0;
}

ssize_t frame_encode(const void *body, size_t len, void *out, size_t cap)
{
	uint8_t *o = out;
	int r = frame_put_header(o, len);
	if (r < 0)
		return r;
	if (cap < FRAME_HDR_LEN || len > cap - FRAME_HDR_LEN)
		return -ENOSPC;
	memmove(o + FRAME_HDR_LEN, body, len); /* body may already sit in out */
	return (ssize_t)(len + FRAME_HDR_LEN);
}

void frame_dec_init(struct frame_decoder *d)
{
	d->have = 0;
	d->body_len = 0;
	d->err = 0;
}

static int complete(const struct frame_decoder *d)
{
	return d->body_len && d->have == FRAME_HDR_LEN + d->body_len;
}

size_t frame_dec_want(struct frame_decoder *d, uint8_t **dst)
{
	*dst = d->buf + d->have;
	if (d->err || complete(d))
		return 0;
	if (d->have < FRAME_HDR_LEN)
		return FRAME_HDR_LEN - d->have;
	return FRAME_HDR_LEN + d->body_len - d->have;
}

int frame_dec_commit(struct frame_decoder *d, size_t n)
{
	uint8_t *dst;
	if (d->err)
		return d->err;
	if (n > frame_dec_want(d, &dst))
		return -EINVAL; /* caller bug: more than asked for */
	d->have += (uint32_t)n;
	if (d->have == FRAME_HDR_LEN && d->body_len == 0) {
		uint32_t len = (uint32_t)d->buf[0] << 24 | (uint32_t)d->buf[1] << 16 |
			       (uint32_t)d->buf[2] << 8 | d->buf[3];
		if (len == 0 || len > FRAME_MAX_BODY) {
			d->err = -EMSGSIZE;
			return d->err;
		}
		d->body_len = len;
	}
	return complete(d);
}

ssize_t frame_dec_feed(struct frame_decoder *d, const void *p, size_t len, int *ready)
{
	const uint8_t *src = p;
	size_t used = 0;
	*ready = 0;
	while (used < len) {
		uint8_t *dst;
		size_t want = frame_dec_want(d, &dst);
		if (want == 0)
			break;
		if (want > len - used)
			want = len - used;
		memcpy(dst, src + used, want);
		used += want;
		int r = frame_dec_commit(d, want);
		if (r < 0)
			return r;
		if (r == 1) {
			*ready = 1;
			break;
		}
	}
	if (d->err)
		return d->err;
	*ready = complete(d);
	return (ssize_t)used;
}

const uint8_t *frame_dec_body(const struct frame_decoder *d, size_t *len)
{
	if (d->err || !complete(d))
		return NULL;
	*len = d->body_len;
	return d->buf + FRAME_HDR_LEN;
}

void frame_dec_next(struct frame_decoder *d)
{
	if (!d->err)
		frame_dec_init(d);
}

int frame_dec_partial(const struct frame_decoder *d)
{
	return d->have > 0 && !complete(d);
}

int frame_dec_eof(const struct frame_decoder *d)
{
	if (d->err)
		return d->err;
	return frame_dec_partial(d) ? -EPIPE : 0;
}
