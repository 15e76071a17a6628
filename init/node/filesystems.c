/*
 * fstab mounts (see filesystems.h). Each entry is a small state machine
 * driven from the event loop: waiting (for the mounts it sits on, or for
 * a worker slot), mounting (a worker runs mount(2)), backing off (1, 2, 4
 * ... 30 s), mounted, or failed once its budget is spent. An entry waits
 * for every entry whose mount point is a parent of its own or of what it
 * x-systemd.requires=; one that needs a network filesystem is itself
 * mounted after the network. The fstab is read once per boot; a boot
 * retry starts the failed entries afresh.
 */
#include "node/filesystems.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "lib/worker.h"
#include "node/boot.h"
#include "node/power.h"
#include "os/fstab.h"
#include "os/kmod.h"
#include "os/mounts.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define WORKERS_MAX	  8
#define BACKOFF_CAP_MS	  30000u
#define UNMOUNT_POLITE_MS 5000u
#define UNMOUNT_FORCED_MS 3000u
#define MOUNTINFO_MAX	  65536

enum fs_state { FS_IDLE, FS_WAITING, FS_MOUNTING, FS_BACKOFF, FS_MOUNTED, FS_FAILED };

static struct fs_mount {
	struct fstab_entry e;
	enum fs_state st;
	unsigned attempts, backoff_ms, seq;
	uint64_t since_ms;
	struct timer retry;
	struct worker w;
	char err[WORKER_MSG_MAX];
} fs[FSTAB_MAX] PAGE_ALIGNED;
static int n_fs, parsed, running, stopping;
static unsigned mount_seq;
static int waiting_class = -1; /* the step that is pending: 0 local, 1 remote */

static char fstab_path[PATH_MAX] PAGE_ALIGNED; /* "" = /etc/fstab */
static unsigned budget_s = 90, attempt_s = 30, nofail_s = 600;

static int conf_mounts(const char *key, const char *v, char *err, size_t errlen)
{
	unsigned long long n;
	unsigned *dst = !strcmp(key, "mounts.timeout_s")	   ? &budget_s
			: !strcmp(key, "mounts.attempt_timeout_s") ? &attempt_s
			: !strcmp(key, "mounts.nofail_retry_s")	   ? &nofail_s
								   : NULL;
	if (!strcmp(key, "mounts.fstab"))
		return snprintf(fstab_path, sizeof fstab_path, "%s", v), 0;
	if (!dst)
		return snprintf(err, errlen, "unknown key '%s'", key), -ENOENT;
	if (parse_u64(v, &n) < 0 || n < 1 || n > 86400)
		return snprintf(err, errlen, "want seconds (1..86400)"), -EINVAL;
	*dst = (unsigned)n;
	return 0;
}

void filesystems_register_config(void)
{
	config_register_keys("mounts.", conf_mounts);
}

static int machine_init(void)
{
	return getpid() == 1 && cfg.do_reboot && cfg.do_mounts;
}

/* ---- the mount worker (in the child) ---- */

/* the filesystem's module, when the kernel does not have it yet */
static void load_fs_module(const struct fstab_entry *e)
{
	char fss[4096], want[40];
	if (read_file("/proc/filesystems", fss, sizeof fss) < 0)
		fss[0] = '\0';
	snprintf(want, sizeof want, "\t%s\n", e->fstype);
	struct kmod_opts o = {.modules_dir = cfg.modules_dir[0] ? cfg.modules_dir : NULL,
			      .quiet_missing = 1};
	int nfs = !strncmp(e->fstype, "nfs", 3);
	if (!strstr(fss, want))
		kmod_load_opts(nfs ? "nfs" : e->fstype, &o);
	if (nfs) /* the client's version, which the kernel asks modprobe for */
		kmod_load_opts(!strcmp(e->fstype, "nfs4") || strstr(e->data, "vers=4") ||
				       strstr(e->data, "nfsvers=4")
				   ? "nfsv4"
				   : "nfsv3",
			       &o);
}

static int mount_work(void *arg)
{
	const struct fstab_entry *e = arg;
	static char mi[MOUNTINFO_MAX] PAGE_ALIGNED;
	char src[FSTAB_PATH_MAX + 32], data[FSTAB_DATA_MAX + 80], err[300];
	if (read_file("/proc/self/mountinfo", mi, sizeof mi) > 0 &&
	    mountinfo_has(mi, e->target, NULL, 0))
		return 0; /* mounted already (a retry, a re-exec, a stage 1) */
	int r = fstab_source(e, src, sizeof src, err, sizeof err);
	if (r == 0)
		r = fstab_nfs_data(e, "", data, sizeof data, err, sizeof err);
	if (r < 0) {
		worker_say("%s", err);
		return r;
	}
	if ((r = mkdir_p(e->target, 0755)) < 0) {
		worker_say("mkdir %s: %s", e->target, strerror(-r));
		return r;
	}
	load_fs_module(e);
	unsigned long bind = e->flags & (MS_BIND | MS_REC);
	if (bind ? mount(src, e->target, NULL, bind, NULL) < 0 ||
		       (e->flags != bind &&
			mount(NULL, e->target, NULL, e->flags | MS_REMOUNT, NULL) < 0)
		 : mount(src, e->target, e->fstype, e->flags, data) < 0) {
		r = -errno;
		worker_say("%s", strerror(-r));
		return r;
	}
	return 0;
}

/* ---- PID 1 ---- */

static void progress_all(void);

static unsigned budget_of(const struct fs_mount *m)
{
	if (m->e.budget_s)
		return m->e.budget_s;
	return m->e.nofail ? nofail_s : budget_s;
}

static void describe(const struct fs_mount *m, char *out, size_t cap)
{
	snprintf(out, cap, "mount %.100s on %.100s (%s)", m->e.source, m->e.target, m->e.fstype);
}

/* Ready, or failed: the pending step hears it. */
static void check_step(void)
{
	if (waiting_class < 0)
		return;
	int all = 1;
	for (int i = 0; i < n_fs; i++) {
		struct fs_mount *m = &fs[i];
		if (m->e.remote != waiting_class || m->e.nofail)
			continue;
		if (m->st == FS_FAILED) {
			char what[260], reason[520];
			describe(m, what, sizeof what);
			snprintf(reason, sizeof reason, "%s: %s", what, m->err);
			waiting_class = -1;
			boot_step_finished(-EIO, reason);
			return;
		}
		all &= m->st == FS_MOUNTED;
	}
	if (all) {
		waiting_class = -1;
		boot_step_finished(0, NULL);
	}
}

static void fail(struct fs_mount *m, const char *why)
{
	char what[260];
	m->st = FS_FAILED;
	snprintf(m->err, sizeof m->err, "%s", why);
	describe(m, what, sizeof what);
	if (stopping || why == m->e.refused)
		return; /* refused: said with its line when fstab was read */
	if (m->e.nofail)
		log_err("%s: %s (fstab line %d); nofail: given up, the boot goes on", what, why,
			m->e.line);
	else
		log_err("%s: %s (fstab line %d)", what, why, m->e.line);
}

static void on_retry(void *ctx)
{
	struct fs_mount *m = ctx;
	if (m->st == FS_BACKOFF)
		m->st = FS_WAITING;
	progress_all();
}

static void mounted(struct worker *w, int r, const char *msg)
{
	struct fs_mount *m = w->ctx;
	char what[260];
	running--;
	describe(m, what, sizeof what);
	m->attempts++;
	if (r == 0) {
		m->st = FS_MOUNTED;
		m->seq = ++mount_seq;
		log_notice("%s: mounted%s", what, m->attempts > 1 ? " (after retries)" : "");
	} else {
		char why[WORKER_MSG_MAX + 64];
		snprintf(why, sizeof why, "%s",
			 r == -ETIMEDOUT ? "no answer before the attempt's deadline"
			 : msg[0]	 ? msg
					 : strerror(-r));
		uint64_t spent = now_ms() - m->since_ms, budget = budget_of(m) * 1000ull;
		if (stopping) {
			m->st = FS_FAILED;
		} else if (spent + m->backoff_ms >= budget) {
			snprintf(why + strlen(why), sizeof why - strlen(why),
				 " (%u attempts in %llu s)", m->attempts,
				 (unsigned long long)(spent / 1000));
			fail(m, why);
		} else {
			if (m->attempts == 1)
				log_warn("%s: %s; retrying for up to %u s%s", what, why,
					 budget_of(m), m->e.nofail ? " in the background" : "");
			snprintf(m->err, sizeof m->err, "%.250s", why);
			m->st = FS_BACKOFF;
			timer_arm(&m->retry, m->backoff_ms, on_retry, m);
			m->backoff_ms =
			    m->backoff_ms * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : m->backoff_ms * 2;
		}
	}
	progress_all();
}

/* Does entry i sit on entry j's mount point, or x-systemd.requires= it? */
static int needs(int i, int j)
{
	const struct fstab_entry *e = &fs[i].e;
	const char *t = fs[j].e.target;
	size_t n = strlen(t);
	int parent = j != i && n > 1 && !strncmp(e->target, t, n) && e->target[n] == '/';
	int req = e->requires[0] && !strncmp(e->requires, t, n) &&
		  (e->requires[n] == '/' || e->requires[n] == '\0' || n == 1);
	return parent || (req && j != i);
}

/* The mount entry i waits for, or -1. *failed: that one is given up. */
static int blocker(int i, int *failed)
{
	*failed = 0;
	for (int j = 0; j < n_fs; j++) {
		if (!needs(i, j) || fs[j].st == FS_MOUNTED)
			continue;
		*failed = fs[j].st == FS_FAILED;
		return j;
	}
	return -1;
}

static void progress(int i)
{
	struct fs_mount *m = &fs[i];
	if (m->st != FS_WAITING || stopping)
		return;
	uint64_t spent = now_ms() - m->since_ms, budget = budget_of(m) * 1000ull;
	int failed, j = blocker(i, &failed);
	char why[300];
	if (j >= 0 && (failed || spent >= budget)) {
		snprintf(why, sizeof why, "%s %.200s", failed ? "needs" : "still waiting for",
			 fs[j].e.target);
		fail(m, why);
		return;
	}
	if (j >= 0 || running >= WORKERS_MAX) {
		if (!timer_armed(&m->retry)) /* notice the budget's end */
			timer_arm(&m->retry, budget - spent, on_retry, m);
		return;
	}
	timer_cancel(&m->retry);
	uint64_t attempt = m->e.timeout_ms ? m->e.timeout_ms : attempt_s * 1000ull;
	if (attempt > budget - spent)
		attempt = budget - spent + 1000; /* the last attempt still gets a second */
	m->st = FS_MOUNTING; /* before: a worker that cannot be followed ends at once */
	running++;
	int r = worker_start(&m->w, "mount", mount_work, &m->e, (unsigned)attempt, mounted, m);
	if (r < 0) {
		running--;
		snprintf(why, sizeof why, "cannot start a worker: %s", strerror(-r));
		fail(m, why);
	}
}

static void progress_all(void)
{
	for (int i = 0; i < n_fs; i++)
		progress(i);
	check_step();
}

/* Read fstab once; an entry that needs a network filesystem is one too. */
static void read_fstab(void)
{
	static struct fstab_entry tab[FSTAB_MAX] PAGE_ALIGNED;
	if (parsed)
		return;
	parsed = 1;
	n_fs = fstab_read(fstab_path[0] ? fstab_path : "/etc/fstab", tab, FSTAB_MAX);
	for (int i = 0; i < n_fs; i++)
		fs[i].e = tab[i];
	for (int changed = 1; changed;) {
		changed = 0;
		for (int i = 0; i < n_fs; i++)
			for (int j = 0; j < n_fs; j++)
				if (needs(i, j) && fs[j].e.remote && !fs[i].e.remote)
					fs[i].e.remote = changed = 1;
	}
}

static int step(int class, char *err, size_t errlen)
{
	if (!machine_init())
		return 0;
	read_fstab();
	for (int i = 0; i < n_fs; i++) {
		struct fs_mount *m = &fs[i];
		if (m->e.remote != class || (m->st != FS_IDLE && m->st != FS_FAILED))
			continue; /* mounted, or on its way: a retry of the step leaves it */
		m->st = FS_WAITING;
		m->attempts = 0;
		m->backoff_ms = 1000;
		m->since_ms = now_ms();
		if (m->e.refused[0])
			fail(m, m->e.refused);
	}
	waiting_class = class;
	progress_all(); /* may finish the step at once (boot_step_finished) */
	(void)err, (void)errlen;
	return 1;
}

int filesystems_step_local(char *err, size_t errlen)
{
	return step(0, err, errlen);
}

int filesystems_step_remote(char *err, size_t errlen)
{
	return step(1, err, errlen);
}

void filesystems_each_mounted(void (*fn)(void *ctx, const char *target, int remote), void *ctx)
{
	for (unsigned s = 1; s <= mount_seq; s++)
		for (int i = 0; i < n_fs; i++)
			if (fs[i].st == FS_MOUNTED && fs[i].seq == s)
				fn(ctx, fs[i].e.target, fs[i].e.remote);
}

/* ---- shutdown ---- */

static struct worker unmounter;
static void (*stop_done)(void);
static int forced;

/* in the child: every fstab mount, the last mounted first */
static int unmount_work(void *arg)
{
	(void)arg;
	for (unsigned s = mount_seq; s >= 1; s--)
		for (int i = 0; i < n_fs; i++) {
			struct fs_mount *m = &fs[i];
			if (m->st != FS_MOUNTED || m->seq != s)
				continue;
			worker_say("umount %s", m->e.target); /* named if it hangs */
			int flags = forced && m->e.remote ? MNT_FORCE | MNT_DETACH : 0;
			int r = umount2(m->e.target, flags);
			if (r < 0 && errno == EBUSY)
				r = umount2(m->e.target, MNT_DETACH);
			if (r < 0 && errno != EINVAL) /* EINVAL: not mounted (any more) */
				log_err("umount %s: %s", m->e.target, strerror(errno));
			else
				log_info("umount %s", m->e.target);
		}
	return 0;
}

static void unmounted(struct worker *w, int r, const char *msg)
{
	(void)w;
	if (r == -ETIMEDOUT && !forced) {
		/* a server that does not answer: abort its requests, detach */
		log_warn("shutdown: %s did not finish; forcing the network filesystems", msg);
		forced = 1;
		if (worker_start(&unmounter, "unmount (forced)", unmount_work, NULL,
				 UNMOUNT_FORCED_MS, unmounted, NULL) == 0)
			return;
	}
	stop_done();
}

void filesystems_stop(void (*done)(void))
{
	stopping = 1;
	stop_done = done;
	for (int i = 0; i < n_fs; i++) {
		timer_cancel(&fs[i].retry);
		if (worker_running(&fs[i].w)) {
			worker_abandon(&fs[i].w);
			fs[i].st = FS_FAILED;
			running--;
		}
	}
	if (!mount_seq || worker_start(&unmounter, "unmount", unmount_work, NULL, UNMOUNT_POLITE_MS,
				       unmounted, NULL) < 0)
		done();
}

void filesystems_after_reexec(void)
{
	static char mi[MOUNTINFO_MAX] PAGE_ALIGNED;
	if (!machine_init())
		return;
	read_fstab();
	if (read_file("/proc/self/mountinfo", mi, sizeof mi) < 0)
		return;
	for (int i = 0; i < n_fs; i++) {
		struct fs_mount *m = &fs[i];
		if (mountinfo_has(mi, m->e.target, NULL, 0)) {
			m->st = FS_MOUNTED;
			m->seq = ++mount_seq; /* fstab order: near enough for the unmount */
		} else if (m->e.nofail && !m->e.refused[0]) {
			m->st = FS_WAITING; /* the background retries go on, afresh */
			m->backoff_ms = 1000;
			m->since_ms = now_ms();
		}
	}
	progress_all();
}
