/*
 * The allocation table of the handoff server (see alloc.h): creating an
 * allocation's namespaces without blocking the loop, answering repeated
 * requests with new fds to the same namespaces, and releasing it (holder
 * killed, scope removed, mount reference dropped) on AllocationEnded, when
 * its workload cgroup empties (WI5, watched by os/cgroup_watch.c) or when
 * its holder dies. Names and paths are alloc_paths.c's; the table across a
 * live re-exec, alloc_reexec.c's.
 */
#include "handoff/alloc_int.h"
#include "os/cgroup.h"
#include "os/cgroup_watch.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "proto/handoff_msg.h"
#include "node/hardware.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/ratelimit.h"
#include "lib/table.h"
#include "lib/utf8.h"
#include "os/netconf.h"
#include "os/nsholder.h"
#include "node/uenv_node.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* page-aligned: no child reads it, so none gets a copy (table_not_inherited) */
static struct alloc table[ALLOC_MAX] PAGE_ALIGNED;
/* slots ever taken are [0, slots_used): the loops stop there, so the rest
 * of the table stays memory PID 1 never touches (256 slots of 4 KiB) */
static int slots_used;
static int self_netns = -1;
static struct alloc_port port;

struct alloc *alloc__at(int i)
{
	return i >= 0 && i < ALLOC_MAX ? &table[i] : NULL;
}

struct alloc *alloc__take_free(void)
{
	for (int i = 0; i < ALLOC_MAX; i++)
		if (table[i].state == ALLOC_FREE) {
			if (i >= slots_used)
				slots_used = i + 1;
			return &table[i];
		}
	return NULL;
}

static void cgroup_emptied(void *ctx, const char *why)
{
	alloc__release(ctx, why, 1);
}

/* The workload manager never put a process in the allocation's cgroup
 * (it died, or forgot): the namespaces would be pinned for good. */
static void cgroup_never_came(void *ctx)
{
	struct alloc *a = ctx;
	if (a->state != ALLOC_LIVE || a->watch.seen_populated)
		return;
	char why[CG_PATH_MAX + 96];
	snprintf(why, sizeof why, "its workload cgroup %s had no process within %u s",
		 a->watch.path, alloc__cgroup_wait_s());
	alloc__release(a, why, 1);
}

int alloc__watch(struct alloc *a)
{
	a->watch.on_empty = cgroup_emptied;
	a->watch.ctx = a;
	if (!a->watch.seen_populated)
		timer_arm(&a->cgroup_wait, (uint64_t)alloc__cgroup_wait_s() * 1000,
			  cgroup_never_came, a);
	return cg_watch_add(&a->watch);
}

static const char *state_name(enum alloc_state s)
{
	switch (s) {
	case ALLOC_FREE:
		return "free";
	case ALLOC_MOUNTING:
		return "mounting";
	case ALLOC_STARTING:
		return "starting";
	case ALLOC_LIVE:
		return "live";
	case ALLOC_RELEASING:
		return "releasing";
	}
	return "?";
}

/* ---- replies ---- */

static void reply_error(struct handoff_ref ref, const char *id, enum pact_handoff_err kind,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void reply_error(struct handoff_ref ref, const char *id, enum pact_handoff_err kind,
			const char *fmt, ...)
{
	struct pact_handoff_msg m;
	char why[PACT_HANDOFF_REASON_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	utf8_vfmt(why, sizeof why, fmt, ap);
	va_end(ap);
	handoff_msg_error(&m, id, kind, why);
	port.reply(port.ctx, ref, &m, NULL, 0);
}

static void reply_ended(struct handoff_ref ref, const char *id)
{
	struct pact_handoff_msg m;
	handoff_msg_ended(&m, id);
	port.reply(port.ctx, ref, &m, NULL, 0);
}

/* Answer one request of a live allocation: new fds, in the request's order. */
static void reply_live(struct alloc *a, struct handoff_ref ref, const enum pact_ns_type *ns,
		       unsigned n)
{
	int fds[PACT_NS_COUNT] = {-1, -1, -1};
	for (unsigned i = 0; i < n; i++) {
		unsigned j = 0;
		while (j < a->n_ns && a->ns[j] != ns[i])
			j++;
		if (j == a->n_ns) {
			for (unsigned k = 0; k < i; k++)
				close_fd(fds[k]);
			reply_error(ref, a->id, PACT_ERR_INVALID_REQUEST,
				    "allocation %s is live without a %s namespace", a->id,
				    pact_ns_type_name(ns[i]));
			return;
		}
		fds[i] = nsholder_dup_ns(&a->h, j);
		if (fds[i] < 0) {
			int e = -fds[i];
			for (unsigned k = 0; k < i; k++)
				close_fd(fds[k]);
			reply_error(ref, a->id, PACT_ERR_FD_PASSING, "dup of the %s fd: %s",
				    pact_ns_type_name(ns[i]), strerror(e));
			return;
		}
	}
	struct pact_handoff_msg m;
	memset(&m, 0, offsetof(struct pact_handoff_msg, uenv));
	m.type = PACT_MSG_NAMESPACE_RESPONSE;
	m.has_allocation_id = 1;
	snprintf(m.allocation_id, sizeof m.allocation_id, "%s", a->id);
	m.n_ns = n;
	memcpy(m.ns, ns, n * sizeof ns[0]);
	m.has_uenv = a->has_handle;
	m.uenv[0] = '\0';
	if (a->has_handle)
		snprintf(m.uenv, sizeof m.uenv, "%s", a->uh.mount_point);
	m.reason[0] = '\0';
	port.reply(port.ctx, ref, &m, fds, n);
}

/* ---- release ---- */

static void free_slot(struct alloc *a)
{
	if (a->has_scope) {
		int r = cg_scope_remove(a->scope.path);
		if (r < 0)
			log_warn("handoff: %s: remove holder scope %s: %s", a->id, a->scope.path,
				 strerror(-r));
		cg_scope_close(&a->scope);
	}
	timer_cancel(&a->create_timer);
	a->state = ALLOC_FREE;
	a->has_scope = 0;
	a->id[0] = '\0';
}

static void maybe_free(struct alloc *a)
{
	if (a->state == ALLOC_RELEASING && (!a->started || a->reaped))
		free_slot(a);
}

/* Tear down whatever exists; the slot is freed once the holder is reaped. */
static void teardown(struct alloc *a)
{
	a->state = ALLOC_RELEASING;
	timer_cancel(&a->create_timer);
	timer_cancel(&a->cgroup_wait);
	cg_watch_remove(&a->watch);
	if (a->h.sync_fd >= 0)
		loop_del_fd(a->h.sync_fd);
	nsholder_close_ns(&a->h); /* before the kill: the holder's exit tears them down */
	if (a->started && !a->reaped) {
		/* the scope holds only the holder: its cgroup.kill is the holder's death */
		if (a->has_scope && cg_kill(a->scope.path) < 0)
			log_warn("handoff: %s: cgroup.kill %s failed; killing the holder directly",
				 a->id, a->scope.path);
		(void)nsholder_kill(&a->h);
	}
	nsholder_release(&a->h);
	if (a->has_handle) {
		int r = uenv_release(&node_uenv, &a->uh);
		if (r < 0 && r != -ESTALE)
			log_err("handoff: %s: release of %s: %s", a->id, a->uh.image_path,
				strerror(-r));
		a->has_handle = 0;
	}
	maybe_free(a);
}

/* Release a live allocation; push = it was our decision (WI5, holder died). */
void alloc__release(struct alloc *a, const char *why, int push)
{
	char id[sizeof a->id];
	memcpy(id, a->id, sizeof id);
	if (push)
		log_info("handoff: releasing %s (%s)", id, why);
	else
		log_debug("handoff: releasing %s (%s)", id, why);
	teardown(a);
	if (push)
		port.push_ended(port.ctx, id);
}

/*
 * A creation that failed, logged once and rate-limited: a client may ask
 * for a bad image as often as it likes, and must not fill the kernel log
 * with it. Its own mistakes are warnings; the node's failures errors.
 */
#define FAIL_LOG_RATE  1 /* lines a second after the burst */
#define FAIL_LOG_BURST 10

static void log_failure(const char *id, enum pact_handoff_err kind, const char *why)
{
	static struct ratelimit rl;
	int clients = kind == PACT_ERR_INVALID_REQUEST || kind == PACT_ERR_PERMISSION_DENIED;
	log_limited(&rl, FAIL_LOG_RATE, FAIL_LOG_BURST, clients ? LOG_WARNING : LOG_ERR,
		    "handoff: %s: %s", id, why);
}

/* Creation failed: everyone waiting hears why, then the pieces go. */
static void fail(struct alloc *a, enum pact_handoff_err kind, const char *why)
{
	log_failure(a->id, kind, why);
	for (unsigned i = 0; i < a->nw; i++)
		reply_error(a->w[i].ref, a->id, kind, "%s", why);
	for (unsigned i = 0; i < a->nend; i++)
		reply_error(a->endw[i], a->id, PACT_ERR_ALLOCATION_NOT_FOUND,
			    "no live allocation %s (its creation failed)", a->id);
	a->nw = a->nend = 0;
	teardown(a);
}

/* ---- creation ---- */

/* The holder's net namespace gets lo up: a short visit of PID 1 to it. */
static int net_hook(void *ctx, const struct nsholder *h, int netns_fd)
{
	(void)ctx;
	(void)h;
	char err[NET_ERR_MAX] = "";
	if (self_netns < 0)
		return -EBADF;
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return -errno;
	int r = net_lo_up(err, sizeof err);
	if (setns(self_netns, CLONE_NEWNET) < 0)
		log_err("handoff: cannot return to our network namespace: %s", strerror(errno));
	if (r < 0)
		log_err("handoff: lo up in a new network namespace: %s", err);
	return r;
}

static const struct nsholder_config holder_cfg_base = {
    .proc_root = NULL,
    .cgroup_fd = -1,
    .net_setup = net_hook,
    .net_ctx = NULL,
    .ready_timeout_ms = ALLOC_CREATE_TIMEOUT_MS,
};

static void answer_waiters(struct alloc *a)
{
	unsigned nw = a->nw;
	a->nw = 0;
	for (unsigned i = 0; i < nw; i++)
		reply_live(a, a->w[i].ref, a->w[i].ns, a->w[i].n_ns);
	if (a->nend) {
		unsigned ne = a->nend;
		struct handoff_ref endw[ALLOC_WAITERS];
		memcpy(endw, a->endw, sizeof endw);
		char id[sizeof a->id];
		memcpy(id, a->id, sizeof id);
		a->nend = 0;
		alloc__release(a, "AllocationEnded", 0);
		for (unsigned i = 0; i < ne; i++)
			reply_ended(endw[i], id);
	}
}

static void on_sync(void *ctx, int fd, uint32_t events)
{
	struct alloc *a = ctx;
	(void)events;
	loop_del_fd(fd);
	if (a->state != ALLOC_STARTING)
		return;
	timer_cancel(&a->create_timer);
	int r = nsholder_complete(&a->h, &holder_cfg_base, 100);
	if (r < 0) {
		char why[256];
		snprintf(why, sizeof why, "namespace holder setup failed: %s", strerror(-r));
		fail(a, PACT_ERR_CREATION_FAILED, why);
		return;
	}
	for (unsigned i = 0; i < a->n_ns; i++) {
		struct stat st;
		a->ino[i] = fstat(a->h.fds[i], &st) == 0 ? (unsigned long long)st.st_ino : 0;
	}
	a->state = ALLOC_LIVE;
	log_debug("handoff: %s live (holder %d)", a->id, (int)a->h.pid);
	answer_waiters(a);
	if (a->state == ALLOC_LIVE) {
		alloc__watch(a);
		cg_watch_check(&a->watch);
	}
}

static void on_create_timeout(void *ctx)
{
	struct alloc *a = ctx;
	if (a->state == ALLOC_STARTING)
		fail(a, PACT_ERR_CREATION_FAILED, "namespace holder setup timed out");
}

void alloc__on_reap(void *ctx, pid_t pid, int status)
{
	struct alloc *a = ctx;
	(void)pid;
	(void)status;
	a->reaped = 1;
	a->h.pid = 0;
	if (a->state == ALLOC_LIVE)
		alloc__release(a, "its holder died", 1);
	else
		maybe_free(a); /* STARTING: on_sync sees the hang-up and fails it */
}

/* "nsholder-<id>", shortened with a hash for ids that do not fit a scope name. */
static void scope_base(const char *id, char *out, size_t cap)
{
	if (strlen(id) <= 80) {
		snprintf(out, cap, "nsholder-%.80s", id);
		return;
	}
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *s = id; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	snprintf(out, cap, "nsholder-%.60s-%016llx", id, (unsigned long long)h);
}

static void start_holder(struct alloc *a)
{
	char base[CG_NAME_MAX + 1];
	unsigned gen = 0;
	scope_base(a->id, base, sizeof base);
	int r = cg_create_scope_fresh(&node_cg, PACT_SLICE_INFRA, base, NULL, &a->scope, &gen);
	if (r < 0) {
		char why[256];
		snprintf(why, sizeof why, "holder scope under %s: %s", PACT_SLICE_INFRA,
			 strerror(-r));
		fail(a, PACT_ERR_CREATION_FAILED, why);
		return;
	}
	a->has_scope = 1;
	struct nsholder_config c = holder_cfg_base;
	c.cgroup_fd = cg_scope_spawn_fd(&a->scope);
	/* its mount namespace shows its own uenv image, no other allocation's */
	c.mnt_only_below = node_uenv.base;
	char keep[sizeof a->uh.mount_point]; /* the holder sees zeroes where table[] is */
	memcpy(keep, a->uh.mount_point, sizeof keep);
	c.mnt_keep = a->has_handle ? keep : NULL;
	r = c.cgroup_fd < 0 ? c.cgroup_fd : nsholder_start(&a->h, a->ns, a->n_ns, &c);
	cg_scope_close(&a->scope); /* the holder is in; the path is enough from here */
	if (r < 0) {
		char why[256];
		snprintf(why, sizeof why, "clone3 of the namespace holder: %s", strerror(-r));
		fail(a, PACT_ERR_CREATION_FAILED, why);
		return;
	}
	a->started = 1;
	a->state = ALLOC_STARTING;
	if ((r = loop_watch_child(a->h.pid, alloc__on_reap, a)) < 0) {
		/* unwatched, the loop reaps it silently: kill it now, wait for nothing */
		(void)nsholder_kill(&a->h);
		a->reaped = 1;
	}
	if (r < 0 || (r = loop_add_fd(a->h.sync_fd, EPOLLRDHUP, on_sync, a)) < 0) {
		char why[256];
		snprintf(why, sizeof why, "event loop: %s", strerror(-r));
		fail(a, PACT_ERR_CREATION_FAILED, why);
		return;
	}
	timer_arm(&a->create_timer, ALLOC_CREATE_TIMEOUT_MS, on_create_timeout, a);
}

/* Path errors of the mount manager are the client's; the rest are ours. */
static enum pact_handoff_err uenv_err_kind(int r)
{
	switch (-r) {
	case EINVAL:
	case ENAMETOOLONG:
	case EXDEV:
	case EACCES:
	case ELOOP:
	case EISDIR:
	case ENODEV:
	case ENOTDIR:
	case EMEDIUMTYPE:
	case ENOENT:
		return PACT_ERR_INVALID_REQUEST;
	default:
		return PACT_ERR_CREATION_FAILED;
	}
}

static void on_mounted(void *ctx, int err, const struct uenv_handle *h)
{
	struct alloc *a = ctx;
	if (a->state != ALLOC_MOUNTING) {
		/* cannot happen: a mounting allocation waits for this call */
		if (!err)
			(void)uenv_release(&node_uenv, h);
		return;
	}
	if (err) {
		/* the client's words and ours, each cut on a character boundary */
		char req[201], why[PACT_HANDOFF_REASON_MAX];
		utf8_copy(req, sizeof req, a->uenv_req);
		utf8_fmt(why, sizeof why, "uenv %s: %s", req,
			 err == -ETIMEDOUT ? "mount timed out" : uenv_last_error(&node_uenv));
		fail(a, uenv_err_kind(err), why);
		return;
	}
	a->uh = *h;
	a->has_handle = 1;
	start_holder(a);
}

static struct alloc *find(const char *id)
{
	for (int i = 0; i < slots_used; i++)
		if (table[i].state != ALLOC_FREE && table[i].state != ALLOC_RELEASING &&
		    strcmp(table[i].id, id) == 0)
			return &table[i];
	return NULL;
}

/* Only the uid that asked for an allocation, or root, may use or end it. */
static int owned_by(const struct alloc *a, struct handoff_ref ref)
{
	if (ref.uid == 0 || a->owner == ALLOC_OWNER_ANY || a->owner == ref.uid)
		return 1;
	reply_error(ref, a->id, PACT_ERR_PERMISSION_DENIED, "allocation %s belongs to uid %u",
		    a->id, (unsigned)a->owner);
	return 0;
}

static int same_uenv(const struct alloc *a, const struct pact_handoff_msg *m)
{
	return a->has_uenv == m->has_uenv && (!m->has_uenv || strcmp(a->uenv_req, m->uenv) == 0);
}

static void add_waiter(struct alloc *a, struct handoff_ref ref, const struct pact_handoff_msg *m)
{
	if (a->nw == ALLOC_WAITERS) {
		reply_error(ref, m->allocation_id, PACT_ERR_CREATION_FAILED,
			    "too many requests waiting for allocation %s", m->allocation_id);
		return;
	}
	struct alloc_waiter *w = &a->w[a->nw++];
	w->ref = ref;
	w->n_ns = m->n_ns;
	memcpy(w->ns, m->ns, sizeof w->ns);
}

static void request(struct handoff_ref ref, const struct pact_handoff_msg *m)
{
	struct alloc *a = find(m->allocation_id);
	if (a) {
		if (!owned_by(a, ref))
			return;
		if (!same_uenv(a, m)) {
			reply_error(ref, m->allocation_id, PACT_ERR_INVALID_REQUEST,
				    "allocation %s exists with another uenv_image", a->id);
			return;
		}
		if (a->state == ALLOC_LIVE)
			reply_live(a, ref, m->ns, m->n_ns);
		else
			add_waiter(a, ref, m);
		return;
	}
	char image[UENV_IMAGE_MAX];
	if (m->has_uenv) {
		const char *why;
		const char *root = node_uenv.cfg.nroots ? node_uenv.cfg.roots[0] : "/images";
		if (alloc_resolve_image(m->uenv, root, image, sizeof image, &why) < 0) {
			reply_error(ref, m->allocation_id, PACT_ERR_INVALID_REQUEST, "%s", why);
			return;
		}
	}
	a = alloc__take_free();
	if (!a) {
		reply_error(ref, m->allocation_id, PACT_ERR_CREATION_FAILED,
			    "too many allocations (%d)", ALLOC_MAX);
		return;
	}
	char cgp[CG_PATH_MAX];
	int r = alloc_cgroup_path(alloc_cgroup_template(), m->allocation_id, cgp, sizeof cgp);
	if (r >= 0)
		r = cg_abs_path(&node_cg, cgp, a->watch.path, sizeof a->watch.path);
	if (r < 0) {
		reply_error(ref, m->allocation_id, PACT_ERR_CREATION_FAILED,
			    "workload cgroup path of %s: %s", m->allocation_id, strerror(-r));
		return;
	}
	/* a fresh slot: only the small fields are reset (the handle is written on use) */
	a->state = ALLOC_MOUNTING;
	snprintf(a->id, sizeof a->id, "%s", m->allocation_id);
	a->owner = ref.uid;
	a->has_maker = 1;
	a->maker = ref;
	a->n_ns = m->n_ns;
	memcpy(a->ns, m->ns, sizeof a->ns);
	a->has_uenv = m->has_uenv;
	snprintf(a->uenv_req, sizeof a->uenv_req, "%s", m->has_uenv ? m->uenv : "");
	a->has_handle = a->has_scope = a->started = a->reaped = 0;
	nsholder_init(&a->h);
	a->scope.dirfd = -1;
	a->create_timer.deadline_ms = 0;
	a->created_ms = now_ms();
	memset(a->ino, 0, sizeof a->ino);
	a->watch.seen_populated = 0;
	a->nw = a->nend = 0;
	add_waiter(a, ref, m);
	if (!m->has_uenv) {
		start_holder(a);
		return;
	}
	r = uenv_acquire_async(&node_uenv, image, on_mounted, a);
	if (r < 0) {
		char why[PACT_HANDOFF_REASON_MAX];
		snprintf(why, sizeof why, "%s", uenv_last_error(&node_uenv));
		for (unsigned i = 0; i < a->nw; i++)
			reply_error(a->w[i].ref, a->id, uenv_err_kind(r), "%s", why);
		a->nw = 0;
		log_failure(a->id, uenv_err_kind(r), why);
		a->state = ALLOC_FREE;
	}
}

static void end(struct handoff_ref ref, const struct pact_handoff_msg *m)
{
	struct alloc *a = find(m->allocation_id);
	if (!a) {
		reply_error(ref, m->allocation_id, PACT_ERR_ALLOCATION_NOT_FOUND,
			    "no live allocation %s", m->allocation_id);
		return;
	}
	if (!owned_by(a, ref))
		return;
	if (a->state != ALLOC_LIVE) {
		/* answered after the requests that came first */
		if (a->nend == ALLOC_WAITERS)
			reply_error(ref, a->id, PACT_ERR_CREATION_FAILED,
				    "too many AllocationEnded waiting for %s", a->id);
		else
			a->endw[a->nend++] = ref;
		return;
	}
	alloc__release(a, "AllocationEnded", 0);
	reply_ended(ref, m->allocation_id);
}

void alloc_handle(struct handoff_ref ref, const struct pact_handoff_msg *m)
{
	if (m->type == PACT_MSG_NAMESPACE_REQUEST)
		request(ref, m);
	else if (m->type == PACT_MSG_ALLOCATION_ENDED)
		end(ref, m);
}

int alloc_is_live(const char *id)
{
	return find(id) != NULL;
}

int alloc_made_by_uid(uid_t uid)
{
	int n = 0;
	for (int i = 0; i < slots_used; i++)
		n += table[i].state != ALLOC_FREE && table[i].state != ALLOC_RELEASING &&
		     table[i].has_maker && table[i].maker.uid == uid;
	return n;
}

int alloc_made_through(struct handoff_ref ref)
{
	int n = 0;
	for (int i = 0; i < slots_used; i++)
		n += table[i].state != ALLOC_FREE && table[i].state != ALLOC_RELEASING &&
		     table[i].has_maker && table[i].maker.idx == ref.idx &&
		     table[i].maker.gen == ref.gen;
	return n;
}

size_t alloc_live_count(void)
{
	size_t n = 0;
	for (int i = 0; i < slots_used; i++)
		n += table[i].state != ALLOC_FREE && table[i].state != ALLOC_RELEASING;
	return n;
}

/* ---- listing (pactctl allocations) ---- */

int alloc_foreach(int (*cb)(void *ctx, const struct alloc_info *), void *ctx)
{
	uint64_t now = now_ms();
	for (int i = 0; i < slots_used; i++) {
		const struct alloc *a = &table[i];
		if (a->state == ALLOC_FREE)
			continue;
		struct alloc_info in = {
		    .id = a->id,
		    .state = state_name(a->state),
		    .holder_pid = a->h.pid,
		    .n_ns = a->n_ns,
		    .ns = a->ns,
		    .uenv_image = a->has_handle ? a->uh.image_path : NULL,
		    .uenv_mount = a->has_handle ? a->uh.mount_point : NULL,
		    .cgroup = a->watch.path,
		    .cgroup_seen_populated = a->watch.seen_populated,
		    .owner = a->owner,
		    .age_ms = now - a->created_ms,
		};
		for (unsigned j = 0; j < a->n_ns && a->state == ALLOC_LIVE; j++)
			in.ino[a->ns[j]] = a->ino[j];
		int r = cb(ctx, &in);
		if (r)
			return r;
	}
	return 0;
}

int alloc_init(const struct alloc_port *p)
{
	port = *p;
	/* table[] starts ALLOC_FREE (0); a slot's fields are set when it is
	 * taken, so the idle node does not pay RSS for the whole table */
	table_not_inherited(table, sizeof table);
	self_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self_netns < 0)
		log_warn("handoff: /proc/self/ns/net: %s; Net namespaces will fail",
			 strerror(errno));
	int r = cg_watch_init();
	if (r < 0)
		log_err("handoff: inotify: %s; allocations are released only by AllocationEnded",
			strerror(-r));
	return r;
}
