/*
 * pactctl's side of the control socket: a request out, its reply frame in
 * and parsed, with bounded waits. A connection the daemon refused, reset
 * or shed before answering is tried again with backoff for a bounded time;
 * a closed connection never kills pactctl with SIGPIPE. The verbs (pactctl.c,
 * units.c) print what they get.
 */
#include "lib/fileio.h"
#include "lib/frame.h"
#include "lib/json.h"
#include "pactctl/pactctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 30000
/* a refused, reset or shed connection is tried again for this long */
#define RETRY_MS       10000
#define RETRY_FIRST_MS 20
#define RETRY_MAX_MS   1000

struct pactctl_opts opt = {.run_dir = "/run/pact"};

long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connect to <opt.run_dir>/name: the fd, or -errno. */
int connect_unix(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (path_fmt(sa.sun_path, sizeof sa.sun_path, "%s/%s", opt.run_dir, name) < 0)
		return -ENAMETOOLONG;
	/* non-blocking: a full backlog is EAGAIN (tried again), not a wait
	 * without end */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close_fd(fd);
		return -e;
	}
	return fd;
}

/* The next wait before trying again (doubling), or 0 once past deadline. */
long backoff(long *delay_ms, long deadline)
{
	long left = deadline - ms_now();
	if (left <= 0)
		return 0;
	long d = *delay_ms < left ? *delay_ms : left;
	struct timespec ts = {d / 1000, (d % 1000) * 1000000L};
	nanosleep(&ts, NULL); /* a retry's pause, not a synchronisation */
	*delay_ms = *delay_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : *delay_ms * 2;
	return d;
}

/* Read until the deadline; returns bytes or -ETIMEDOUT / -errno. */
ssize_t read_deadline(int fd, void *buf, size_t len, long deadline)
{
	for (;;) {
		long left = deadline - ms_now();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			return read_retry(fd, buf, len);
	}
}

/* The request frame into frame (FRAME_MAX_LEN + 1 bytes: the body may be
 * FRAME_MAX_BODY long, and the writer ends it with a NUL). */
static int encode_request(const char *command, int argc, char **argv, uint8_t *frame)
{
	struct json_writer w;
	json_w_init(&w, (char *)frame + FRAME_HDR_LEN, FRAME_MAX_BODY + 1);
	json_w_obj_begin(&w);
	json_w_key(&w, "command");
	json_w_string(&w, command);
	json_w_key(&w, "args");
	json_w_arr_begin(&w);
	for (int i = 0; i < argc; i++)
		json_w_string(&w, argv[i]);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	int n = json_w_finish(&w);
	if (n < 0 || frame_put_header(frame, (size_t)n) < 0)
		return -EMSGSIZE;
	return FRAME_HDR_LEN + n;
}

/* Send all of buf before the deadline, never raising SIGPIPE. 0 or -errno. */
static int send_deadline(int fd, const uint8_t *buf, size_t len, long deadline)
{
	size_t sent = 0;
	while (sent < len) {
		ssize_t n = send(fd, buf + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		long left = deadline - ms_now();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		(void)poll(&p, 1, (int)left);
	}
	return 0;
}

/* Retry: no connection, or no byte of an answer (the request was not run). */
#define TRY_AGAIN 1000

/* One exchange: the request out, the reply frame into dec. 0, TRY_AGAIN,
 * or an exit status (a message said). */
static int exchange(const uint8_t *frame, size_t len, struct frame_decoder *dec)
{
	int fd = connect_unix("control.sock");
	if (fd == -ECONNREFUSED || fd == -EAGAIN)
		return TRY_AGAIN; /* not listening for a moment, or its backlog is full */
	if (fd < 0) {
		fprintf(stderr, "pactctl: %s/control.sock: %s\n", opt.run_dir, strerror(-fd));
		return 1;
	}
	long deadline = ms_now() + REPLY_TIMEOUT_MS;
	int r = send_deadline(fd, frame, len, deadline);
	frame_dec_init(dec);
	while (r == 0) {
		uint8_t *dst;
		size_t want = frame_dec_want(dec, &dst);
		ssize_t n = read_deadline(fd, dst, want, deadline);
		if (n <= 0) {
			r = n == 0 ? -ECONNRESET : (int)n;
			break;
		}
		int c = frame_dec_commit(dec, (size_t)n);
		if (c < 0) {
			close_fd(fd);
			fprintf(stderr, "pactctl: bad reply frame\n");
			return 1;
		}
		if (c == 1)
			break;
	}
	close_fd(fd);
	/* shut or reset before a byte of the answer: the request was not run */
	if ((r == -ECONNRESET || r == -EPIPE) && !dec->have)
		return TRY_AGAIN;
	if (r < 0) {
		fprintf(stderr, "pactctl: no reply from pact-init (%s)\n",
			r == -ECONNRESET ? "connection closed" : strerror(-r));
		return 1;
	}
	return 0;
}

/* The daemon shed the request ("Unavailable": out of fds): not run either. */
static int shed(const uint8_t *body, size_t len)
{
	static const char kind[] = "\"kind\":\"Unavailable\"";
	return memmem(body, len, kind, sizeof kind - 1) != NULL &&
	       memmem(body, len, "\"ok\":false", 10) != NULL;
}

/* The reply's data into r (0), or its error said (an exit status). */
static int parse_reply(struct pactctl_reply *r, const uint8_t *body, size_t len)
{
	struct json_doc *doc = &r->doc;
	r->data = -1;
	if (json_parse(doc, (const char *)body, len, r->nodes, PACTCTL_JSON_NODES) < 0) {
		fprintf(stderr, "pactctl: unreadable reply: %s\n", doc->err);
		return 1;
	}
	int okv = json_obj_get(doc, 0, "ok");
	int isok = 0;
	if (okv < 0 || json_get_bool(doc, okv, &isok) < 0) {
		fprintf(stderr, "pactctl: reply without \"ok\"\n");
		return 1;
	}
	if (!isok) {
		int e = json_obj_get(doc, 0, "error");
		char kind[64] = "Failed", msg[1024] = "";
		if (e >= 0) {
			json_get_string(doc, json_obj_get(doc, e, "kind"), kind, sizeof kind);
			json_get_string(doc, json_obj_get(doc, e, "message"), msg, sizeof msg);
		}
		if (opt.json)
			render_json(doc, 0);
		else
			fprintf(stderr, "pactctl: %s: %s\n", kind, msg);
		return strcmp(kind, "Usage") == 0 ? 2 : 1;
	}
	r->data = json_obj_get(doc, 0, "data");
	return 0;
}

int pactctl_call(struct pactctl_reply *r, const char *command, int argc, char **argv)
{
	/* a request frame, and the JSON writer's NUL after it */
	static uint8_t frame[FRAME_MAX_LEN + 1];
	int len = encode_request(command, argc, argv, frame);
	if (len < 0) {
		fprintf(stderr, "pactctl: request too large\n");
		return 2;
	}
	long deadline = ms_now() + RETRY_MS, delay = RETRY_FIRST_MS;
	size_t blen = 0;
	const uint8_t *body = NULL;
	for (;;) {
		int e = exchange(frame, (size_t)len, &r->dec);
		if (e == 0) {
			body = frame_dec_body(&r->dec, &blen);
			if (!shed(body, blen))
				break;
		} else if (e != TRY_AGAIN) {
			return e;
		}
		if (!backoff(&delay, deadline)) {
			if (body)
				break; /* its last answer says why */
			fprintf(stderr, "pactctl: pact-init did not take the request within %d s\n",
				RETRY_MS / 1000);
			return 1;
		}
	}
	return parse_reply(r, body, blen);
}
