/*
 * Unit tests of the handoff allocation table (init/handoff/alloc.c).
 *
 * Pure helpers: the workload cgroup path from handoff.cgroup_template, and
 * how a request's uenv_image becomes an image path (bare names under the
 * first image root).
 *
 * The state machine, through a fake port (struct alloc_port) that records
 * every reply and push instead of a socket: requests and ends it must
 * refuse, a creation that fails before or after its uenv mount and
 * whoever waited on it meanwhile, the mount reference given back (WI2),
 * and the cgroup template it owns. The uenv mounts go through the mount
 * manager with its syscalls faked (as in test_uenv.c); the cgroup root is
 * a plain directory without the slices, so no holder is ever cloned (the
 * host tier runs real holders: test/host/test_handoff.c).
 */
#include "handoff/alloc.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "node/hardware.h"
#include "node/uenv_node.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the fake port ---- */

#define SENT_MAX 32

struct sent {
	struct handoff_ref ref;
	struct pact_handoff_msg m;
	unsigned nfds;
};

static struct sent sent[SENT_MAX];
static int n_sent, n_pushed, wrong_ctx;
static char pushed[8][PACT_HANDOFF_ALLOC_ID_MAX + 1];
static int port_ctx;

static void fake_reply(void *ctx, struct handoff_ref ref, const struct pact_handoff_msg *m,
		       int *fds, unsigned nfds)
{
	wrong_ctx |= ctx != &port_ctx;
	if (n_sent < SENT_MAX)
		sent[n_sent++] = (struct sent){ref, *m, nfds};
	for (unsigned i = 0; i < nfds; i++)
		close(fds[i]);
}

static void fake_push(void *ctx, const char *id)
{
	wrong_ctx |= ctx != &port_ctx;
	if (n_pushed < 8)
		snprintf(pushed[n_pushed++], sizeof pushed[0], "%s", id);
}

static const struct alloc_port fake_port = {fake_reply, fake_push, &port_ctx};

/* ---- the uenv mount manager's syscalls, faked: nothing is mounted ---- */

static int f_attach(void *ctx, const char *dev_dir, int image_fd, const char *image,
		    struct loopdev *lo)
{
	(void)ctx, (void)image;
	if (image_fd < 0)
		return -EBADF;
	lo->fd = -1;
	lo->index = 0;
	lo->major = 7;
	lo->minor = 0;
	snprintf(lo->path, sizeof lo->path, "%s/loop0", dev_dir);
	return 0;
}

static int f_mount(void *ctx, const struct loopdev *lo, int target_fd, const char *target)
{
	(void)ctx, (void)lo, (void)target_fd, (void)target;
	return 0;
}

static void f_forget(void *ctx, struct loopdev *lo)
{
	(void)ctx;
	lo->fd = -1;
}

static int f_umount(void *ctx, const char *target)
{
	(void)ctx, (void)target;
	return 0;
}

static const struct uenv_sys fake_sys = {f_attach, f_mount, f_forget, f_forget, f_umount};

/* ---- helpers ---- */

static struct pact_handoff_msg request(const char *id, const char *uenv)
{
	struct pact_handoff_msg m;
	memset(&m, 0, sizeof m);
	m.type = PACT_MSG_NAMESPACE_REQUEST;
	m.has_allocation_id = 1;
	snprintf(m.allocation_id, sizeof m.allocation_id, "%s", id);
	m.n_ns = 2;
	m.ns[0] = PACT_NS_PID;
	m.ns[1] = PACT_NS_MOUNT;
	if (uenv) {
		m.has_uenv = 1;
		snprintf(m.uenv, sizeof m.uenv, "%s", uenv);
	}
	return m;
}

static struct pact_handoff_msg ended(const char *id)
{
	struct pact_handoff_msg m;
	memset(&m, 0, sizeof m);
	m.type = PACT_MSG_ALLOCATION_ENDED;
	m.has_allocation_id = 1;
	snprintf(m.allocation_id, sizeof m.allocation_id, "%s", id);
	return m;
}

static struct handoff_ref client(int idx)
{
	return (struct handoff_ref){idx, 7, 0};
}

/* Reply i is an Error of kind for id, to client idx, its reason holding what. */
static int is_error(int i, int idx, const char *id, enum pact_handoff_err kind, const char *what)
{
	if (i >= n_sent)
		return 0;
	const struct sent *s = &sent[i];
	return s->ref.idx == idx && s->ref.gen == 7 && s->m.type == PACT_MSG_ERROR &&
	       s->m.kind == kind && strcmp(s->m.allocation_id, id) == 0 && s->nfds == 0 &&
	       strstr(s->m.reason, what) != NULL;
}

static const char *reason_of(int i)
{
	return i < n_sent ? sent[i].m.reason : "(no reply)";
}

struct listing {
	int n;
	char state[16], cgroup[256];
	int has_uenv;
};

static int list_cb(void *ctx, const struct alloc_info *in)
{
	struct listing *l = ctx;
	l->n++;
	snprintf(l->state, sizeof l->state, "%s", in->state);
	snprintf(l->cgroup, sizeof l->cgroup, "%s", in->cgroup);
	l->has_uenv = in->uenv_image != NULL;
	return 0;
}

static struct listing listing(void)
{
	struct listing l = {0};
	alloc_foreach(list_cb, &l);
	return l;
}

static int uenv_refs(void *ctx, const struct uenv_info *in)
{
	*(unsigned *)ctx += in->refcount;
	return 0;
}

static unsigned total_refs(void)
{
	unsigned n = 0;
	uenv_foreach(&node_uenv, uenv_refs, &n);
	return n;
}

/* Run the loop until the table is empty or about 5 s passed. */
static void run_until_empty(void)
{
	for (int i = 0; i < 50 && listing().n > 0; i++)
		loop_run_once(100);
}

static char tmp[128], images[200], base[200];

static void setup(void)
{
	snprintf(tmp, sizeof tmp, "/tmp/pact-unit-alloc-%d", getpid());
	snprintf(images, sizeof images, "%s/images", tmp);
	snprintf(base, sizeof base, "%s/uenv", tmp);
	config_defaults(&cfg);
	snprintf(cfg.run_dir, sizeof cfg.run_dir, "%s/run", tmp);
	snprintf(cfg.cgroup_root, sizeof cfg.cgroup_root, "%s/cgroup", tmp);
	log_open(0);
	is_int(loop_init(), 0, "loop_init");
	ok(mkdir_p(images, 0755) == 0 && mkdir_p(base, 0755) == 0 &&
	       mkdir_p(cfg.cgroup_root, 0755) == 0,
	   "directories under %s", tmp);
	static const char *const names[] = {"a.sqfs", "b.sqfs"};
	for (int i = 0; i < 2; i++) {
		char img[300];
		snprintf(img, sizeof img, "%s/%s", images, names[i]);
		int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		ok(fd >= 0 && write(fd, "hsqs", 4) == 4, "squashfs image %s (its magic)", names[i]);
		if (fd >= 0)
			close(fd);
	}
	/* a plain directory: cgroup.* files and the slices are not there */
	is_int(cg_ctx_init(&node_cg, cfg.cgroup_root), 0, "cgroup context on %s", cfg.cgroup_root);
	struct uenv_config uc = {.roots = {images}, .base = base, .sys = &fake_sys};
	is_int(uenv_init(&node_uenv, &uc), 0, "uenv manager with faked syscalls");
	is_int(alloc_init(&fake_port), 0, "alloc_init with the fake port");
	loop_run_once(0); /* the re-exec restore pass, with nothing to restore */
}

static void cleanup(void)
{
	char cmd[300];
	uenv_fini(&node_uenv);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
}

static void test_template(void)
{
	char err[128] = "";
	is_str(alloc_cgroup_template(), HANDOFF_DEFAULT_CGROUP_TEMPLATE, "the default template");
	static const char *const bad[] = {"/workload.slice/{allocation_id}", "workload.slice/x",
					  "../{allocation_id}", "w/../{allocation_id}.scope"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		is_int(alloc_set_cgroup_template(bad[i], err, sizeof err), -EINVAL,
		       "template %s refused", bad[i]);
	}
	ok(strstr(err, "{allocation_id}") != NULL, "saying what is wanted: %s", err);
	is_str(alloc_cgroup_template(), HANDOFF_DEFAULT_CGROUP_TEMPLATE, "unchanged by a refusal");
	is_int(alloc_set_cgroup_template("lattice.slice/job-{allocation_id}", err, sizeof err), 0,
	       "a relative template is taken");
	is_str(alloc_cgroup_template(), "lattice.slice/job-{allocation_id}", "and kept");
}

/* Refused at once: nothing is created, the table stays empty. */
static void test_refusals(void)
{
	struct pact_handoff_msg m = ended("a0");
	n_sent = 0;
	alloc_handle(client(1), &m);
	ok(is_error(0, 1, "a0", PACT_ERR_ALLOCATION_NOT_FOUND, "no live allocation a0"),
	   "AllocationEnded of an unknown allocation: AllocationNotFound (%s)", reason_of(0));

	m = request("a1", "sub/a.sqfs");
	alloc_handle(client(2), &m);
	ok(is_error(1, 2, "a1", PACT_ERR_INVALID_REQUEST, "file name or an absolute path"),
	   "a relative uenv_image with '/': InvalidRequest (%s)", reason_of(1));

	m = request("a2", "/elsewhere/a.sqfs");
	alloc_handle(client(3), &m);
	ok(is_error(2, 3, "a2", PACT_ERR_INVALID_REQUEST, "/elsewhere/a.sqfs"),
	   "an image outside the image roots: InvalidRequest naming it (%s)", reason_of(2));
	is_int(n_sent, 3, "one reply each");
	is_int(listing().n, 0, "nothing in the table");
	is_int(alloc_live_count(), 0, "no live allocation");
	is_int(total_refs(), 0, "no mount reference taken");
}

/* The image is looked at by the mount worker: a missing one fails there. */
static void test_mount_failure(void)
{
	struct pact_handoff_msg m = request("m1", "missing.sqfs");
	n_sent = 0;
	alloc_handle(client(9), &m);
	is_int(n_sent, 0, "a request with a uenv waits for its mount");
	is_str(listing().state, "mounting", "listed as mounting");
	run_until_empty();
	ok(is_error(0, 9, "m1", PACT_ERR_INVALID_REQUEST, "uenv missing.sqfs"),
	   "a missing image: InvalidRequest naming it (%s)", reason_of(0));
	is_int(n_sent, 1, "one reply");
	is_int(total_refs(), 0, "no mount reference taken");
}

/* No uenv: the holder's scope cannot be made, so the creation fails at once. */
static void test_scope_failure(void)
{
	struct pact_handoff_msg m = request("b1", NULL);
	n_sent = 0;
	alloc_handle(client(4), &m);
	ok(is_error(0, 4, "b1", PACT_ERR_CREATION_FAILED,
		    "holder scope under pact.slice/infra.slice"),
	   "no holder scope: CreationFailed (%s)", reason_of(0));
	is_int(n_sent, 1, "one reply");
	run_until_empty();
	is_int(listing().n, 0, "the slot is free again");
	m = ended("b1");
	alloc_handle(client(4), &m);
	ok(is_error(1, 4, "b1", PACT_ERR_ALLOCATION_NOT_FOUND, "no live allocation b1"),
	   "and its end is AllocationNotFound");
}

/*
 * With a uenv: the allocation waits for its mount (a worker child of the
 * mount manager). Meanwhile a request for the same id with another image is
 * refused, a repeated one waits, and an AllocationEnded waits behind them.
 * When the mount is there the holder's scope fails: every waiter hears it,
 * in order, and the mount reference goes back (WI2).
 */
static void test_mounting(void)
{
	struct pact_handoff_msg m = request("c1", "a.sqfs");
	n_sent = n_pushed = 0;
	alloc_handle(client(5), &m);
	is_int(n_sent, 0, "a request with a uenv waits for its mount");
	struct listing l = listing();
	is_int(l.n, 1, "listed");
	is_str(l.state, "mounting", "as mounting");
	char want[PATH_MAX + 32];
	snprintf(want, sizeof want, "%s/lattice.slice/job-c1", cfg.cgroup_root);
	is_str(l.cgroup, want, "its workload cgroup follows the template");
	is_int(alloc_live_count(), 1, "counted as not yet released");

	m = request("c1", NULL);
	alloc_handle(client(6), &m);
	ok(is_error(0, 6, "c1", PACT_ERR_INVALID_REQUEST, "another uenv_image"),
	   "the same id with another image: InvalidRequest (%s)", reason_of(0));
	m = request("c1", "a.sqfs");
	alloc_handle(client(7), &m);
	m = ended("c1");
	alloc_handle(client(8), &m);
	is_int(n_sent, 1, "a repeated request and an end wait for the creation");

	run_until_empty();
	is_int(listing().n, 0, "the failed allocation is gone");
	is_int(n_sent, 4, "three more replies");
	ok(is_error(1, 5, "c1", PACT_ERR_CREATION_FAILED, "holder scope") &&
	       is_error(2, 7, "c1", PACT_ERR_CREATION_FAILED, "holder scope"),
	   "both requests: CreationFailed, in arrival order (%s)", reason_of(1));
	ok(is_error(3, 8, "c1", PACT_ERR_ALLOCATION_NOT_FOUND, "its creation failed"),
	   "then the end: AllocationNotFound (%s)", reason_of(3));
	is_int(n_pushed, 0, "nothing pushed: no allocation was ever live");
	is_int(total_refs(), 0, "its mount reference was given back (WI2)");
	is_int(uenv_count(&node_uenv), 1, "the mount itself stays for its hold time (WI3)");
}

/* More requests than a creation can hold are refused, not dropped. */
static void test_waiters_bounded(void)
{
	struct pact_handoff_msg m = request("d1", "b.sqfs"); /* not mounted yet: a worker */
	n_sent = 0;
	for (int i = 0; i < ALLOC_WAITERS + 1; i++)
		alloc_handle(client(10 + i), &m);
	is_int(n_sent, 1, "the request past %d waiters is answered at once", ALLOC_WAITERS);
	ok(is_error(0, 10 + ALLOC_WAITERS, "d1", PACT_ERR_CREATION_FAILED, "too many requests"),
	   "with CreationFailed (%s)", reason_of(0));
	run_until_empty();
	is_int(n_sent, 1 + ALLOC_WAITERS, "every waiter heard the outcome");
	is_int(total_refs(), 0, "no reference left");
}

int main(void)
{
	char out[256];
	const char *why = NULL;

	is_int(alloc_cgroup_path(HANDOFF_DEFAULT_CGROUP_TEMPLATE, "alloc-42", out, sizeof out), 0,
	       "default template");
	is_str(out, "workload.slice/alloc-alloc-42.scope", "workload.slice/alloc-<id>.scope");
	is_int(alloc_cgroup_path("lattice.slice/{allocation_id}/job-{allocation_id}", "a1", out,
				 sizeof out),
	       0, "a template naming the id twice");
	is_str(out, "lattice.slice/a1/job-a1", "both replaced");
	is_int(alloc_cgroup_path("w/{allocation_id", "x", out, sizeof out), 0,
	       "an unclosed placeholder is text");
	is_str(out, "w/{allocation_id", "kept as is");
	is_int(alloc_cgroup_path("{allocation_id}", "abcdefgh", out, 8), -ENAMETOOLONG,
	       "too long for the buffer");
	is_int(alloc_cgroup_path("", "x", out, sizeof out), -EINVAL, "empty template");

	is_int(alloc_resolve_image("pytorch-2.5.sqfs", "/images", out, sizeof out, &why), 0,
	       "the contract's bare name");
	is_str(out, "/images/pytorch-2.5.sqfs", "resolves under the first image root");
	is_int(alloc_resolve_image("/scratch/img/x.sqfs", "/images", out, sizeof out, &why), 0,
	       "an absolute path");
	is_str(out, "/scratch/img/x.sqfs", "is kept (the mount manager checks the roots)");
	is_int(alloc_resolve_image("sub/x.sqfs", "/images", out, sizeof out, &why), -EINVAL,
	       "a relative path with '/' is refused");
	ok(why && strstr(why, "file name"), "with a reason: %s", why ? why : "(none)");
	is_int(alloc_resolve_image("../x.sqfs", "/images", out, sizeof out, &why), -EINVAL,
	       "../ is refused");
	is_int(alloc_resolve_image("..", "/images", out, sizeof out, &why), -EINVAL,
	       ".. is refused");
	is_int(alloc_resolve_image(".", "/images", out, sizeof out, &why), -EINVAL, ". is refused");
	is_int(alloc_resolve_image("", "/images", out, sizeof out, &why), -EINVAL,
	       "empty is refused");
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	is_int(alloc_resolve_image(longname, "/images", out, sizeof out, &why), -EINVAL,
	       "too long for the path is refused");

	setup();
	test_template();
	test_refusals();
	test_mount_failure();
	test_scope_failure();
	test_mounting();
	test_waiters_bounded();
	ok(!wrong_ctx, "the port's context came back with every call");
	cleanup();
	return done_testing();
}
