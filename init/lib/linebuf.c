/*
 * Bounded line reader: refills a fixed buffer from the fd, hands out one
 * line at a time, and skips (reporting -E2BIG) a line that does not fit.
 */
#include "lib/linebuf.h"
#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

int linebuf_open(struct linebuf *lb, const char *path)
{
	lb->len = lb->pos = 0;
	lb->eof = 0;
	lb->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return lb->fd < 0 ? -errno : 0;
}

void linebuf_close(struct linebuf *lb)
{
	close_fd(lb->fd);
	lb->fd = -1;
}

/* Move the unread tail to the front and read more after it. */
static int refill(struct linebuf *lb)
{
	if (lb->pos > 0) {
		memmove(lb->buf, lb->buf + lb->pos, lb->len - lb->pos);
		lb->len -= lb->pos;
		lb->pos = 0;
	}
	if (lb->eof || lb->len >= sizeof lb->buf - 1)
		return 0;
	ssize_t n = read_retry(lb->fd, lb->buf + lb->len, sizeof lb->buf - 1 - lb->len);
	if (n < 0)
		return (int)n;
	if (n == 0)
		lb->eof = 1;
	lb->len += (size_t)n;
	return (int)n;
}

int linebuf_next(struct linebuf *lb, char **line)
{
	int skipping = 0;
	for (;;) {
		char *start = lb->buf + lb->pos;
		char *nl = memchr(start, '\n', lb->len - lb->pos);
		if (nl) {
			*nl = '\0';
			lb->pos = (size_t)(nl - lb->buf) + 1;
			if (skipping)
				return -E2BIG;
			*line = start;
			return (int)(nl - start);
		}
		if (lb->eof) {
			if (lb->pos == lb->len)
				return skipping ? -E2BIG : -ENODATA;
			/* last line without a newline */
			lb->buf[lb->len] = '\0';
			*line = start;
			int n = (int)(lb->len - lb->pos);
			lb->pos = lb->len;
			return skipping ? -E2BIG : n;
		}
		if (lb->pos == 0 && lb->len >= sizeof lb->buf - 1) {
			/* a line longer than the buffer: drop what we have */
			skipping = 1;
			lb->len = 0;
		}
		int r = refill(lb);
		if (r < 0)
			return r;
	}
}
