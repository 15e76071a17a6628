/*
 * The supervisor across a live re-exec. Saved per service: its state, main
 * pid, scope, scope generation, restart and OOM counts, and its log pipe
 * (both ends, so the service's stdout never sees a closed pipe). The pids
 * are still our children after execve, so watching them again is enough to
 * keep supervising. When the state was lost, services are adopted from
 * their scopes instead: a populated scope of theirs means it runs.
 */
#include "supervise/supervise.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "node/hardware.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "node/reexec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int adopt_pending;

static void save_services(struct reexec_out *o)
{
	for (int i = 0; i < svc_count(); i++) {
		struct svc *s = svc_at(i);
		reexec_begin(o, "svc");
		reexec_word(o, s->u->name);
		reexec_num(o, s->state);
		reexec_num(o, s->pid);
		reexec_word(o, s->have_scope ? s->scope.rel : "");
		reexec_num(o, s->gen);
		reexec_num(o, s->restarts);
		reexec_num(o, (long long)s->oom_kills);
		reexec_num(o, s->admin_stop);
		reexec_num(o, s->last_status);
		reexec_num(o, s->ctl_pid);
		reexec_num(o, s->ctl_kind);
		reexec_num(o, s->cmd_next);
		reexec_end(o);
		svclog_save(o, &s->log, s->u->name);
	}
}

static void restore_one(void *ctx, char **w, int n)
{
	int *count = ctx;
	if (n != 13)
		return;
	struct svc *s = svc_find(w[1]);
	if (!s) {
		log_warn("re-exec: service %s is no longer configured; its pid %s is left alone",
			 w[1], w[3]);
		return;
	}
	enum svc_state st = (enum svc_state)atoi(w[2]);
	s->pid = (pid_t)atoi(w[3]);
	s->gen = (unsigned)atoi(w[5]);
	s->restarts = (unsigned)atoi(w[6]);
	s->oom_kills = strtoull(w[7], NULL, 10);
	s->admin_stop = atoi(w[8]);
	s->last_status = atoi(w[9]);
	s->ctl_pid = (pid_t)atoi(w[10]);
	s->ctl_kind = atoi(w[11]);
	s->cmd_next = atoi(w[12]);
	if (s->ctl_kind < 0 || s->ctl_kind >= UNIT_CMD_KINDS || s->cmd_next < 0 ||
	    s->cmd_next > s->u->n_exec[s->ctl_kind])
		s->ctl_kind = s->cmd_next = 0;
	if (s->ctl_pid > 0 && kill(s->ctl_pid, 0) < 0)
		s->ctl_pid = 0;
	s->started_ms = now_ms();
	s->settled = 1;
	if (w[4][0] && cg_scope_open(&node_cg, w[4], &s->scope) == 0) {
		s->have_scope = 1;
		s->scope_gen = s->gen ? s->gen - 1 : 0;
	}
	if ((s->pid > 0 && kill(s->pid, 0) == 0) || s->ctl_pid > 0) {
		svc_watch(s);
	}
	if (s->pid > 0 && kill(s->pid, 0) < 0) {
		log_warn("re-exec: service %s: pid %d went away during the re-exec", s->u->name,
			 s->pid);
		s->pid = 0;
	}
	/* timers did not come along: what waited on one acts now; a socket
	 * or timer unit starts again (its fds came along, its timer re-arms) */
	if (st == SVC_RESTART_WAIT || (st == SVC_STARTING && s->pid == 0 && s->ctl_pid == 0) ||
	    (s->u->kind != UNIT_KIND_SERVICE && st == SVC_RUNNING)) {
		s->state = SVC_INACTIVE;
		if (s->have_scope) {
			cg_destroy_scope(&node_cg, &s->scope); /* one-shot: never reused */
			s->have_scope = 0;
		}
		svc_start(s);
	} else {
		s->state = st;
		/* settled while its scope was being removed: its removal did not
		 * come along either */
		if (s->have_scope && s->pid == 0 &&
		    (st == SVC_FAILED || st == SVC_STOPPED || st == SVC_EXITED)) {
			cg_destroy_scope(&node_cg, &s->scope);
			s->have_scope = 0;
		}
	}
	(*count)++;
}

void svc_reexec_init(void)
{
	reexec_register_saver(save_services);
	int count = 0;
	reexec_each("svc", restore_one, &count);
	if (count)
		log_notice("re-exec: %d services carried across", count);
	/* a re-exec whose state was lost: the boot step adopts what runs */
	adopt_pending = reexec_state_lost();
}

/* The scope of s that still holds processes, if any: "base" or "base-N". */
struct find_scope {
	const char *base;
	char rel[CG_PATH_MAX];
	unsigned gen;
};

static int match_scope(void *ctx, const char *rel)
{
	struct find_scope *f = ctx;
	const char *name = strrchr(rel, '/');
	name = name ? name + 1 : rel;
	size_t bl = strlen(f->base);
	if (strncmp(name, f->base, bl) != 0)
		return 0;
	const char *rest = name + bl;
	unsigned gen = 0;
	if (*rest == '-') {
		char *end;
		gen = (unsigned)strtoul(rest + 1, &end, 10);
		rest = end;
	}
	if (strcmp(rest, ".scope") != 0 || cg_is_empty(&node_cg, rel) != 0)
		return 0;
	snprintf(f->rel, sizeof f->rel, "%s", rel);
	f->gen = gen;
	return 1;
}

/* The main pid of an adopted scope: its lowest pid that is our child. */
static int pick_pid(void *ctx, pid_t pid)
{
	pid_t *best = ctx;
	char path[64], text[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (read_file(path, text, sizeof text) <= 0)
		return 0;
	const char *p = strrchr(text, ')');
	int ppid = p ? atoi(p + 4) : 0; /* ") S <ppid>" */
	if (ppid == getpid() && (*best == 0 || pid < *best))
		*best = pid;
	return 0;
}

/* Our fds on the pipe behind the service's stdout: both ends are still
 * open in this process (they went through execve without being named), so
 * find them by the pipe's inode and take them over. */
static void adopt_log_pipe(struct svc *s)
{
	char path[64], want[64], have[64];
	snprintf(path, sizeof path, "/proc/%d/fd/1", s->pid);
	ssize_t n = readlink(path, want, sizeof want - 1);
	if (n <= 0 || strncmp(want, "pipe:", 5) != 0)
		return;
	want[n] = '\0';
	int rfd = -1, wfd = -1;
	for (int fd = 3; fd < 1024; fd++) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		n = readlink(path, have, sizeof have - 1);
		if (n <= 0)
			continue;
		have[n] = '\0';
		if (strcmp(have, want) != 0)
			continue;
		int acc = fcntl(fd, F_GETFL) & O_ACCMODE;
		if (acc == O_RDONLY)
			rfd = fd;
		else if (acc == O_WRONLY)
			wfd = fd;
	}
	if (rfd < 0 || wfd < 0)
		return;
	fcntl(rfd, F_SETFD, FD_CLOEXEC);
	fcntl(wfd, F_SETFD, FD_CLOEXEC);
	char logs[512], base[UNIT_NAME_MAX];
	svc_base_name(s, base, sizeof base);
	if (run_path(logs, sizeof logs, "logs") < 0)
		return;
	svclog_close(&s->log); /* the fresh pipe made at start is not the service's */
	svclog_adopt(&s->log, logs, base, rfd, wfd);
}

static void adopt(struct svc *s)
{
	struct find_scope f = {0};
	char base[UNIT_NAME_MAX];
	svc_base_name(s, base, sizeof base);
	f.base = base;
	if (cg_for_each_scope(&node_cg, unit_slice_path(s->u->slice), match_scope, &f) != 1)
		return;
	pid_t pid = 0;
	char abs[CG_PATH_MAX];
	if (cg_abs_path(&node_cg, f.rel, abs, sizeof abs) >= 0)
		cg_for_each_pid(abs, pick_pid, &pid);
	int r = pid > 0 ? cg_scope_open(&node_cg, f.rel, &s->scope) : -ESRCH;
	if (r < 0) {
		log_warn("re-exec: service %s: scope %s holds processes but %s; "
			 "starting the service anew",
			 s->u->name, f.rel, pid > 0 ? strerror(-r) : "none is our child");
		return;
	}
	s->have_scope = 1;
	s->gen = f.gen + 1;
	s->pid = pid;
	s->state = SVC_RUNNING;
	s->settled = 1;
	s->started_ms = now_ms();
	svc_watch(s);
	adopt_log_pipe(s);
	log_notice("re-exec: service %s adopted (pid %d, scope %s)", s->u->name, pid, f.rel);
}

int svc_step_adopt(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if (!adopt_pending)
		return 0;
	adopt_pending = 0;
	for (int i = 0; i < svc_count(); i++) {
		struct svc *s = svc_at(i);
		if (s->state == SVC_INACTIVE && s->u->load_state == UNIT_LOADED)
			adopt(s);
	}
	return 0;
}
