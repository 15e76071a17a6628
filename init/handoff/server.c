/*
 * The handoff server's sockets and connections (see server.h):
 * the listening socket (mode 0600, or 0660 with handoff.group), peer
 * credentials on accept, a fixed table of connections each with its frame
 * decoder and bounded outgoing queue, timeouts for silent and half-sent
 * frames, the queue of messages received before readiness, the bounds on
 * what one peer uid holds, and the init.conf keys handoff.*. When the
 * table is full, the connection idle longest that made no live allocation
 * makes room; a uid at its own bound makes room among its own. Nothing
 * here blocks: every socket is non-blocking and every table is fixed.
 */
#include "handoff/server.h"
#include "handoff/alloc.h"
#include "node/boot.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/frame.h"
#include "lib/listener.h"
#include "proto/handoff_io.h"
#include "proto/handoff_msg.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/ratelimit.h"
#include "lib/table.h"
#include "node/reexec.h"
#include "os/userdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct hconn {
	int used;
	int fd;
	unsigned gen;
	uid_t uid;
	int spoke;	      /* sent a valid message: may idle (no silence bound) */
	int denied;	      /* PermissionDenied sent: discard what it sends until it closes */
	int closing;	      /* close once the queue is flushed */
	uint64_t last_ms;     /* accepted, or its last valid message */
	uint32_t ev;	      /* the epoll events registered */
	struct timer silence; /* bounds the first frame and every partial frame */
	struct handoff_outq q;
	struct frame_decoder dec;
};

struct queued {
	struct handoff_ref ref;
	uid_t uid;
	struct pact_handoff_msg m;
};

/* page-aligned: no child reads it, so none gets a copy (table_not_inherited) */
static struct hconn conns[HANDOFF_CONNS_CAP] PAGE_ALIGNED;
static struct queued queue[HANDOFF_QUEUE_MAX] PAGE_ALIGNED;
static int n_queued;
static void accept_one(void *ctx, int fd);
static void refuse_no_fds(void *ctx, int fd);
static struct listener lst = {.name = "handoff",
			      .mode = 0600,
			      .gid = (gid_t)-1,
			      .on_client = accept_one,
			      .on_refused = refuse_no_fds};

/* init.conf */
static char conf_group[64];
static uid_t conf_uids[HANDOFF_MAX_UIDS];
static int n_conf_uids;
static unsigned conf_frame_timeout_ms = HANDOFF_SILENT_MS;
static int conf_max_clients = HANDOFF_DEF_CLIENTS;
static int conf_per_uid = HANDOFF_DEF_PER_UID;
static int conf_allocs_per_uid = HANDOFF_DEF_ALLOCS;
static unsigned long refused_full; /* counted; logged at 1, 2, 4 ... */

/* "handoff.max_...": a number within lo..hi into *dst. */
static int conf_bound(const char *value, int lo, int hi, int *dst, char *err, size_t errlen)
{
	unsigned long long v;
	if (parse_u64(value, &v) < 0 || v < (unsigned long long)lo || v > (unsigned long long)hi)
		return snprintf(err, errlen, "want a number %d..%d", lo, hi), -EINVAL;
	*dst = (int)v;
	return 0;
}

static int conf_handoff(const char *key, const char *value, char *err, size_t errlen)
{
	unsigned long long v;
	if (strcmp(key, "handoff.group") == 0) {
		if (strlen(value) >= sizeof conf_group)
			return snprintf(err, errlen, "group name too long"), -EINVAL;
		snprintf(conf_group, sizeof conf_group, "%s", value);
		return 0;
	}
	if (strcmp(key, "handoff.uids") == 0) {
		char buf[512];
		snprintf(buf, sizeof buf, "%s", value);
		n_conf_uids = 0;
		for (char *save, *w = strtok_r(buf, " \t,", &save); w;
		     w = strtok_r(NULL, " \t,", &save)) {
			if (n_conf_uids == HANDOFF_MAX_UIDS || parse_u64(w, &v) < 0 ||
			    v >= 0xffffffffull)
				return snprintf(err, errlen, "want up to %d numeric uids",
						HANDOFF_MAX_UIDS),
				       -EINVAL;
			conf_uids[n_conf_uids++] = (uid_t)v;
		}
		return 0;
	}
	if (strcmp(key, "handoff.cgroup_template") == 0)
		return alloc_set_cgroup_template(value, err, errlen);
	if (strcmp(key, "handoff.cgroup_wait_s") == 0)
		return alloc_set_cgroup_wait(value, err, errlen);
	if (strcmp(key, "handoff.max_clients") == 0)
		return conf_bound(value, 1, HANDOFF_CONNS_CAP, &conf_max_clients, err, errlen);
	if (strcmp(key, "handoff.max_clients_per_uid") == 0)
		return conf_bound(value, 1, HANDOFF_CONNS_CAP, &conf_per_uid, err, errlen);
	if (strcmp(key, "handoff.max_allocations_per_uid") == 0)
		return conf_bound(value, 1, ALLOC_MAX, &conf_allocs_per_uid, err, errlen);
	if (strcmp(key, "handoff.frame_timeout_ms") == 0) {
		if (parse_u64(value, &v) < 0 || v < 100 || v > 600000)
			return snprintf(err, errlen, "want milliseconds (100..600000)"), -EINVAL;
		conf_frame_timeout_ms = (unsigned)v;
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

void handoff_register_config(void)
{
	config_register_keys("handoff.", conf_handoff);
}

int handoff_client_count(void)
{
	int n = 0;
	for (int i = 0; i < conf_max_clients; i++)
		n += conns[i].used;
	return n;
}

static int uid_allowed(uid_t uid)
{
	if (uid == 0)
		return 1;
	for (int i = 0; i < n_conf_uids; i++)
		if (conf_uids[i] == uid)
			return 1;
	return 0;
}

/* ---- connections ---- */

static void conn_close(struct hconn *c)
{
	if (!c->used)
		return;
	loop_del_fd(c->fd);
	close_fd(c->fd);
	c->fd = -1;
	handoff_outq_clear(&c->q);
	timer_cancel(&c->silence);
	/* the pages its frames wrote: after a job's start, not one per rank */
	table_release(c->q.buf, sizeof c->q.buf);
	table_release(c->dec.buf, sizeof c->dec.buf);
	c->used = 0;
	c->gen++;
}

static void conn_events(struct hconn *c)
{
	uint32_t ev = c->closing ? 0 : EPOLLIN;
	if (handoff_outq_pending(&c->q))
		ev |= EPOLLOUT;
	if (ev != c->ev && loop_mod_fd(c->fd, ev) == 0)
		c->ev = ev;
}

static void conn_flush(struct hconn *c)
{
	int r = handoff_outq_flush(&c->q, c->fd);
	if (r < 0) {
		log_debug("handoff: client %d: send: %s; dropped", c->fd, strerror(-r));
		conn_close(c);
		return;
	}
	if (r == 0 && c->closing) {
		conn_close(c);
		return;
	}
	conn_events(c);
}

/* Queue m with fds (always consumed) and start sending. */
static void conn_send(struct hconn *c, const struct pact_handoff_msg *m, int *fds, unsigned nfds)
{
	int r = handoff_outq_push_msg(&c->q, m, fds, nfds);
	if (r < 0) {
		for (unsigned i = 0; i < nfds; i++)
			close_fd(fds[i]);
		if (r == -ENOBUFS)
			log_warn("handoff: client (uid %u) does not read its replies; dropped",
				 (unsigned)c->uid);
		else
			log_err("handoff: encoding a reply: %s", strerror(-r));
		conn_close(c);
		return;
	}
	conn_flush(c);
}

static void conn_error(struct hconn *c, const char *id, enum pact_handoff_err kind,
		       const char *reason)
{
	struct pact_handoff_msg m;
	handoff_msg_error(&m, id, kind, reason);
	conn_send(c, &m, NULL, 0);
}

/* The port of the allocation table (alloc.h): replies and pushes go out here. */
static void reply(void *ctx, struct handoff_ref ref, const struct pact_handoff_msg *m, int *fds,
		  unsigned nfds)
{
	(void)ctx;
	struct hconn *c = ref.idx >= 0 && ref.idx < conf_max_clients ? &conns[ref.idx] : NULL;
	if (!c || !c->used || c->gen != ref.gen || c->closing) {
		for (unsigned i = 0; i < nfds; i++)
			close_fd(fds[i]);
		return;
	}
	conn_send(c, m, fds, nfds);
}

static void push_ended(void *ctx, const char *allocation_id)
{
	(void)ctx;
	struct pact_handoff_msg m;
	handoff_msg_ended(&m, allocation_id);
	for (int i = 0; i < conf_max_clients; i++)
		if (conns[i].used && !conns[i].closing && !conns[i].denied)
			conn_send(&conns[i], &m, NULL, 0);
}

static struct handoff_ref ref_of(const struct hconn *c)
{
	struct handoff_ref r = {(int)(c - conns), c->gen, c->uid};
	return r;
}

/* ---- readiness ---- */

/* Handle m (the node is ready): a request for a new allocation first
 * passes the bound on what its uid holds. */
static void handle_now(struct handoff_ref ref, uid_t uid, const struct pact_handoff_msg *m)
{
	if (m->type == PACT_MSG_NAMESPACE_REQUEST && !alloc_is_live(m->allocation_id)) {
		int held = alloc_made_by_uid(uid);
		if (held >= conf_allocs_per_uid) {
			char why[160];
			snprintf(why, sizeof why,
				 "uid %u holds %d live allocations, its bound "
				 "(handoff.max_allocations_per_uid)",
				 (unsigned)uid, held);
			struct pact_handoff_msg e;
			handoff_msg_error(&e, m->allocation_id, PACT_ERR_CREATION_FAILED, why);
			reply(NULL, ref, &e, NULL, 0);
			return;
		}
	}
	alloc_handle(ref, m);
}

static void dispatch(struct hconn *c, const struct pact_handoff_msg *m)
{
	if (boot_has_failed()) {
		conn_error(c, m->allocation_id, PACT_ERR_BOOT_FAILED, boot_failure());
		return;
	}
	if (!boot_is_ready()) {
		if (n_queued == HANDOFF_QUEUE_MAX) {
			conn_error(c, m->allocation_id, PACT_ERR_NOT_READY,
				   "the node is not ready and the queue is full");
			return;
		}
		queue[n_queued].ref = ref_of(c);
		queue[n_queued].uid = c->uid;
		queue[n_queued].m = *m;
		n_queued++;
		return;
	}
	handle_now(ref_of(c), c->uid, m);
}

/* Is the connection ref names still there to answer? */
static int ref_open(struct handoff_ref ref)
{
	const struct hconn *c = ref.idx >= 0 && ref.idx < conf_max_clients ? &conns[ref.idx] : NULL;
	return c && c->used && c->gen == ref.gen && !c->closing;
}

void handoff_on_boot(void)
{
	if (!n_queued || (!boot_is_ready() && !boot_has_failed()))
		return;
	int n = n_queued, gone = 0;
	n_queued = 0;
	for (int i = 0; i < n; i++)
		gone += !ref_open(queue[i].ref);
	log_info("handoff: answering %d message(s) queued before readiness (%d more from "
		 "clients gone meanwhile: dropped)",
		 n - gone, gone);
	for (int i = 0; i < n; i++) {
		struct queued *q = &queue[i];
		/* a client that left asks for nothing: no allocation nobody would end */
		if (!ref_open(q->ref))
			continue;
		if (boot_is_ready()) {
			handle_now(q->ref, q->uid, &q->m);
		} else {
			struct pact_handoff_msg e;
			handoff_msg_error(&e, q->m.allocation_id, PACT_ERR_BOOT_FAILED,
					  boot_failure());
			reply(NULL, q->ref, &e, NULL, 0);
		}
	}
}

/* ---- reading ---- */

static void handle_frame(struct hconn *c, const uint8_t *body, size_t len)
{
	struct pact_handoff_msg m;
	char why[256];
	if (handoff_msg_parse(body, len, &m, why, sizeof why) < 0) {
		conn_error(c, m.has_allocation_id ? m.allocation_id : NULL,
			   PACT_ERR_INVALID_REQUEST, why);
		return;
	}
	if (m.type != PACT_MSG_NAMESPACE_REQUEST && m.type != PACT_MSG_ALLOCATION_ENDED) {
		conn_error(c, m.allocation_id, PACT_ERR_INVALID_REQUEST,
			   "a client sends NamespaceRequest or AllocationEnded");
		return;
	}
	c->spoke = 1;
	c->last_ms = now_ms();
	dispatch(c, &m);
}

static void on_silence(void *ctx)
{
	struct hconn *c = ctx;
	log_debug("handoff: client %d silent or stalled mid-frame; closed", c->fd);
	conn_close(c);
}

/* A refused client's bytes are read and dropped until it closes. */
static void conn_discard(struct hconn *c)
{
	uint8_t buf[4096];
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
	}
}

static void conn_read(struct hconn *c)
{
	unsigned gen = c->gen;
	if (c->denied) {
		conn_discard(c);
		return;
	}
	for (int frames = 0; frames < HANDOFF_FRAMES_PER_IO;) {
		uint8_t *dst;
		size_t want = frame_dec_want(&c->dec, &dst);
		if (want == 0)
			break; /* cannot happen: complete frames are consumed below */
		ssize_t n = recv(c->fd, dst, want, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		int r = frame_dec_commit(&c->dec, (size_t)n);
		if (r < 0) {
			/* the stream cannot be resynchronised: answer, then close */
			conn_error(c, NULL, PACT_ERR_INVALID_REQUEST,
				   "frame length must be 1..65536");
			if (c->used && c->gen == gen) {
				c->closing = 1;
				conn_flush(c);
			}
			return;
		}
		if (r == 1) {
			size_t len;
			const uint8_t *body = frame_dec_body(&c->dec, &len);
			handle_frame(c, body, len);
			if (!c->used || c->gen != gen)
				return;
			frame_dec_next(&c->dec);
			frames++;
		}
	}
	/* a frame must not take longer than the bound from its first byte */
	if (frame_dec_partial(&c->dec)) {
		if (!timer_armed(&c->silence))
			timer_arm(&c->silence, conf_frame_timeout_ms, on_silence, c);
	} else if (c->spoke) {
		timer_cancel(&c->silence);
	}
}

static void on_conn(void *ctx, int fd, uint32_t events)
{
	struct hconn *c = ctx;
	if (!c->used || c->fd != fd)
		return;
	unsigned gen = c->gen;
	if (events & EPOLLOUT)
		conn_flush(c);
	if (!c->used || c->gen != gen)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (c->closing) {
			if (events & (EPOLLHUP | EPOLLERR))
				conn_close(c);
			return;
		}
		conn_read(c);
	}
}

/* ---- accepting ---- */

static void send_once(int fd, const char *id, enum pact_handoff_err kind, const char *reason)
{
	struct pact_handoff_msg m;
	uint8_t buf[PACT_HANDOFF_REASON_MAX + 512];
	handoff_msg_error(&m, id, kind, reason);
	ssize_t n = handoff_msg_frame(&m, buf, sizeof buf);
	if (n > 0)
		(void)!send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * A slot for a new client of uid: a free one, else the slot of the
 * connection idle longest that made no live allocation (among uid's own
 * when uid is at its bound; it is closed). NULL, with *why, when no
 * connection may make room. The allocations are counted only when a
 * connection must go: a job's ranks connecting at once pay one pass each.
 */
static struct hconn *take_slot(uid_t uid, const char **why)
{
	struct hconn *free_slot = NULL, *idlest = NULL, *my_idlest = NULL;
	int mine = 0;
	for (int i = 0; i < conf_max_clients; i++) {
		if (!conns[i].used)
			free_slot = free_slot ? free_slot : &conns[i];
		else
			mine += conns[i].uid == uid;
	}
	int at_bound = mine >= conf_per_uid;
	if (free_slot && !at_bound)
		return free_slot;
	for (int i = 0; i < conf_max_clients; i++) {
		struct hconn *c = &conns[i];
		if (!c->used || alloc_made_through(ref_of(c)) > 0)
			continue; /* free, or it made live allocations: it stays */
		if (!idlest || c->last_ms < idlest->last_ms)
			idlest = c;
		if (c->uid == uid && (!my_idlest || c->last_ms < my_idlest->last_ms))
			my_idlest = c;
	}
	struct hconn *victim = at_bound ? my_idlest : idlest;
	if (!victim) {
		*why = at_bound ? "too many connections of this uid "
				  "(handoff.max_clients_per_uid); try again"
				: "too many connections, each with live allocations; try again";
		return NULL;
	}
	log_debug("handoff: full; closing the client of uid %u idle for %llu ms",
		  (unsigned)victim->uid, (unsigned long long)elapsed(victim->last_ms, now_ms()));
	conn_close(victim);
	return victim;
}

static void accept_one(void *ctx, int fd)
{
	(void)ctx;
	struct ucred cr;
	socklen_t crl = sizeof cr;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0) {
		close_fd(fd);
		return;
	}
	int denied = !uid_allowed(cr.uid);
	static struct ratelimit denied_rl; /* anyone who reaches the socket may try */
	if (denied)
		log_limited(&denied_rl, 1, 10, LOG_NOTICE,
			    "handoff: uid %u (pid %d) is not allowed", (unsigned)cr.uid,
			    (int)cr.pid);
	const char *why = NULL;
	struct hconn *c = take_slot(cr.uid, &why);
	if (!c) {
		if (log_at_count(++refused_full))
			log_warn("handoff: refused a client of uid %u: %s (%lu so far)",
				 (unsigned)cr.uid, why, refused_full);
		send_once(fd, NULL, PACT_ERR_SOCKET_UNAVAILABLE, why);
		close_fd(fd);
		return;
	}
	c->fd = fd;
	c->uid = cr.uid;
	c->spoke = c->closing = 0;
	c->denied = denied;
	c->last_ms = now_ms();
	frame_dec_init(&c->dec);
	handoff_outq_init(&c->q);
	c->silence.deadline_ms = 0;
	c->ev = EPOLLIN;
	if (loop_add_fd(fd, EPOLLIN, on_conn, c) < 0) {
		close_fd(fd);
		c->fd = -1;
		return;
	}
	c->used = 1;
	timer_arm(&c->silence, conf_frame_timeout_ms, on_silence, c);
	/*
	 * Refused: the Error goes out now, but the connection stays until the
	 * client closes it (or the silence bound): closing at once with its
	 * request unread would reset the connection and lose the Error.
	 */
	if (denied)
		conn_error(c, NULL, PACT_ERR_PERMISSION_DENIED, "uid is not allowed to hand off");
}

/* out of fds: the listener took this client with its reserve fd */
static void refuse_no_fds(void *ctx, int fd)
{
	(void)ctx;
	send_once(fd, NULL, PACT_ERR_SOCKET_UNAVAILABLE, "out of file descriptors");
}

/* ---- setup ---- */

/*
 * <run>/uenv as a shared mount point: holders' mount namespaces are slaves
 * of it (nsholder makes everything MS_SLAVE), so a uenv mounted or
 * force-unmounted there later propagates into every live holder.
 */
static void share_uenv_base(void)
{
	char p[PATH_MAX];
	if (run_path(p, sizeof p, "uenv") < 0 || mkdir_p(p, 0755) < 0)
		return;
	if (mount(NULL, p, NULL, MS_SHARED, NULL) == 0)
		return; /* already a mount point (a restart) */
	if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, p, NULL, MS_SHARED, NULL) < 0)
		log_warn("handoff: cannot make %s a shared mount: %s; uenv mounts made after "
			 "an allocation's creation will not show in it",
			 p, strerror(errno));
}

void handoff_stop(void (*done)(void))
{
	for (int i = 0; i < conf_max_clients; i++)
		conn_close(&conns[i]);
	listener_close(&lst, 1);
	done();
}

/* handoff.group: its gid, given the socket with mode 0660; else 0600 root's. */
static void socket_access(void)
{
	if (!conf_group[0])
		return;
	struct userdb_cred cred;
	char err[256];
	if (userdb_resolve(NULL, "0", conf_group, &cred, err, sizeof err) < 0) {
		log_err("handoff: handoff.group %s: %s; the socket stays root-only", conf_group,
			err);
		conf_group[0] = '\0';
		return;
	}
	lst.gid = cred.gid;
	lst.mode = 0660;
}

int handoff_init(void)
{
	/* conns[] is free by `used` == 0 as it starts: touching its 80 KiB
	 * slots here would cost a page of RSS each, for nothing */
	static const struct alloc_port port = {reply, push_ended, NULL};
	alloc_init(&port);
	table_not_inherited(conns, sizeof conns);
	share_uenv_base();
	if (run_path(lst.path, sizeof lst.path, "handoff.sock") < 0)
		return -ENAMETOOLONG;
	socket_access();
	reexec_carry_fd("handoff", &lst.fd);
	/* carried across a re-exec: still listening, clients queued in its backlog */
	int r = listener_open(&lst, reexec_take_fd("handoff"));
	if (r < 0)
		return r;
	log_info("handoff: listening on %s", lst.path);
	return 0;
}
