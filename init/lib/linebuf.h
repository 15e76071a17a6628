/*
 * A bounded line reader over an fd: files like /proc/self/mountinfo and
 * modules.dep are streamed one line at a time through a fixed buffer, so
 * their size never turns into an allocation.
 */
#ifndef PACT_LINEBUF_H
#define PACT_LINEBUF_H

#include <stddef.h>

#define LINEBUF_CAP 8192

struct linebuf {
	int fd;
	size_t len, pos;
	int eof;
	char buf[LINEBUF_CAP];
};

/* Open path O_RDONLY|O_CLOEXEC. Returns 0 or -errno. */
int linebuf_open(struct linebuf *lb, const char *path);
/*
 * Next line without its newline, NUL-terminated inside lb (valid until the
 * next call). Returns its length, -ENODATA at the end, -E2BIG for a line
 * longer than the buffer (the rest of that line is skipped), or -errno.
 */
int linebuf_next(struct linebuf *lb, char **line);
void linebuf_close(struct linebuf *lb);

#endif
