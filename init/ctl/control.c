/*
 * The control socket server: a fixed table of connections, each with a
 * frame decoder and one pending reply; a request is answered in full
 * before the next one is read. Peers are checked with SO_PEERCRED (root,
 * and control.group for the verbs that only read: ctl/access.c; the
 * others are counted and told, not logged one by one). Each
 * request has a total deadline (control.request_timeout_ms) from when the
 * connection waits for it to the last byte of its reply, so a client that
 * is silent, or sends a byte now and then, loses its slot at the deadline.
 * When every slot is taken, new clients wait in the listening socket's
 * backlog (lib/listener.h) instead of being refused. Anything malformed
 * gets an error reply and the connection is closed. The verbs come from
 * the registry (ctl_register); `help` lists it.
 */
#include "ctl/control.h"
#include "ctl/access.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/frame.h"
#include "lib/listener.h"
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

#define JSON_NODES 256

struct command {
	const char *name;
	ctl_handler fn;
	const char *usage;
};

struct conn {
	int open; /* 0: a free slot (zeroed memory: slots never used stay untouched) */
	int fd;
	struct frame_decoder dec;
	/* the reply frame, and room for the JSON writer's NUL after its last byte */
	uint8_t out[CTL_REPLY_CAP];
	size_t out_len, out_sent;
	int close_after;
	struct timer deadline; /* the current request's, from its wait to its reply */
	uid_t uid;
};

static void on_client(void *ctx, int fd);
static void on_refused(void *ctx, int fd);

static struct listener lst = {.name = "control",
			      .mode = 0600,
			      .gid = (gid_t)-1,
			      .on_client = on_client,
			      .on_refused = on_refused};
static struct conn conns[CTL_MAX_CONNS] PAGE_ALIGNED;
static int n_open;
static struct command commands[CTL_MAX_VERBS];
static int n_commands;
static unsigned request_timeout_ms = CTL_REQUEST_TIMEOUT_MS;
/* counted, for the metrics; logged at 1, 2, 4 ... only */
static unsigned long refused_not_root, timed_out;

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

/* ---- replies ---- */

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

/* The writer of a reply body: after the frame's header, at most
 * FRAME_MAX_BODY bytes and its NUL, never past frame + cap. */
static void body_writer(struct json_writer *w, uint8_t *frame, size_t cap)
{
	size_t room = cap > FRAME_HDR_LEN ? cap - FRAME_HDR_LEN : 0;
	json_w_init(w, (char *)frame + FRAME_HDR_LEN,
		    room < FRAME_MAX_BODY + 1 ? room : FRAME_MAX_BODY + 1);
}

/* The header for what w wrote (or for an error when that does not fit). */
static size_t finish_frame(struct json_writer *w, uint8_t *frame, size_t cap)
{
	int n = json_w_finish(w);
	if (n < 0) {
		body_writer(w, frame, cap);
		reply_error(w, "Failed", "reply too large");
		n = json_w_finish(w);
	}
	if (n <= 0 || frame_put_header(frame, (size_t)n) < 0)
		return 0; /* cap cannot hold even the error: a caller's bug */
	return FRAME_HDR_LEN + (size_t)n;
}

static size_t error_frame(uint8_t *frame, size_t cap, const char *kind, const char *msg)
{
	struct json_writer w;
	body_writer(&w, frame, cap);
	reply_error(&w, kind, msg);
	return finish_frame(&w, frame, cap);
}

/* Run the request in body against the verbs; *close_after when the
 * request was too broken to go on with this connection. */
static void run_request(struct json_writer *w, const uint8_t *body, size_t len, uid_t uid,
			int *close_after)
{
	static struct json_node nodes[JSON_NODES] PAGE_ALIGNED;
	static struct ctl_req req PAGE_ALIGNED;
	struct json_doc doc;
	memset(&req, 0, sizeof req);
	req.uid = uid;
	req.w = w;
	char command[64] = "";
	int r = json_parse(&doc, (const char *)body, len, nodes, JSON_NODES);
	int cmd = r < 0 ? -1 : json_obj_get(&doc, 0, "command");
	int args = r < 0 ? -1 : json_obj_get(&doc, 0, "args");
	if (r < 0 || cmd < 0 || json_get_string(&doc, cmd, command, sizeof command) < 0) {
		reply_error(w, "InvalidRequest", r < 0 ? doc.err : "want {\"command\": \"...\"}");
		*close_after = 1;
		return;
	}
	if (args >= 0 && json_type_of(&doc, args) != JSON_ARRAY) {
		reply_error(w, "InvalidRequest", "args must be an array of strings");
		return;
	}
	for (int a = args >= 0 ? json_first(&doc, args) : -ENOENT; a >= 0;
	     a = json_next(&doc, args, a)) {
		if (req.argc == CTL_MAX_ARGS ||
		    json_get_string(&doc, a, req.argv[req.argc], CTL_ARG_MAX) < 0) {
			reply_error(w, "InvalidRequest", "too many, too long or non-string args");
			return;
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
		reply_error(w, "UnknownCommand", msg);
		return;
	}
	if (uid != 0 && !ctl_verb_read_only(command)) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s changes the node: root only (control.group may read)",
			 command);
		reply_error(w, "PermissionDenied", msg);
		return;
	}
	char *out = w->buf;
	size_t cap = w->cap;
	json_w_obj_begin(w);
	json_w_key(w, "ok");
	json_w_bool(w, 1);
	json_w_key(w, "data");
	if (found->fn(&req) < 0) {
		json_w_init(w, out, cap);
		reply_error(w, req.err_kind ? req.err_kind : "Failed", req.err_msg);
	} else {
		json_w_obj_end(w);
	}
}

size_t ctl_reply(const uint8_t *body, size_t len, uid_t uid, uint8_t *frame, size_t cap,
		 int *close_after)
{
	struct json_writer w;
	body_writer(&w, frame, cap);
	run_request(&w, body, len, uid, close_after);
	return finish_frame(&w, frame, cap);
}

/* ---- connections ---- */

static void conn_close(struct conn *c)
{
	timer_cancel(&c->deadline);
	loop_del_fd(c->fd);
	close_fd(c->fd);
	c->fd = -1;
	c->open = 0;
	/* the pages a request and its reply wrote: an idle PID 1 keeps none of
	 * them (up to 128 KiB a slot, 1 MiB for all) */
	table_release(c->dec.buf, sizeof c->dec.buf);
	table_release(c->out, sizeof c->out);
	if (n_open-- == CTL_MAX_CONNS)
		listener_pause(&lst, 0); /* a slot is free: take the next client waiting */
}

static void conn_timed_out(void *ctx)
{
	struct conn *c = ctx;
	if (log_at_count(++timed_out))
		log_notice("control: a client did not complete its request within %u ms; "
			   "closed (%lu so far)",
			   request_timeout_ms, timed_out);
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
	/* the next request gets a deadline of its own */
	timer_arm(&c->deadline, request_timeout_ms, conn_timed_out, c);
	loop_mod_fd(c->fd, EPOLLIN);
}

static void on_conn(void *ctx, int fd, uint32_t events)
{
	struct conn *c = ctx;
	(void)fd;
	if (events & EPOLLOUT) {
		conn_flush(c);
		return;
	}
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
		c->out_len = error_frame(c->out, sizeof c->out, "InvalidRequest",
					 "bad frame length (want 1..65536)");
		c->close_after = 1;
		conn_flush(c);
		return;
	}
	if (r == 1) {
		size_t blen;
		const uint8_t *body = frame_dec_body(&c->dec, &blen);
		c->out_len = ctl_reply(body, blen, c->uid, c->out, sizeof c->out, &c->close_after);
		c->out_sent = 0;
		frame_dec_next(&c->dec);
		/* one request at a time: stop reading until the reply is out */
		loop_mod_fd(c->fd, 0);
		conn_flush(c);
	}
}

/* A refusal the client can read: one short frame, never blocking. */
static void send_refusal(int fd, const char *kind, const char *msg)
{
	uint8_t frame[512];
	size_t n = error_frame(frame, sizeof frame, kind, msg);
	if (n)
		(void)!send(fd, frame, n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void on_refused(void *ctx, int fd)
{
	(void)ctx;
	send_refusal(fd, "Unavailable", "pact-init is out of file descriptors; try again");
}

static void on_client(void *ctx, int fd)
{
	(void)ctx;
	struct ucred cred = {.uid = (uid_t)-1};
	socklen_t cl = sizeof cred;
	struct conn *c = NULL;
	for (int i = 0; i < CTL_MAX_CONNS && !c; i++)
		if (!conns[i].open)
			c = &conns[i];
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
	    ctl_access_peer(&cred) == CTL_PEER_REFUSED) {
		/* the socket is 0600 (0660 to control.group) already; this is
		 * the second lock */
		if (log_at_count(++refused_not_root))
			log_warn("control: refused a client of uid %d: root only (%lu so far)",
				 (int)cred.uid, refused_not_root);
		send_refusal(fd, "PermissionDenied", "the control socket is root's");
		close_fd(fd);
		return;
	}
	if (!c) { /* cannot happen: the listener pauses while the table is full */
		send_refusal(fd, "Unavailable", "too many control clients; try again");
		close_fd(fd);
		return;
	}
	c->fd = fd;
	c->open = 1;
	c->uid = cred.uid;
	c->out_len = c->out_sent = 0;
	c->close_after = 0;
	frame_dec_init(&c->dec);
	if (loop_add_fd(fd, EPOLLIN, on_conn, c) < 0) {
		close_fd(fd);
		c->fd = -1;
		c->open = 0;
		return;
	}
	timer_arm(&c->deadline, request_timeout_ms, conn_timed_out, c);
	if (++n_open == CTL_MAX_CONNS)
		listener_pause(&lst, 1); /* the next clients wait in the backlog */
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

void ctl_counters(struct ctl_counters *c)
{
	c->refused_not_root = refused_not_root;
	c->refused_no_fds = lst.refused;
	c->timed_out = timed_out;
}

static int conf_control(const char *key, const char *value, char *err, size_t errlen)
{
	unsigned long long v;
	int r = ctl_access_conf(key, value, err, errlen);
	if (r != -ENOENT)
		return r;
	if (strcmp(key, "control.request_timeout_ms") == 0) {
		if (parse_u64(value, &v) < 0 || v < 100 || v > 600000)
			return snprintf(err, errlen, "want milliseconds (100..600000)"), -EINVAL;
		request_timeout_ms = (unsigned)v;
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

void ctl_register_config(void)
{
	config_register_keys("control.", conf_control);
}

int ctl_init(void)
{
	if (run_path(lst.path, sizeof lst.path, "control.sock") < 0)
		return -ENAMETOOLONG;
	ctl_access_socket(&lst);
	reexec_carry_fd("control", &lst.fd);
	/* a carried socket still listens, its waiting clients in its backlog */
	return listener_open(&lst, reexec_take_fd("control"));
}

void ctl_stop(void (*done)(void))
{
	/* keep serving status during shutdown; only refuse new clients */
	listener_close(&lst, 0);
	done();
}
