/*
 * The allocation table of the handoff server (see alloc.h): creating an
 * allocation's namespaces without blocking the loop, answering repeated
 * requests with new fds to the same namespaces, and releasing it (holder
 * killed, scope removed, mount reference dropped) on AllocationEnded, when
 * its workload cgroup empties (WI5) or when its holder dies.
 */
#include "handoff/alloc.h"
#include "os/cgroup.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "proto/handoff_msg.h"
#include "node/hardware.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "os/netconf.h"
#include "os/nsholder.h"
#include "node/reexec.h"
#include "node/uenv_node.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum alloc_state {
	ALLOC_FREE = 0,
	ALLOC_MOUNTING, /* waiting for the uenv mount (worker child) */
	ALLOC_STARTING, /* holder cloned, waiting for its setup status */
	ALLOC_LIVE,
	ALLOC_RELEASING, /* holder killed; freed once reaped and its scope removed */
};

struct alloc_waiter {
	struct handoff_ref ref;
	unsigned n_ns;
	enum pact_ns_type ns[PACT_NS_COUNT];
};

struct alloc {
	enum alloc_state state;
	char id[PACT_HANDOFF_ALLOC_ID_MAX + 1];
	unsigned n_ns;
	enum pact_ns_type ns[PACT_NS_COUNT];
	int has_uenv;				  /* the request named an image */
	char uenv_req[PACT_HANDOFF_PATH_MAX + 1]; /* as the client spelled it */
	int has_handle;				  /* we hold a mount reference */
	struct uenv_handle uh;
	struct nsholder h;
	int has_scope;
	struct cg_scope scope;
	int started; /* a holder process exists (to be reaped) */
	int reaped;
	struct timer create_timer;
	uint64_t created_ms;
	unsigned long long ino[PACT_NS_COUNT]; /* parallel to ns[] */
	/* WI5: the workload cgroup, absolute */
	char cg_path[CG_PATH_MAX];
	int wd;		    /* inotify watch on its cgroup.events, -1 if none */
	int seen_populated; /* release only after a populated -> empty change */
	int last_frozen;
	int modified;	  /* cgroup.events changed since we last read it */
	int restore_uenv; /* carried across a re-exec: take the mount reference again */
	/* requests waiting for creation, and AllocationEnded received meanwhile */
	unsigned nw;
	struct alloc_waiter w[ALLOC_WAITERS];
	unsigned nend;
	struct handoff_ref endw[ALLOC_WAITERS];
};

static struct alloc table[ALLOC_MAX];
static int wi5_fd = -1;
#define PARENT_WATCH_MAX 8
static struct {
	int wd;
	char path[CG_PATH_MAX];
} parents[PARENT_WATCH_MAX];
static int n_parents;
static struct timer rewatch_timer; /* for cgroups whose parent cannot be watched */
static int self_netns = -1;
static struct alloc_port port;
static char cgroup_template[ALLOC_TEMPLATE_MAX] = HANDOFF_DEFAULT_CGROUP_TEMPLATE;

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

/* ---- pure helpers ---- */

int alloc_cgroup_path(const char *tmpl, const char *id, char *out, size_t cap)
{
	static const char key[] = "{allocation_id}";
	size_t o = 0, klen = sizeof key - 1, idlen = strlen(id);
	if (!*tmpl || cap == 0)
		return -EINVAL;
	for (const char *p = tmpl; *p;) {
		const char *s = p;
		size_t n = 1;
		if (strncmp(p, key, klen) == 0)
			s = id, n = idlen, p += klen;
		else
			p++;
		if (o + n >= cap)
			return -ENAMETOOLONG;
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

int alloc_resolve_image(const char *req, const char *root, char *out, size_t cap, const char **why)
{
	*why = NULL;
	if (!*req)
		*why = "uenv_image is empty";
	else if (req[0] != '/' && strchr(req, '/'))
		*why = "uenv_image must be a file name or an absolute path";
	else if (strcmp(req, ".") == 0 || strcmp(req, "..") == 0)
		*why = "uenv_image must name a file";
	if (*why)
		return -EINVAL;
	int r =
	    req[0] == '/' ? path_fmt(out, cap, "%s", req) : path_fmt(out, cap, "%s/%s", root, req);
	if (r < 0)
		*why = "uenv_image is too long";
	return r < 0 ? -EINVAL : 0;
}

int alloc_set_cgroup_template(const char *tmpl, char *err, size_t errlen)
{
	char probe[512];
	if (strlen(tmpl) >= sizeof cgroup_template || !strstr(tmpl, "{allocation_id}") ||
	    tmpl[0] == '/' || strstr(tmpl, "..") ||
	    alloc_cgroup_path(tmpl, "x", probe, sizeof probe) < 0)
		return snprintf(err, errlen, "want a relative cgroup path containing {allocation_id}"),
		       -EINVAL;
	snprintf(cgroup_template, sizeof cgroup_template, "%s", tmpl);
	return 0;
}

const char *alloc_cgroup_template(void)
{
	return cgroup_template;
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
	vsnprintf(why, sizeof why, fmt, ap);
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
		fds[i] = fcntl(a->h.fds[j], F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0) {
			int e = errno;
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

static void unwatch(struct alloc *a)
{
	if (a->wd >= 0 && wi5_fd >= 0)
		(void)inotify_rm_watch(wi5_fd, a->wd);
	a->wd = -1;
}

/* Tear down whatever exists; the slot is freed once the holder is reaped. */
static void teardown(struct alloc *a)
{
	a->state = ALLOC_RELEASING;
	timer_cancel(&a->create_timer);
	unwatch(a);
	if (a->h.sync_fd >= 0)
		loop_del_fd(a->h.sync_fd);
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
static void release(struct alloc *a, const char *why, int push)
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

/* Creation failed: everyone waiting hears why, then the pieces go. */
static void fail(struct alloc *a, enum pact_handoff_err kind, const char *why)
{
	log_err("handoff: %s: %s", a->id, why);
	for (unsigned i = 0; i < a->nw; i++)
		reply_error(a->w[i].ref, a->id, kind, "%s", why);
	for (unsigned i = 0; i < a->nend; i++)
		reply_error(a->endw[i], a->id, PACT_ERR_ALLOCATION_NOT_FOUND,
			    "no live allocation %s (its creation failed)", a->id);
	a->nw = a->nend = 0;
	teardown(a);
}

/* ---- WI5: the workload cgroup ---- */

static void watch_parent(const char *cg_path)
{
	char dir[CG_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", cg_path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	for (int i = 0; i < n_parents; i++)
		if (strcmp(parents[i].path, dir) == 0)
			return;
	if (n_parents == PARENT_WATCH_MAX)
		return;
	int wd = inotify_add_watch(wi5_fd, dir, IN_CREATE | IN_ONLYDIR);
	if (wd < 0)
		return; /* not there yet: the rewatch timer tries again */
	parents[n_parents].wd = wd;
	snprintf(parents[n_parents].path, sizeof parents[0].path, "%s", dir);
	n_parents++;
}

static int try_watch(struct alloc *a)
{
	char p[CG_PATH_MAX + 16];
	if (a->wd >= 0)
		return 0;
	if (path_fmt(p, sizeof p, "%s/cgroup.events", a->cg_path) < 0)
		return -ENAMETOOLONG;
	a->wd = inotify_add_watch(wi5_fd, p, IN_MODIFY);
	return a->wd < 0 ? -errno : 0;
}

static int read_events(const struct alloc *a, int *populated, int *frozen)
{
	char p[CG_PATH_MAX + 16], text[256];
	uint64_t v = 0;
	if (path_fmt(p, sizeof p, "%s/cgroup.events", a->cg_path) < 0)
		return -ENAMETOOLONG;
	int r = read_file(p, text, sizeof text);
	if (r < 0)
		return r;
	*populated = cg_parse_keyed(text, "populated", &v) == 0 && v;
	v = 0;
	*frozen = cg_parse_keyed(text, "frozen", &v) == 0 && v;
	return 0;
}

static void rewatch_tick(void *ctx);

/* Look at one live allocation's cgroup; release it when it emptied. */
static void evaluate(struct alloc *a)
{
	int populated = 0, frozen = 0;
	if (a->state != ALLOC_LIVE || wi5_fd < 0)
		return;
	if (try_watch(a) < 0) {
		if (a->seen_populated) {
			release(a, "its cgroup was removed", 1);
			return;
		}
		watch_parent(a->cg_path);
		if (!timer_armed(&rewatch_timer))
			timer_arm(&rewatch_timer, 1000, rewatch_tick, NULL);
		return;
	}
	if (read_events(a, &populated, &frozen) < 0) {
		unwatch(a);
		if (a->seen_populated)
			release(a, "its cgroup was removed", 1);
		return;
	}
	/* A change that left it empty, not a freeze: it was populated in between. */
	if (populated || (a->modified && frozen == a->last_frozen))
		a->seen_populated = 1;
	a->last_frozen = frozen;
	a->modified = 0;
	if (!populated && a->seen_populated)
		release(a, "its cgroup is empty (WI5)", 1);
}

static void evaluate_all(void)
{
	for (int i = 0; i < ALLOC_MAX; i++)
		evaluate(&table[i]);
}

static void rewatch_tick(void *ctx)
{
	(void)ctx;
	int waiting = 0;
	evaluate_all();
	for (int i = 0; i < ALLOC_MAX; i++)
		if (table[i].state == ALLOC_LIVE && table[i].wd < 0)
			waiting = 1;
	if (waiting)
		timer_arm(&rewatch_timer, 1000, rewatch_tick, NULL);
}

static void on_wi5(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	(void)events;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			const struct inotify_event *ev = (const void *)(buf + off);
			for (int i = 0; i < ALLOC_MAX; i++) {
				struct alloc *a = &table[i];
				if (a->state != ALLOC_LIVE || a->wd != ev->wd)
					continue;
				if (ev->mask & IN_MODIFY)
					a->modified = 1;
				if (ev->mask & IN_IGNORED)
					a->wd = -1; /* the cgroup went away */
			}
			for (int i = 0; i < n_parents; i++)
				if (parents[i].wd == ev->wd && (ev->mask & IN_IGNORED))
					parents[i--] = parents[--n_parents];
			off += (ssize_t)sizeof *ev + ev->len;
		}
	}
	evaluate_all();
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
		release(a, "AllocationEnded", 0);
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
	if (a->state == ALLOC_LIVE)
		evaluate(a);
}

static void on_create_timeout(void *ctx)
{
	struct alloc *a = ctx;
	if (a->state == ALLOC_STARTING)
		fail(a, PACT_ERR_CREATION_FAILED, "namespace holder setup timed out");
}

static void on_reap(void *ctx, pid_t pid, int status)
{
	struct alloc *a = ctx;
	(void)pid;
	(void)status;
	a->reaped = 1;
	a->h.pid = 0;
	if (a->state == ALLOC_LIVE)
		release(a, "its holder died", 1);
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
	if ((r = loop_watch_child(a->h.pid, on_reap, a)) < 0) {
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
		char why[PACT_HANDOFF_REASON_MAX];
		snprintf(why, sizeof why, "uenv %.200s: %.700s", a->uenv_req,
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
	for (int i = 0; i < ALLOC_MAX; i++)
		if (table[i].state != ALLOC_FREE && table[i].state != ALLOC_RELEASING &&
		    strcmp(table[i].id, id) == 0)
			return &table[i];
	return NULL;
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
	for (int i = 0; i < ALLOC_MAX && !a; i++)
		if (table[i].state == ALLOC_FREE)
			a = &table[i];
	if (!a) {
		reply_error(ref, m->allocation_id, PACT_ERR_CREATION_FAILED,
			    "too many allocations (%d)", ALLOC_MAX);
		return;
	}
	char cgp[CG_PATH_MAX];
	int r = alloc_cgroup_path(cgroup_template, m->allocation_id, cgp, sizeof cgp);
	if (r >= 0)
		r = cg_abs_path(&node_cg, cgp, a->cg_path, sizeof a->cg_path);
	if (r < 0) {
		reply_error(ref, m->allocation_id, PACT_ERR_CREATION_FAILED,
			    "workload cgroup path of %s: %s", m->allocation_id, strerror(-r));
		return;
	}
	/* a fresh slot: only the small fields are reset (the handle is written on use) */
	a->state = ALLOC_MOUNTING;
	snprintf(a->id, sizeof a->id, "%s", m->allocation_id);
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
	a->wd = -1;
	a->seen_populated = a->last_frozen = a->modified = 0;
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
		log_warn("handoff: %s: %s", a->id, why);
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
	if (a->state != ALLOC_LIVE) {
		/* answered after the requests that came first */
		if (a->nend == ALLOC_WAITERS)
			reply_error(ref, a->id, PACT_ERR_CREATION_FAILED,
				    "too many AllocationEnded waiting for %s", a->id);
		else
			a->endw[a->nend++] = ref;
		return;
	}
	release(a, "AllocationEnded", 0);
	reply_ended(ref, m->allocation_id);
}

void alloc_handle(struct handoff_ref ref, const struct pact_handoff_msg *m)
{
	if (m->type == PACT_MSG_NAMESPACE_REQUEST)
		request(ref, m);
	else if (m->type == PACT_MSG_ALLOCATION_ENDED)
		end(ref, m);
}

size_t alloc_live_count(void)
{
	size_t n = 0;
	for (int i = 0; i < ALLOC_MAX; i++)
		n += table[i].state != ALLOC_FREE && table[i].state != ALLOC_RELEASING;
	return n;
}

/* ---- live re-exec (docs/reexec.md) ---- */

/*
 * One record per live allocation:
 *   alloc ID HOLDER_PID SCOPE_PATH NS(,NS..) UENV_REQ|%00 IMAGE|%00 CGROUP SEEN
 * The holder survives the exec (it holds nothing of ours); the new image
 * reopens its namespaces and takes a pidfd. Allocations still being created
 * are given up: their holders are killed here.
 */
static void save_allocs(struct reexec_out *o)
{
	for (int i = 0; i < ALLOC_MAX; i++) {
		struct alloc *a = &table[i];
		if (a->state == ALLOC_STARTING)
			(void)nsholder_kill(&a->h);
		if (a->state != ALLOC_LIVE)
			continue;
		char ns[32] = "";
		for (unsigned j = 0; j < a->n_ns; j++)
			snprintf(ns + strlen(ns), sizeof ns - strlen(ns), "%s%s", j ? "," : "",
				 pact_ns_type_name(a->ns[j]));
		reexec_begin(o, "alloc");
		reexec_word(o, a->id);
		reexec_num(o, a->h.pid);
		reexec_word(o, a->has_scope ? a->scope.path : "");
		reexec_word(o, ns);
		reexec_word(o, a->has_uenv ? a->uenv_req : "");
		reexec_word(o, a->has_handle ? a->uh.image_path : "");
		reexec_word(o, a->cg_path);
		reexec_num(o, a->seen_populated);
		reexec_end(o);
	}
}

static int adopt_holder(struct alloc *a, pid_t pid)
{
	static const char *const names[PACT_NS_COUNT] = {"pid", "net", "mnt"};
	nsholder_init(&a->h);
	a->h.pid = pid;
	a->h.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (a->h.pidfd < 0)
		return -errno;
	a->h.n_ns = a->n_ns;
	for (unsigned j = 0; j < a->n_ns; j++) {
		char p[64];
		a->h.ns[j] = a->ns[j];
		snprintf(p, sizeof p, "/proc/%d/ns/%s", (int)pid, names[a->ns[j]]);
		a->h.fds[j] = open(p, O_RDONLY | O_CLOEXEC);
		if (a->h.fds[j] < 0)
			return -errno;
		struct stat st;
		a->ino[j] = fstat(a->h.fds[j], &st) == 0 ? (unsigned long long)st.st_ino : 0;
	}
	return loop_watch_child(pid, on_reap, a);
}

static void restore_alloc(void *ctx, char **w, int n)
{
	(void)ctx;
	struct alloc *a = NULL;
	const char *why = NULL;
	if (n != 9 || handoff_check_alloc_id(w[1], &why) < 0 || atoi(w[2]) <= 1) {
		log_err("handoff: re-exec: a bad alloc record; skipped");
		return;
	}
	for (int i = 0; i < ALLOC_MAX && !a; i++)
		if (table[i].state == ALLOC_FREE)
			a = &table[i];
	if (!a)
		return;
	memset(a, 0, sizeof *a);
	a->wd = -1;
	a->scope.dirfd = -1;
	snprintf(a->id, sizeof a->id, "%s", w[1]);
	char nsbuf[32];
	snprintf(nsbuf, sizeof nsbuf, "%s", w[4]);
	for (char *save, *t = strtok_r(nsbuf, ",", &save); t && a->n_ns < PACT_NS_COUNT;
	     t = strtok_r(NULL, ",", &save))
		if (handoff_ns_from_name(t, &a->ns[a->n_ns]) == 0)
			a->n_ns++;
	a->has_uenv = w[5][0] != '\0';
	snprintf(a->uenv_req, sizeof a->uenv_req, "%s", w[5]);
	if (w[6][0]) {
		snprintf(a->uh.image_path, sizeof a->uh.image_path, "%s", w[6]);
		a->restore_uenv = 1;
	}
	snprintf(a->cg_path, sizeof a->cg_path, "%s", w[7]);
	a->seen_populated = atoi(w[8]) != 0;
	if (w[3][0]) {
		snprintf(a->scope.path, sizeof a->scope.path, "%s", w[3]);
		a->has_scope = 1;
	}
	a->created_ms = now_ms();
	a->started = 1;
	a->state = ALLOC_LIVE;
	int r = adopt_holder(a, (pid_t)atoi(w[2]));
	if (r < 0) {
		log_err("handoff: re-exec: %s: holder %s cannot be adopted: %s; releasing", a->id,
			w[2], strerror(-r));
		a->restore_uenv = 0;
		/* not watched by the loop (it reaps it silently): kill it, wait for nothing */
		(void)nsholder_kill(&a->h);
		a->reaped = 1;
		release(a, "lost across a re-exec", 1);
		return;
	}
	log_info("handoff: re-exec: %s adopted (holder %s)", a->id, w[2]);
}

/*
 * A re-exec whose state was lost: the holders of the allocations we no
 * longer know still run in their scopes, pinning namespaces nobody can ask
 * for again. Their scopes say what they are: destroy them.
 */
static void drop_stale_holders(void)
{
	static struct cg_ctx cg;
	static struct cg_scope s;
	char dir[CG_PATH_MAX + 32];
	if (cg_ctx_init(&cg, cfg.cgroup_root) < 0 ||
	    path_fmt(dir, sizeof dir, "%s/%s", cg.root, PACT_SLICE_INFRA) < 0)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		char rel[CG_PATH_MAX];
		if (strncmp(e->d_name, "nsholder-", 9) != 0 ||
		    path_fmt(rel, sizeof rel, "%s/%s", PACT_SLICE_INFRA, e->d_name) < 0 ||
		    cg_scope_open(&cg, rel, &s) < 0)
			continue;
		log_notice("handoff: re-exec without state: destroying %s", rel);
		if (cg_destroy_async(&cg, &s, NULL, NULL) < 0)
			cg_scope_close(&s);
	}
	closedir(d);
}

/*
 * After the uenv manager is set up again (it starts after us): count the
 * carried allocations' references into its table (WI6), and look at the
 * workload cgroups again.
 */
static struct timer restore_timer;
static void finish_restore(void *ctx)
{
	(void)ctx;
	if (reexec_state_lost())
		drop_stale_holders();
	const char *images[ALLOC_MAX];
	size_t n = 0;
	for (int i = 0; i < ALLOC_MAX; i++)
		if (table[i].state == ALLOC_LIVE && table[i].restore_uenv)
			images[n++] = table[i].uh.image_path;
	if (n && uenv_reconstruct(&node_uenv, images, n) < 0)
		log_err("handoff: re-exec: rebuilding uenv refcounts: %s",
			uenv_last_error(&node_uenv));
	for (int i = 0; i < ALLOC_MAX; i++) {
		struct alloc *a = &table[i];
		if (a->state != ALLOC_LIVE || !a->restore_uenv)
			continue;
		a->restore_uenv = 0;
		if (uenv_lookup(&node_uenv, a->uh.image_path, &a->uh) == 0)
			a->has_handle = 1;
		else
			log_err("handoff: re-exec: %s: its uenv %s is not mounted any more", a->id,
				a->uh.image_path);
	}
	evaluate_all();
}

/* ---- listing (pactctl allocations) ---- */

int alloc_foreach(int (*cb)(void *ctx, const struct alloc_info *), void *ctx)
{
	uint64_t now = now_ms();
	for (int i = 0; i < ALLOC_MAX; i++) {
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
		    .cgroup = a->cg_path,
		    .cgroup_seen_populated = a->seen_populated,
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
	reexec_register_saver(save_allocs);
	reexec_each("alloc", restore_alloc, NULL);
	timer_arm(&restore_timer, 0, finish_restore, NULL);
	self_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self_netns < 0)
		log_warn("handoff: /proc/self/ns/net: %s; Net namespaces will fail",
			 strerror(errno));
	wi5_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (wi5_fd < 0) {
		log_err("handoff: inotify: %s; allocations are released only by AllocationEnded",
			strerror(errno));
		return -errno;
	}
	int r = loop_add_fd(wi5_fd, EPOLLIN, on_wi5, NULL);
	if (r < 0) {
		log_err("handoff: inotify in the event loop: %s", strerror(-r));
		close_fd(wi5_fd);
		wi5_fd = -1;
		return r;
	}
	return 0;
}
