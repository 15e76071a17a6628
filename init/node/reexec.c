/*
 * Live re-exec (see reexec.h). The exec happens from inside the event
 * loop's dispatch, so nothing is half done: every subsystem's state is
 * consistent between two callbacks. On failure the fds get close-on-exec
 * back and the node goes on as if nothing happened.
 */
#include "node/reexec.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "units/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define STATE_MAX (256 * 1024)

/* every service's log pipe (both ends) and every carried socket must fit */
_Static_assert(REEXEC_MAX_FDS >= 2 * UNITS_MAX + REEXEC_MAX_CARRIED,
	       "the re-exec fd table must hold every log pipe and socket");
#define ENV_KEY "PACT_REEXEC_FD"

struct reexec_out {
	char *buf;
	size_t len, cap;
	int overflow;
	int words;	  /* words in the current record */
	size_t rec_start; /* where the current record began */
	int fds[REEXEC_MAX_FDS];
	int nfds;
};

static int corrupt_next;
static reexec_save_fn savers[REEXEC_MAX_SAVERS];
static int n_savers;
static struct {
	const char *name;
	const int *fd;
} carried[REEXEC_MAX_CARRIED];
static int n_carried;
static char state[STATE_MAX] PAGE_ALIGNED;
static size_t state_len;
static int restoring, lost, version;
static char self_path[PATH_MAX] PAGE_ALIGNED;
static char **self_argv;

int reexec_register_saver(reexec_save_fn fn)
{
	int i = table_slot(&n_savers, REEXEC_MAX_SAVERS, "re-exec savers", NULL);
	if (i >= 0)
		savers[i] = fn;
	return i < 0 ? i : 0;
}

static void out_raw(struct reexec_out *o, const char *s, size_t n)
{
	if (o->overflow || o->len + n >= o->cap) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void reexec_begin(struct reexec_out *o, const char *key)
{
	o->words = 0;
	o->rec_start = o->len;
	reexec_word(o, key);
}

void reexec_word(struct reexec_out *o, const char *s)
{
	if (o->words++)
		out_raw(o, " ", 1);
	if (!*s)
		out_raw(o, "%00", 3); /* the empty word */
	for (; *s; s++) {
		if (*s == '%' || *s == ' ' || *s == '\n') {
			char esc[4];
			snprintf(esc, sizeof esc, "%%%02X", (unsigned char)*s);
			out_raw(o, esc, 3);
		} else {
			out_raw(o, s, 1);
		}
	}
}

void reexec_num(struct reexec_out *o, long long v)
{
	char b[24];
	snprintf(b, sizeof b, "%lld", v);
	reexec_word(o, b);
}

void reexec_end(struct reexec_out *o)
{
	out_raw(o, "\n", 1);
	size_t len = o->len - o->rec_start;
	if (!o->overflow && len > REEXEC_LINE_MAX) {
		/* a record the next image could not read back: say so, carry the rest */
		char key[32];
		snprintf(key, sizeof key, "%.*s", (int)strcspn(o->buf + o->rec_start, " \n"),
			 o->buf + o->rec_start);
		log_err("re-exec: a %s record of %zu bytes is longer than %d; not carried", key,
			len, REEXEC_LINE_MAX);
		o->len = o->rec_start;
	}
}

void reexec_save_fd(struct reexec_out *o, const char *name, int fd)
{
	if (fd < 0)
		return;
	if (o->nfds == REEXEC_MAX_FDS) {
		/* a record naming an fd that closes at the exec would hand the new
		 * image whatever gets that number there */
		log_err("re-exec: more than %d fds to carry; %s is not carried", REEXEC_MAX_FDS,
			name);
		return;
	}
	o->fds[o->nfds++] = fd; /* kept open across the exec */
	reexec_begin(o, "fd");
	reexec_word(o, name);
	reexec_num(o, fd);
	reexec_end(o);
}

int reexec_carry_fd(const char *name, const int *fd)
{
	int i = table_slot(&n_carried, REEXEC_MAX_CARRIED, "re-exec carried fds", name);
	if (i < 0)
		return i;
	carried[i].name = name;
	carried[i].fd = fd;
	return 0;
}

static uint32_t crc32(const char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= (unsigned char)p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static void unescape(char *w)
{
	char *o = w;
	for (char *s = w; *s; s++) {
		int hi = s[0] == '%' ? hex_digit(s[1]) : -1, lo = hi >= 0 ? hex_digit(s[2]) : -1;
		if (lo >= 0) {
			if (hi || lo) /* %00 is the empty word */
				*o++ = (char)(hi * 16 + lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* ---- loading (the new image) ---- */

static void note_fd(void *ctx, char **w, int n);
static int fd_taken[REEXEC_MAX_FDS], fd_list[REEXEC_MAX_FDS], n_fd_list;

/* The state's version from its first line "pact-reexec N", or -EINVAL, or
 * -EPROTONOSUPPORT (newer than this image). */
static int header_version(const char *buf, size_t len)
{
	static const char magic[] = "pact-reexec ";
	char *end;
	if (len < 16 || strncmp(buf, magic, sizeof magic - 1) != 0)
		return -EINVAL;
	long v = strtol(buf + sizeof magic - 1, &end, 10);
	if (*end != '\n' || v < 1)
		return -EINVAL;
	return v > REEXEC_VERSION ? -EPROTONOSUPPORT : (int)v;
}

static int verify(const char *buf, size_t len)
{
	int v = header_version(buf, len);
	if (v < 0)
		return v;
	/* the last line: "end <crc>\n" over everything before it */
	if (buf[len - 1] != '\n')
		return -EINVAL;
	const char *last = buf + len - 1;
	while (last > buf && last[-1] != '\n')
		last--;
	unsigned long crc;
	char *endp;
	if (strncmp(last, "end ", 4) != 0)
		return -EINVAL;
	crc = strtoul(last + 4, &endp, 10);
	if (*endp != '\n' || crc != crc32(buf, (size_t)(last - buf)))
		return -EBADMSG;
	return (int)(last - buf);
}

static void note_fd(void *ctx, char **w, int n)
{
	(void)ctx;
	if (n == 3 && n_fd_list < REEXEC_MAX_FDS)
		fd_list[n_fd_list++] = atoi(w[2]);
}

/* State lost: the old image's sockets went through the exec unnamed. A
 * client would connect to a leaked listening socket that nobody accepts on,
 * so close them all (pipes stay: services' log pipes are adopted later). */
static void close_old_sockets(void)
{
	for (int fd = 3; fd < 1024; fd++) {
		struct stat st;
		if (fd != log_kmsg_fd() && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
			close_fd(fd);
	}
}

int reexec_load(void)
{
	const char *env = getenv(ENV_KEY);
	if (!env)
		return 0;
	int fd = atoi(env);
	unsetenv(ENV_KEY); /* never pass it on to services */
	ssize_t n = fd > 2 ? pread(fd, state, sizeof state - 1, 0) : -1;
	if (fd > 2)
		close_fd(fd);
	int body = n > 0 ? verify(state, (size_t)n) : -ENODATA;
	if (body < 0) {
		log_err("re-exec: the handed-over state is %s; adopting what the kernel shows",
			body == -EBADMSG	   ? "damaged (checksum)"
			: body == -EPROTONOSUPPORT ? "of a newer version than this image reads"
						   : "missing or unreadable");
		state_len = 0;
		lost = 1;
		close_old_sockets();
		return -1;
	}
	state_len = (size_t)body;
	state[state_len] = '\0';
	restoring = 1;
	version = header_version(state, state_len);
	/* the fd records, so that unclaimed ones can be closed at the end */
	reexec_each("fd", note_fd, NULL);
	log_notice("re-exec: restoring from %zu bytes of state", state_len);
	return 1;
}

int reexec_restoring(void)
{
	return restoring;
}

int reexec_version(void)
{
	return restoring ? version : 0;
}

int reexec_state_lost(void)
{
	return lost;
}

/* Split one record (len bytes at p) into words: their count, or
 * -ENAMETOOLONG (longer than a line), -E2BIG (too many words). */
static int split_record(const char *p, size_t len, char *line, char **words)
{
	if (len >= REEXEC_LINE_MAX)
		return -ENAMETOOLONG;
	memcpy(line, p, len);
	line[len] = '\0';
	int n = 0;
	for (char *save, *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (n == REEXEC_MAX_WORDS)
			return -E2BIG;
		unescape(w);
		words[n++] = w;
	}
	return n;
}

int reexec_each(const char *key, void (*cb)(void *ctx, char **words, int n), void *ctx)
{
	/* a callback may look up more records (an fd): one buffer per level */
	static char lines[2][REEXEC_LINE_MAX] PAGE_ALIGNED;
	static int depth;
	size_t kl = strlen(key);
	int failed = 0;
	for (char *p = state; p && *p && (size_t)(p - state) < state_len;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			char *words[REEXEC_MAX_WORDS];
			int n = depth < 2 ? split_record(p, len, lines[depth], words) : -ELOOP;
			if (n < 0) {
				log_err(
				    "re-exec: a %s record of %zu bytes cannot be read (%s); what "
				    "it carried is taken from the kernel instead",
				    key, len,
				    n == -ELOOP		 ? "nested too deep"
				    : n == -ENAMETOOLONG ? "longer than a line"
							 : "too many words");
				failed++;
			} else {
				depth++;
				cb(ctx, words, n);
				depth--;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return failed;
}

struct fd_find {
	const char *name;
	int fd;
};

static void find_fd(void *ctx, char **w, int n)
{
	struct fd_find *f = ctx;
	if (n == 3 && strcmp(w[1], f->name) == 0)
		f->fd = atoi(w[2]);
}

int reexec_take_fd(const char *name)
{
	struct fd_find f = {name, -1};
	if (!restoring)
		return -1;
	reexec_each("fd", find_fd, &f);
	if (f.fd < 0 || fcntl(f.fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	for (int i = 0; i < n_fd_list; i++)
		if (fd_list[i] == f.fd)
			fd_taken[i] = 1;
	return f.fd;
}

void reexec_finish(void)
{
	for (int i = 0; i < n_fd_list; i++) {
		if (!fd_taken[i] && fcntl(fd_list[i], F_GETFD) >= 0) {
			log_warn("re-exec: handed-over fd %d not claimed; closed", fd_list[i]);
			close_fd(fd_list[i]);
		}
	}
	restoring = 0;
	state_len = 0;
}

/* ---- saving and exec (the old image) ---- */

/* Every saver's records between the header and the checksum line. */
static int render(struct reexec_out *o)
{
	char head[32];
	int hn = snprintf(head, sizeof head, "pact-reexec %d\n", REEXEC_VERSION);
	out_raw(o, head, (size_t)hn);
	for (int i = 0; i < n_carried; i++)
		reexec_save_fd(o, carried[i].name, *carried[i].fd);
	for (int i = 0; i < n_savers; i++)
		savers[i](o);
	char tail[32];
	int n = snprintf(tail, sizeof tail, "end %lu\n", (unsigned long)crc32(o->buf, o->len));
	if (corrupt_next) {
		corrupt_next = 0;
		o->buf[o->len / 2] ^= 0x20; /* the checksum no longer matches */
	}
	out_raw(o, tail, (size_t)n);
	return o->overflow ? -E2BIG : (int)o->len;
}

int reexec_render(char *buf, size_t cap, int *nfds)
{
	static struct reexec_out o;
	memset(&o, 0, sizeof o);
	o.buf = buf;
	o.cap = cap;
	int r = render(&o);
	*nfds = o.nfds;
	return r;
}

int reexec_now(const char *why)
{
	static char buf[STATE_MAX] PAGE_ALIGNED;
	static struct reexec_out o;
	memset(&o, 0, sizeof o);
	o.buf = buf;
	o.cap = sizeof buf;
	if (render(&o) < 0) {
		log_err("re-exec: state larger than %d bytes; not re-executing", STATE_MAX);
		return -E2BIG;
	}
	int mfd = (int)syscall(SYS_memfd_create, "pact-reexec", 0); /* no CLOEXEC: it goes along */
	if (mfd < 0 || write_all(mfd, buf, o.len) < 0) {
		int e = errno;
		log_err("re-exec: memfd: %s", strerror(e));
		close_fd(mfd);
		return -e;
	}
	for (int i = 0; i < o.nfds; i++)
		fcntl(o.fds[i], F_SETFD, 0);
	char env[32];
	snprintf(env, sizeof env, "%d", mfd);
	setenv(ENV_KEY, env, 1);
	log_notice("re-exec of %s (%s): %zu bytes of state, %d fds", self_path, why, o.len, o.nfds);
	/* our signals stay blocked across the exec: one sent meanwhile stays
	 * pending, and the new image's signalfd reads it */
	execv(self_path, self_argv);
	/* still here: put everything back as it was */
	int e = errno;
	unsetenv(ENV_KEY);
	close_fd(mfd);
	for (int i = 0; i < o.nfds; i++)
		fcntl(o.fds[i], F_SETFD, FD_CLOEXEC);
	log_err("re-exec of %s failed: %s; carrying on", self_path, strerror(e));
	return -e;
}

static struct timer defer_timer;
static char defer_why[64];

static void deferred(void *ctx)
{
	(void)ctx;
	reexec_now(defer_why);
}

void reexec_defer(const char *why)
{
	/* from the loop's next round: the reply to the asker goes out first */
	snprintf(defer_why, sizeof defer_why, "%s", why);
	timer_arm(&defer_timer, 0, deferred, NULL);
}

void reexec_damage_next(void)
{
	corrupt_next = 1;
}

void reexec_init(int argc, char **argv)
{
	(void)argc;
	self_argv = argv;
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
	if (n > 0) {
		self_path[n] = '\0';
		/* replaced on disk: exec the new file at the same path */
		char *del = strstr(self_path, " (deleted)");
		if (del && del[10] == '\0')
			*del = '\0';
	} else {
		snprintf(self_path, sizeof self_path, "%s", argv[0]);
	}
}
