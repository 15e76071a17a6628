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
#include "lib/logline.h"
#include "lib/table.h"
#include "node/reexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK	 16384
#define READS_PER_WAKEUP 8
#define PIPE_BYTES	 (256 * 1024) /* the log pipe's size (F_SETPIPE_SZ) */

static void open_file(struct svclog *l)
{
	l->file = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	struct stat st;
	l->size = 0;
	if (l->file < 0 || fstat(l->file, &st) < 0)
		return;
	l->size = (size_t)st.st_size;
	/* 0640 to control.group: its members follow a log by reading the file
	 * (pactctl logs -f); a change of the group takes effect here too */
	if (st.st_gid != logs_readers())
		fchown(l->file, (uid_t)-1, logs_readers());
}

/* .log.N-1 to .log.N ... .log to .log.1; the oldest beyond keep goes */
static void rotate(struct svclog *l)
{
	char from[sizeof l->path + 12], to[sizeof l->path + 12];
	close_fd(l->file);
	for (unsigned i = l->keep; i > 1; i--) {
		snprintf(from, sizeof from, "%s.%u", l->path, i - 1);
		snprintf(to, sizeof to, "%s.%u", l->path, i);
		rename(from, to); /* a missing one: nothing to move */
	}
	snprintf(to, sizeof to, "%s.1", l->path);
	(void)(l->keep ? rename(l->path, to) : unlink(l->path));
	open_file(l);
}

static void write_out(struct svclog *l, const char *buf, size_t n)
{
	if (n == 0)
		return;
	if (l->file < 0 || write_all(l->file, buf, n) < 0)
		l->dropped += n;
	else
		l->size += n;
}

/* Into the file, each line's start stamped with the time it was read, on
 * the wall clock (UTC) and the monotonic one (lib/logline.h); a file that
 * would pass its cap rotates between lines, or inside a line longer than
 * the cap, so that no file is ever larger. */
static void append(struct svclog *l, const char *buf, size_t n)
{
	char ts[LOGLINE_STAMP_MAX];
	struct timespec real, mono;
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	size_t tn = logline_stamp(ts, sizeof ts, &real, &mono);
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t k = nl ? (size_t)(nl - buf) + 1 : n;
		if (tn + k > l->cap) /* the cap is 4 KiB at least: more than a stamp */
			k = l->cap - tn;
		if (l->file >= 0 && l->size + (l->mid_line ? 0 : tn) + k > l->cap) {
			rotate(l);
			l->mid_line = 0; /* a new file starts with a stamp, even inside a line */
		}
		size_t sn = l->mid_line ? 0 : tn;
		write_out(l, ts, sn);
		write_out(l, buf, k);
		l->mid_line = !nl || buf + k != nl + 1;
		buf += k;
		n -= k;
	}
}

/* Move up to reads chunks from the pipe to the file; stop when it is empty. */
static void take(struct svclog *l, int reads)
{
	static char buf[READ_CHUNK] PAGE_ALIGNED;
	for (int i = 0; i < reads && l->rfd >= 0; i++) {
		ssize_t n = read_retry(l->rfd, buf, sizeof buf);
		if (n <= 0)
			return;
		logs_service_output(&l->carry, l->app, buf, (size_t)n);
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
	l->cap = logs_file_max_bytes();
	l->keep = logs_file_rotations();
	snprintf(l->app, sizeof l->app, "%s", name);
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
	logs_service_flush(&l->carry, l->app);
	char line[300];
	int n =
	    snprintf(line, sizeof line, "%s" LOGLINE_NOTE "%s\n", l->mid_line ? "\n" : "", text);
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
