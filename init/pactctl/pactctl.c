/*
 * pactctl: the operator's and the tests' client of a running pact-init.
 *
 *   pactctl [--json] [--run-dir DIR] COMMAND [ARGS...]
 *
 * Most commands go to the control socket as {"command", "args"} and the
 * reply is printed for a human (render.c) or, with --json, as the
 * daemon sent it. A few work without the daemon's control socket:
 * wait-ready (the readiness socket) and notify (sd_notify for services).
 * Exit status: 0 ok, 1 failed, 2 usage. A connection the daemon refused,
 * reset or shed before answering is tried again with backoff for a bounded
 * time; a closed connection never kills pactctl with SIGPIPE.
 */
#include "lib/fileio.h"
#include "lib/frame.h"
#include "lib/json.h"
#include "pactctl/net.h"
#include "pactctl/pactctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 30000
#define JSON_NODES	 8192
/* a refused, reset or shed connection is tried again for this long */
#define RETRY_MS       10000
#define RETRY_FIRST_MS 20
#define RETRY_MAX_MS   1000

static const char *run_dir = "/run/pact";
static int want_json;

static int usage(void)
{
	fprintf(
	    stderr,
	    "usage: pactctl [--json] [--run-dir DIR] COMMAND [ARGS...]\n"
	    "  status                      boot phases and times, readiness, node id\n"
	    "  wait-ready [--timeout S]    wait for readiness (0 ready, 1 failed, 2 timeout)\n"
	    "  logs SERVICE [--lines N] [-f]  the end of its log; -f follows it\n"
	    "  reboot | poweroff | halt    shut the node down\n"
	    "  notify [--ready] [VAR=VALUE...]  sd_notify to $NOTIFY_SOCKET (for services)\n"
	    "  net                         links, addresses, routes (the kernel's), DHCP leases\n"
	    "  handoff request|end ALLOC ...  the namespace handoff (pactctl handoff for usage)\n"
	    "  verify [--root DIR] [--no-userdb] PATH...  check unit files offline\n"
	    "  help                        every command the daemon knows\n"
	    "  debug hang                  hang the event loop (watchdog test; needs "
	    "pact.debug)\n");
	return 2;
}

static long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connect to <run_dir>/name: the fd, or -errno. */
static int connect_unix(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (path_fmt(sa.sun_path, sizeof sa.sun_path, "%s/%s", run_dir, name) < 0)
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
static long backoff(long *delay_ms, long deadline)
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
static ssize_t read_deadline(int fd, void *buf, size_t len, long deadline)
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

/* One question to ready.sock: its answer line into line (0), -ETIMEDOUT,
 * or -errno when it could not be asked (worth another try). */
static int ask_ready(long deadline, char *line, size_t cap)
{
	int fd = connect_unix("ready.sock");
	if (fd < 0)
		return fd;
	size_t used = 0;
	while (used < cap - 1) {
		ssize_t n = read_deadline(fd, line + used, cap - 1 - used, deadline);
		if (n == -ETIMEDOUT) {
			close_fd(fd);
			return -ETIMEDOUT;
		}
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close_fd(fd);
	line[used] = '\0';
	return used ? 0 : -ECONNRESET;
}

static int cmd_wait_ready(int argc, char **argv)
{
	long timeout_s = -1;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout_s = atol(argv[++i]);
		else if (strncmp(argv[i], "--timeout=", 10) == 0)
			timeout_s = atol(argv[i] + 10);
		else
			return usage();
	}
	long deadline = timeout_s < 0 ? ms_now() + 86400000L : ms_now() + timeout_s * 1000;
	long delay = 100;
	for (;;) {
		/* the socket may not exist yet early in boot, and a BUSY answer
		 * (too many waiting) is worth another try: until the deadline */
		char line[512];
		int r = ask_ready(deadline, line, sizeof line);
		if (r == 0 && strcmp(line, "BUSY\n") != 0) {
			fputs(line, stdout);
			return strncmp(line, "READY ", 6) == 0 ? 0 : 1;
		}
		if (r == -ETIMEDOUT || !backoff(&delay, deadline)) {
			printf("timeout: the node was not ready within %ld s\n", timeout_s);
			return 2;
		}
	}
}

static int cmd_notify(int argc, char **argv)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	if (!sock || !*sock) {
		fprintf(stderr, "pactctl notify: NOTIFY_SOCKET is not set\n");
		return 1;
	}
	char msg[1024];
	size_t used = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = strcmp(argv[i], "--ready") == 0 ? "READY=1" : argv[i];
		if (!strchr(a, '='))
			return usage();
		int n = snprintf(msg + used, sizeof msg - used, "%s%s", used ? "\n" : "", a);
		if (n < 0 || (size_t)n >= sizeof msg - used)
			return fprintf(stderr, "pactctl notify: message too long\n"), 1;
		used += (size_t)n;
	}
	if (!used)
		return usage();
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t sl = strlen(sock);
	if (sl >= sizeof sa.sun_path)
		return fprintf(stderr, "pactctl notify: NOTIFY_SOCKET too long\n"), 1;
	memcpy(sa.sun_path, sock, sl);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	/* like sd_notify_barrier: pass a pipe's write end along and wait until
	 * the receiver closed it, so we (the sender) still exist while it
	 * judges our credentials */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return fprintf(stderr, "pactctl notify: pipe: %s\n", strerror(errno)), 1;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {msg, used};
	struct msghdr mh = {.msg_name = &sa,
			    .msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sl),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = &cm,
			    .msg_controllen = sizeof cm};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "pactctl notify: %s: %s\n", sock, strerror(errno));
		return 1;
	}
	close_fd(p[1]);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	if (poll(&pf, 1, 5000) <= 0)
		fprintf(stderr, "pactctl notify: no barrier reply within 5 s\n");
	close_fd(p[0]);
	close_fd(fd);
	return 0;
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

static void print_text(const struct json_doc *doc, int idx)
{
	static char text[FRAME_MAX_BODY + 1];
	int n = json_get_string(doc, idx, text, sizeof text);
	if (n > 0)
		fwrite(text, 1, (size_t)n, stdout);
}

static int print_reply(const uint8_t *body, size_t len)
{
	static struct json_node nodes[JSON_NODES];
	struct json_doc doc;
	if (json_parse(&doc, (const char *)body, len, nodes, JSON_NODES) < 0) {
		fprintf(stderr, "pactctl: unreadable reply: %s\n", doc.err);
		return 1;
	}
	int okv = json_obj_get(&doc, 0, "ok");
	int isok = 0;
	if (okv < 0 || json_get_bool(&doc, okv, &isok) < 0) {
		fprintf(stderr, "pactctl: reply without \"ok\"\n");
		return 1;
	}
	if (!isok) {
		int e = json_obj_get(&doc, 0, "error");
		char kind[64] = "Failed", msg[1024] = "";
		if (e >= 0) {
			json_get_string(&doc, json_obj_get(&doc, e, "kind"), kind, sizeof kind);
			json_get_string(&doc, json_obj_get(&doc, e, "message"), msg, sizeof msg);
		}
		if (want_json)
			render_json(&doc, 0);
		else
			fprintf(stderr, "pactctl: %s: %s\n", kind, msg);
		return strcmp(kind, "Usage") == 0 ? 2 : 1;
	}
	int data = json_obj_get(&doc, 0, "data");
	if (data < 0)
		return 0;
	if (want_json)
		render_json(&doc, data);
	else if (json_type_of(&doc, data) == JSON_STRING)
		print_text(&doc, data); /* logs, metrics: text as it is */
	else
		render_human(&doc, data);
	return 0;
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
		fprintf(stderr, "pactctl: %s/control.sock: %s\n", run_dir, strerror(-fd));
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

static int call_daemon(const char *command, int argc, char **argv)
{
	/* a request frame, and the JSON writer's NUL after it */
	static uint8_t frame[FRAME_MAX_LEN + 1];
	static struct frame_decoder dec;
	int len = encode_request(command, argc, argv, frame);
	if (len < 0) {
		fprintf(stderr, "pactctl: request too large\n");
		return 2;
	}
	long deadline = ms_now() + RETRY_MS, delay = RETRY_FIRST_MS;
	size_t blen = 0;
	const uint8_t *body = NULL;
	for (;;) {
		int r = exchange(frame, (size_t)len, &dec);
		if (r == 0) {
			body = frame_dec_body(&dec, &blen);
			if (!shed(body, blen))
				break;
		} else if (r != TRY_AGAIN) {
			return r;
		}
		if (!backoff(&delay, deadline)) {
			if (body)
				break; /* its last answer says why */
			fprintf(stderr, "pactctl: pact-init did not take the request within %d s\n",
				RETRY_MS / 1000);
			return 1;
		}
	}
	return print_reply(body, blen);
}

int main(int argc, char **argv)
{
	const char *env = getenv("PACT_RUN_DIR");
	if (env && *env)
		run_dir = env;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			want_json = 1;
		else if (strcmp(argv[i], "--run-dir") == 0 && i + 1 < argc)
			run_dir = argv[++i];
		else if (strncmp(argv[i], "--run-dir=", 10) == 0)
			run_dir = argv[i] + 10;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return usage(), 0;
		else
			return usage();
	}
	if (i == argc)
		return usage();
	const char *cmd = argv[i++];
	/* --json may also follow the command */
	int n = 0;
	for (int j = i; j < argc; j++) {
		if (strcmp(argv[j], "--json") == 0)
			want_json = 1;
		else
			argv[i + n++] = argv[j];
	}
	if (strcmp(cmd, "wait-ready") == 0)
		return cmd_wait_ready(n, argv + i);
	if (strcmp(cmd, "notify") == 0)
		return cmd_notify(n, argv + i);
	if (strcmp(cmd, "logs") == 0) {
		int follow = 0, m = 0;
		for (int j = 0; j < n; j++) {
			if (strcmp(argv[i + j], "-f") == 0 || strcmp(argv[i + j], "--follow") == 0)
				follow = 1;
			else
				argv[i + m++] = argv[i + j];
		}
		int r = call_daemon(cmd, m, argv + i);
		return r || !follow ? r : pactctl_follow(run_dir, argv[i]);
	}
	if (strcmp(cmd, "net") == 0) /* read from the kernel here: no daemon needed */
		return (want_json ? net_dump_json(1, run_dir) : net_dump_text(1, run_dir)) < 0;
	if (strcmp(cmd, "verify") == 0) /* unit files, offline: no daemon needed */
		return pactctl_verify(want_json, n, argv + i);
	if (strcmp(cmd, "handoff") == 0) /* the handoff socket, not the control socket */
		return pactctl_handoff(run_dir, want_json, n, argv + i);
	return call_daemon(cmd, n, argv + i);
}
