/*
 * pactctl logs SERVICE -f: the end of the log from the daemon, then the
 * file itself followed with inotify (the daemon writes it; pactctl only
 * reads: root, or control.group, the files being 0640 to it). A rotation (the
 * file renamed to .log.1) is followed to the new file. Whole lines go to
 * the caller (logs.c filters and prints them); a line longer than the
 * buffer goes in pieces. Runs until interrupted, or until the file's
 * directory goes away.
 */
#include "lib/fileio.h"
#include "pactctl/pactctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

static int reopen(const char *path, int old, off_t *pos)
{
	close_fd(old);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	*pos = 0;
	if (fd >= 0 && old < 0)
		*pos = lseek(fd, 0, SEEK_END); /* the daemon already sent the end */
	return fd;
}

/* bytes read but not yet a whole line, and where lines go */
struct follow_lines {
	char buf[65536];
	size_t len;
	pactctl_line_fn *emit;
	void *ctx;
};

/* Hand the whole lines in f->buf to f->emit; keep the rest (all of it
 * when there is room, else it goes as it is). */
static void emit_lines(struct follow_lines *f)
{
	size_t start = 0;
	for (char *nl; (nl = memchr(f->buf + start, '\n', f->len - start));) {
		size_t end = (size_t)(nl - f->buf) + 1;
		f->emit(f->ctx, f->buf + start, end - start);
		start = end;
	}
	if (start == 0 && f->len == sizeof f->buf) { /* one line longer than buf */
		f->emit(f->ctx, f->buf, f->len);
		start = f->len;
	}
	memmove(f->buf, f->buf + start, f->len - start);
	f->len -= start;
}

static void copy_new(struct follow_lines *f, int fd, off_t *pos)
{
	ssize_t n;
	while ((n = pread(fd, f->buf + f->len, sizeof f->buf - f->len, *pos)) > 0) {
		f->len += (size_t)n;
		*pos += n;
		emit_lines(f);
	}
}

int pactctl_follow(const char *run_dir, const char *service, pactctl_line_fn *emit, void *ctx)
{
	static struct follow_lines lines;
	lines.emit = emit;
	lines.ctx = ctx;
	char name[256], path[512], dir[512];
	snprintf(name, sizeof name, "%s", service);
	char *dot = strrchr(name, '.');
	if (dot && strcmp(dot, ".service") == 0)
		*dot = '\0';
	if (path_fmt(dir, sizeof dir, "%s/logs", run_dir) < 0 ||
	    path_fmt(path, sizeof path, "%s/%s.log", dir, name) < 0)
		return 2;
	int in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
		fprintf(stderr, "pactctl: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	off_t pos = 0;
	int fd = reopen(path, -1, &pos);
	for (;;) {
		char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
		ssize_t n = read(in, ev, sizeof ev);
		if (n <= 0)
			return n < 0 && errno == EINTR ? 0 : 1;
		for (ssize_t off = 0; off < n;) {
			const struct inotify_event *e = (const void *)(ev + off);
			off += (ssize_t)(sizeof *e + e->len);
			if (!e->len || strncmp(e->name, name, strlen(name)) != 0 ||
			    strcmp(e->name + strlen(name), ".log") != 0)
				continue;
			if (e->mask & (IN_CREATE | IN_MOVED_TO)) {
				if (fd >= 0) /* the rest of the rotated file */
					copy_new(&lines, fd, &pos);
				fd = reopen(path, fd, &pos);
				pos = 0;
			}
			if (fd >= 0)
				copy_new(&lines, fd, &pos);
		}
	}
}
