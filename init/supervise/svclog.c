/*
 * Service log capture (see svclog.h). Reads are bounded per wakeup so a
 * chatty service cannot starve the loop; the pipe is non-blocking on our
 * side only, so the service's writes block only if we stop reading, which
 * we never do.
 */
#include "supervise/svclog.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "node/reexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK	 16384
#define READS_PER_WAKEUP 8
#define PIPE_BYTES	 (256 * 1024) /* the log pipe's size (F_SETPIPE_SZ) */

static void open_file(struct svclog *l)
{
	l->file = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	struct stat st;
	l->size = l->file >= 0 && fstat(l->file, &st) == 0 ? (size_t)st.st_size : 0;
}

static void rotate(struct svclog *l)
{
	char old[sizeof l->path + 4];
	snprintf(old, sizeof old, "%s.1", l->path);
	close_fd(l->file);
	rename(l->path, old); /* the previous .1 goes: one rotation kept */
	open_file(l);
}

static void append(struct svclog *l, const char *buf, size_t n)
{
	if (l->file < 0) {
		l->dropped += n;
		return;
	}
	if (l->size + n > l->cap)
		rotate(l);
	if (write_all(l->file, buf, n) < 0)
		l->dropped += n;
	else
		l->size += n;
}

/* Move up to reads chunks from the pipe to the file; stop when it is empty. */
static void take(struct svclog *l, int reads)
{
	static char buf[READ_CHUNK];
	for (int i = 0; i < reads && l->rfd >= 0; i++) {
		ssize_t n = read_retry(l->rfd, buf, sizeof buf);
		if (n <= 0)
			return;
		append(l, buf, (size_t)n);
	}
}

static void on_readable(void *ctx, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	take(ctx, READS_PER_WAKEUP);
}

int svclog_adopt(struct svclog *l, const char *dir, const char *name, int rfd, int wfd)
{
	memset(l, 0, sizeof *l);
	l->rfd = rfd;
	l->wfd = wfd;
	l->file = -1;
	l->cap = SVCLOG_CAP_BYTES;
	if (path_fmt(l->path, sizeof l->path, "%s/%s.log", dir, name) < 0)
		return -ENAMETOOLONG;
	fcntl(l->rfd, F_SETFL, O_NONBLOCK);
	open_file(l);
	if (l->file < 0)
		log_warn("%s: %s; output of %s is dropped", l->path, strerror(errno), name);
	int r = loop_add_fd(l->rfd, EPOLLIN, on_readable, l);
	if (r < 0) {
		svclog_close(l);
		return r;
	}
	return 0;
}

int svclog_open(struct svclog *l, const char *dir, const char *name)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* a bigger pipe absorbs bursts between two wakeups of the loop */
	fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES);
	return svclog_adopt(l, dir, name, p[0], p[1]);
}

void svclog_close(struct svclog *l)
{
	if (l->rfd >= 0) {
		loop_del_fd(l->rfd);
		close_fd(l->rfd);
	}
	close_fd(l->wfd);
	close_fd(l->file);
	l->rfd = l->wfd = l->file = -1;
}

void svclog_note(struct svclog *l, const char *text)
{
	/* what the service wrote before this moment goes before the note (an
	 * exit is reaped before the loop read the pipe's last bytes): the pipe
	 * holds PIPE_BYTES at most, so this is bounded */
	take(l, PIPE_BYTES / READ_CHUNK + 1);
	char line[300];
	int n = snprintf(line, sizeof line, "-- pact-init: %s\n", text);
	if (n > 0)
		append(l, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* ---- across a live re-exec: both ends, so the service never sees a closed pipe ---- */

void svclog_save(struct reexec_out *o, const struct svclog *l, const char *key)
{
	char name[SVCLOG_KEY_MAX + 8];
	snprintf(name, sizeof name, "log-r:%s", key);
	reexec_save_fd(o, name, l->rfd);
	name[4] = 'w';
	reexec_save_fd(o, name, l->wfd);
}

int svclog_restore(struct svclog *l, const char *dir, const char *name, const char *key)
{
	char fdname[SVCLOG_KEY_MAX + 8];
	snprintf(fdname, sizeof fdname, "log-r:%s", key);
	int r = reexec_take_fd(fdname);
	fdname[4] = 'w';
	int w = reexec_take_fd(fdname);
	if (r < 0 || w < 0) {
		close_fd(r);
		close_fd(w);
		return -1;
	}
	return svclog_adopt(l, dir, name, r, w) < 0 ? -1 : 0;
}
