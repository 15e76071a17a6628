/*
 * The control socket server: a fixed table of connections, each with a
 * frame decoder and one pending reply; a request is answered in full
 * before the next one is read. Peers are checked with SO_PEERCRED (root
 * only), idle connections are closed after a timeout, and anything
 * malformed gets an error reply and the connection is closed. The verbs
 * come from the registry (ctl_register); `help` lists it.
 */
#include "ctl/control.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/frame.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "lib/utf8.h"
#include "node/reexec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define IDLE_TIMEOUT_MS 60000
#define JSON_NODES	256

struct command {
	const char *name;
	ctl_handler fn;
	const char *usage;
};

struct conn {
	int fd; /* -1: free */
	struct frame_decoder dec;
	uint8_t out[FRAME_MAX_LEN];
	size_t out_len, out_sent;
	int close_after;
	struct timer idle;
	uid_t uid;
};

static int listen_fd = -1;
static struct conn conns[CTL_MAX_CONNS];
static struct command commands[CTL_MAX_VERBS];
static int n_commands;

int ctl_register(const char *name, ctl_handler fn, const char *usage)
{
	int i = table_slot(&n_commands, CTL_MAX_VERBS, "control verbs", name);
	if (i >= 0)
		commands[i] = (struct command){name, fn, usage};
	return i < 0 ? i : 0;
}

int ctl_fail(struct ctl_req *req, const char *kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	utf8_vfmt(req->err_msg, sizeof req->err_msg, fmt, ap);
	va_end(ap);
	req->err_kind = kind;
	return -1;
}

const char *ctl_opt(struct ctl_req *req, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < req->argc; i++) {
		const char *a = req->argv[i];
		if (strncmp(a, name, n) != 0)
			continue;
		if (a[n] == '=')
			return a + n + 1;
		if (a[n] == '\0' && i + 1 < req->argc)
			return req->argv[i + 1];
	}
	return NULL;
}

static void conn_close(struct conn *c)
{
	timer_cancel(&c->idle);
	loop_del_fd(c->fd);
	close_fd(c->fd);
	c->fd = -1;
}

static void conn_idle(void *ctx)
{
	struct conn *c = ctx;
	log_debug("control: closing idle connection");
	conn_close(c);
}

/* Try to send what is pending; close when done and asked to. */
static void conn_flush(struct conn *c)
{
	while (c->out_sent < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(c);
			return;
		}
		c->out_sent += (size_t)n;
	}
	if (c->out_sent < c->out_len) {
		loop_mod_fd(c->fd, EPOLLOUT);
		return;
	}
	c->out_len = c->out_sent = 0;
	if (c->close_after) {
		conn_close(c);
		return;
	}
	loop_mod_fd(c->fd, EPOLLIN);
}

static void reply_error(struct json_writer *w, const char *kind, const char *msg)
{
	json_w_obj_begin(w);
	json_w_key(w, "ok");
	json_w_bool(w, 0);
	json_w_key(w, "error");
	json_w_obj_begin(w);
	json_w_key(w, "kind");
	json_w_string(w, kind);
	json_w_key(w, "message");
	json_w_string(w, msg);
	json_w_obj_end(w);
	json_w_obj_end(w);
}

/* Build the reply frame for one request body into c->out. */
static void handle_request(struct conn *c, const uint8_t *body, size_t len)
{
	static struct json_node nodes[JSON_NODES];
	static struct ctl_req req;
	struct json_doc doc;
	struct json_writer w;
	char *out = (char *)c->out + FRAME_HDR_LEN;
	json_w_init(&w, out, FRAME_MAX_BODY + 1);
	memset(&req, 0, sizeof req);
	req.uid = c->uid;
	req.w = &w;
	char command[64] = "";
	int r = json_parse(&doc, (const char *)body, len, nodes, JSON_NODES);
	int cmd = r < 0 ? -1 : json_obj_get(&doc, 0, "command");
	int args = r < 0 ? -1 : json_obj_get(&doc, 0, "args");
	if (r < 0 || cmd < 0 || json_get_string(&doc, cmd, command, sizeof command) < 0) {
		reply_error(&w, "InvalidRequest", r < 0 ? doc.err : "want {\"command\": \"...\"}");
		c->close_after = 1;
		goto send;
	}
	if (args >= 0 && json_type_of(&doc, args) != JSON_ARRAY) {
		reply_error(&w, "InvalidRequest", "args must be an array of strings");
		goto send;
	}
	for (int a = args >= 0 ? json_first(&doc, args) : -ENOENT; a >= 0;
	     a = json_next(&doc, args, a)) {
		if (req.argc == CTL_MAX_ARGS ||
		    json_get_string(&doc, a, req.argv[req.argc], CTL_ARG_MAX) < 0) {
			reply_error(&w, "InvalidRequest", "too many, too long or non-string args");
			goto send;
		}
		req.argc++;
	}
	req.command = command;
	const struct command *found = NULL;
	for (int i = 0; i < n_commands; i++)
		if (strcmp(commands[i].name, command) == 0)
			found = &commands[i];
	if (!found) {
		char msg[128];
		snprintf(msg, sizeof msg, "unknown command '%s' (try 'help')", command);
		reply_error(&w, "UnknownCommand", msg);
		goto send;
	}
	json_w_obj_begin(&w);
	json_w_key(&w, "ok");
	json_w_bool(&w, 1);
	json_w_key(&w, "data");
	if (found->fn(&req) < 0) {
		json_w_init(&w, out, FRAME_MAX_BODY + 1);
		reply_error(&w, req.err_kind ? req.err_kind : "Failed", req.err_msg);
	} else {
		json_w_obj_end(&w);
	}
send:;
	int n = json_w_finish(&w);
	if (n < 0) {
		json_w_init(&w, out, FRAME_MAX_BODY + 1);
		reply_error(&w, "Failed", "reply too large");
		n = json_w_finish(&w);
	}
	frame_put_header(c->out, (size_t)n);
	c->out_len = FRAME_HDR_LEN + (size_t)n;
	c->out_sent = 0;
}

static void on_conn(void *ctx, int fd, uint32_t events)
{
	struct conn *c = ctx;
	(void)fd;
	if (events & EPOLLOUT) {
		conn_flush(c);
		return;
	}
	timer_arm(&c->idle, IDLE_TIMEOUT_MS, conn_idle, c);
	uint8_t *dst;
	size_t want = frame_dec_want(&c->dec, &dst);
	ssize_t n = want ? read_retry(c->fd, dst, want) : 0;
	if (n == -EAGAIN)
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	int r = frame_dec_commit(&c->dec, (size_t)n);
	if (r < 0) {
		struct json_writer w;
		json_w_init(&w, (char *)c->out + FRAME_HDR_LEN, FRAME_MAX_BODY + 1);
		reply_error(&w, "InvalidRequest", "bad frame length (want 1..65536)");
		int len = json_w_finish(&w);
		frame_put_header(c->out, (size_t)len);
		c->out_len = FRAME_HDR_LEN + (size_t)len;
		c->close_after = 1;
		conn_flush(c);
		return;
	}
	if (r == 1) {
		size_t blen;
		const uint8_t *body = frame_dec_body(&c->dec, &blen);
		handle_request(c, body, blen);
		frame_dec_next(&c->dec);
		/* one request at a time: stop reading until the reply is out */
		loop_mod_fd(c->fd, 0);
		conn_flush(c);
	}
}

static void on_accept(void *ctx, int lfd, uint32_t events)
{
	(void)ctx;
	(void)events;
	for (int budget = 16; budget > 0; budget--) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		struct ucred cred;
		socklen_t cl = sizeof cred;
		struct conn *c = NULL;
		for (int i = 0; i < CTL_MAX_CONNS && !c; i++)
			if (conns[i].fd < 0)
				c = &conns[i];
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != 0 ||
		    !c) {
			/* the socket is 0600 already; this is the second lock */
			log_warn("control: refused a client (uid %d%s)", (int)cred.uid,
				 c ? "" : ", too many connections");
			close_fd(fd);
			continue;
		}
		c->fd = fd;
		c->uid = cred.uid;
		c->out_len = c->out_sent = 0;
		c->close_after = 0;
		frame_dec_init(&c->dec);
		if (loop_add_fd(fd, EPOLLIN, on_conn, c) < 0) {
			close_fd(fd);
			c->fd = -1;
			continue;
		}
		timer_arm(&c->idle, IDLE_TIMEOUT_MS, conn_idle, c);
	}
}

static int cmd_help(struct ctl_req *req)
{
	struct json_writer *w = req->w;
	json_w_arr_begin(w);
	for (int i = 0; i < n_commands; i++) {
		json_w_obj_begin(w);
		json_w_key(w, "command");
		json_w_string(w, commands[i].name);
		json_w_key(w, "usage");
		json_w_string(w, commands[i].usage);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
	return 0;
}

int ctl_help_init(void)
{
	ctl_register("help", cmd_help, "help: the commands the daemon knows");
	return 0;
}

int ctl_init(void)
{
	for (int i = 0; i < CTL_MAX_CONNS; i++)
		conns[i].fd = -1;
	reexec_carry_fd("control", &listen_fd);
	listen_fd = reexec_take_fd("control");
	if (listen_fd >= 0) /* carried across a re-exec: still listening */
		return loop_add_fd(listen_fd, EPOLLIN, on_accept, NULL);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (run_path(sa.sun_path, sizeof sa.sun_path, "control.sock") < 0)
		return -ENAMETOOLONG;
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (listen_fd < 0)
		return -errno;
	unlink(sa.sun_path);
	/* created 0600 from the start: no window where others could connect */
	mode_t old = umask(0177);
	int r = bind(listen_fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (r < 0 || listen(listen_fd, 16) < 0) {
		int e = errno;
		log_err("control socket %s: %s", sa.sun_path, strerror(e));
		close_fd(listen_fd);
		listen_fd = -1;
		return -e;
	}
	return loop_add_fd(listen_fd, EPOLLIN, on_accept, NULL);
}

void ctl_stop(void (*done)(void))
{
	/* keep serving status during shutdown; only refuse new clients */
	if (listen_fd >= 0) {
		loop_del_fd(listen_fd);
		close_fd(listen_fd);
		listen_fd = -1;
	}
	done();
}
