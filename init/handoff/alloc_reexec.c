/*
 * The allocation table across a live re-exec (docs/reexec.md). Live
 * allocations are carried: their holders survive the exec (they hold
 * nothing of ours) and the new image reopens their namespaces, takes a
 * pidfd, watches their workload cgroups again and rebuilds their uenv
 * references (WI6). Allocations still being created are given up. After a
 * re-exec whose state was lost, the holders nobody knows are destroyed.
 */
#include "handoff/alloc_int.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "node/reexec.h"
#include "node/uenv_node.h"
#include "proto/handoff_msg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct timer restore_timer;
static int records_failed; /* alloc records that could not be read back */

/* The longest alloc record (below): it must fit a re-exec line. */
#define ALLOC_RECORD_MAX                                                                           \
	(REEXEC_WORD_MAX(sizeof "alloc") + REEXEC_WORD_MAX(PACT_HANDOFF_ALLOC_ID_MAX) +            \
	 REEXEC_NUM_MAX + REEXEC_WORD_MAX(CG_PATH_MAX) + REEXEC_WORD_MAX(32) +                     \
	 REEXEC_WORD_MAX(PACT_HANDOFF_PATH_MAX) + REEXEC_WORD_MAX(UENV_IMAGE_MAX) +                \
	 REEXEC_WORD_MAX(CG_PATH_MAX) + 2 * REEXEC_NUM_MAX)
_Static_assert(ALLOC_RECORD_MAX <= REEXEC_LINE_MAX, "an alloc record must fit a re-exec line");

/*
 * One record per live allocation:
 *   alloc ID HOLDER_PID SCOPE_PATH NS(,NS..) UENV_REQ|%00 IMAGE|%00 CGROUP SEEN OWNER
 * (state version 1 had no OWNER: such an allocation restores with none,
 * and any permitted uid may use or end it, as then)
 * The holder survives the exec (it holds nothing of ours); the new image
 * reopens its namespaces and takes a pidfd. Allocations still being created
 * are given up: their holders are killed here.
 */
static void save_allocs(struct reexec_out *o)
{
	for (int i = 0; i < ALLOC_MAX; i++) {
		struct alloc *a = alloc__at(i);
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
		reexec_word(o, a->watch.path);
		reexec_num(o, a->watch.seen_populated);
		reexec_num(o, a->owner == ALLOC_OWNER_ANY ? -1 : (long long)a->owner);
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
	return loop_watch_child(pid, alloc__on_reap, a);
}

static void restore_alloc(void *ctx, char **w, int n)
{
	(void)ctx;
	struct alloc *a = NULL;
	const char *why = NULL;
	int words = reexec_version() >= 2 ? 10 : 9; /* version 1: no owner */
	if (n != words || handoff_check_alloc_id(w[1], &why) < 0 || atoi(w[2]) <= 1) {
		log_err("handoff: re-exec: a bad alloc record (%d words, id %s); its holder is "
			"handled as after a lost state",
			n, n > 1 ? w[1] : "?");
		records_failed++;
		return;
	}
	a = alloc__take_free();
	if (!a) {
		records_failed++;
		return;
	}
	memset(a, 0, sizeof *a);
	a->scope.dirfd = -1;
	snprintf(a->id, sizeof a->id, "%s", w[1]);
	long long owner = n == 10 ? strtoll(w[9], NULL, 10) : -1;
	a->owner = owner >= 0 && owner < 0xffffffffll ? (uid_t)owner : ALLOC_OWNER_ANY;
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
	snprintf(a->watch.path, sizeof a->watch.path, "%s", w[7]);
	a->watch.seen_populated = atoi(w[8]) != 0;
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
		alloc__release(a, "lost across a re-exec", 1);
		return;
	}
	alloc__watch(a); /* looked at once everything is restored */
	log_info("handoff: re-exec: %s adopted (holder %s)", a->id, w[2]);
}

/* 1 when rel (infra.slice/<scope>) is the holder scope of an allocation we know. */
static int restored_scope(const char *rel)
{
	for (int i = 0; i < ALLOC_MAX; i++) {
		const struct alloc *a = alloc__at(i);
		if (a->state != ALLOC_FREE && a->has_scope && strcmp(a->scope.path, rel) == 0)
			return 1;
	}
	return 0;
}

/*
 * A re-exec whose state was lost, or whose alloc records could not all be
 * read: the holders of the allocations we no longer know still run in
 * their scopes, pinning namespaces nobody can ask for again. Their scopes
 * say what they are: destroy them (those of the allocations restored stay).
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
		    restored_scope(rel) || cg_scope_open(&cg, rel, &s) < 0)
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
static void finish_restore(void *ctx)
{
	(void)ctx;
	if (reexec_state_lost() || records_failed)
		drop_stale_holders();
	const char *images[ALLOC_MAX];
	size_t n = 0;
	for (int i = 0; i < ALLOC_MAX; i++)
		if (alloc__at(i)->state == ALLOC_LIVE && alloc__at(i)->restore_uenv)
			images[n++] = alloc__at(i)->uh.image_path;
	if (n && uenv_reconstruct(&node_uenv, images, n) < 0)
		log_err("handoff: re-exec: rebuilding uenv refcounts: %s",
			uenv_last_error(&node_uenv));
	for (int i = 0; i < ALLOC_MAX; i++) {
		struct alloc *a = alloc__at(i);
		if (a->state != ALLOC_LIVE || !a->restore_uenv)
			continue;
		a->restore_uenv = 0;
		if (uenv_lookup(&node_uenv, a->uh.image_path, &a->uh) == 0)
			a->has_handle = 1;
		else
			log_err("handoff: re-exec: %s: its uenv %s is not mounted any more", a->id,
				a->uh.image_path);
	}
	cg_watch_check_all();
}

int alloc_reexec_init(void)
{
	reexec_register_saver(save_allocs);
	records_failed += reexec_each("alloc", restore_alloc, NULL);
	timer_arm(&restore_timer, 0, finish_restore, NULL);
	return 0;
}
