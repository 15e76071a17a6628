/*
 * How a service's command runs (see svc_exec.h): in a fresh scope with
 * the unit's limits, found in the standard PATH when it names no
 * directory, with the environment systemd gives a service (PATH,
 * NOTIFY_SOCKET, INVOCATION_ID, USER/LOGNAME/HOME/SHELL with User=,
 * MAINPID for control commands, the directories made for it,
 * WATCHDOG_USEC) and the unit's own, as the unit's user unless the
 * command's prefix says root, its stdout and stderr on the log pipe or
 * the unit's files. What the child does before exec is svc_child.c.
 */
#include "supervise/svc_exec.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/table.h"
#include "node/hardware.h"
#include "os/spawn.h"
#include "supervise/notify.h"
#include "supervise/svc_child.h"
#include "supervise/svc_delegate.h"
#include "supervise/svc_dirs.h"
#include "supervise/svc_kinds.h"
#include "supervise/svc_tasks.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ENV_MAX	   (UNIT_ENV_MAX + 19) /* 3: LISTEN_FDS, _FDNAMES, _PID */
#define ENV_EXTRA  4096		       /* bytes of the variables made here */
#define GROUPS_MAX (USERDB_GROUPS_MAX + UNIT_GROUPS_MAX)

static const char *find_in_path(const char *name, char *buf, size_t cap)
{
	if (strchr(name, '/'))
		return name;
	static const char *const dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					   "/usr/bin",	      "/sbin",		"/bin"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (path_fmt(buf, cap, "%s/%s", dirs[i], name) >= 0 && access(buf, X_OK) == 0)
			return buf;
	}
	return name;
}

struct env_buf {
	char *envp[ENV_MAX];
	int n;
	char text[ENV_EXTRA];
	size_t used;
};

static void env_add(struct env_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void env_add(struct env_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(b->text + b->used, sizeof b->text - b->used, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof b->text - b->used || b->n >= ENV_MAX - 1)
		return; /* bounded: a variable that does not fit is left out */
	b->envp[b->n++] = b->text + b->used;
	b->used += (size_t)len + 1;
}

static void build_env(const struct svc_run *run, struct env_buf *b)
{
	const struct unit *u = run->u;
	b->n = 0;
	b->used = 0;
	env_add(b, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	/* every type gets it: a script may report STATUS= whatever its Type= */
	env_add(b, "%s", notify_env());
	if (run->invocation_id && run->invocation_id[0])
		env_add(b, "INVOCATION_ID=%s", run->invocation_id);
	if (u->has_cred) {
		const char *user = u->user && u->user[0] ? u->user : "root";
		env_add(b, "USER=%s", user);
		env_add(b, "LOGNAME=%s", user);
		env_add(b, "HOME=%s", u->cred.home);
		env_add(b, "SHELL=%s", u->cred.shell);
	}
	if (run->main_pid > 0)
		env_add(b, "MAINPID=%d", (int)run->main_pid);
	if (u->watchdog_ms)
		env_add(b, "WATCHDOG_USEC=%llu", (unsigned long long)u->watchdog_ms * 1000);
	for (int k = 0; k < UNIT_DIR_KINDS; k++) {
		char list[1024];
		if (svc_dirs_env(u, (enum unit_dir_kind)k, list, sizeof list) > 0)
			env_add(b, "%s", list);
	}
	for (int i = 0; i < u->n_env && b->n < ENV_MAX - 1; i++)
		b->envp[b->n++] = u->envp[i];
	b->envp[b->n] = NULL;
}

static void limits_of(const struct unit *u, struct cg_limits *l)
{
	memset(l, 0, sizeof *l);
	l->memory_max = u->memory_max == UNIT_INFINITY ? 0 : u->memory_max;
	l->cpu_weight = u->cpu_weight;
	l->pids_max = svc_tasks_for(u); /* TasksMax=, or the default task limit */
	for (int i = 0; i < u->n_io && l->n_io < CG_IO_MAX_DEVS; i++) {
		struct cg_io_limit *io = &l->io[l->n_io];
		if (cg_dev_of_path(u->io[i].device, &io->major, &io->minor) < 0) {
			log_warn("service %s: %s is not a block device; its IO limit is ignored",
				 u->name, u->io[i].device);
			continue;
		}
		io->rbps = u->io[i].rbps == UNIT_INFINITY ? 0 : u->io[i].rbps;
		io->wbps = u->io[i].wbps == UNIT_INFINITY ? 0 : u->io[i].wbps;
		l->n_io++;
	}
}

int svc_exec_scope(const struct unit *u, const char *base, struct cg_scope *scope, unsigned *gen)
{
	struct cg_limits lim;
	limits_of(u, &lim);
	if (u->delegate) /* every controller, cpuset too, reaches the scope */
		svc_delegate_prepare(&node_cg, unit_slice_path(u->slice));
	int r = cg_create_scope_fresh(&node_cg, unit_slice_path(u->slice), base, &lim, scope, gen);
	if (r == 0 && u->delegate && u->has_cred && u->cred.uid != 0) {
		int d = svc_delegate_give(scope, u->cred.uid, u->cred.gid);
		if (d < 0)
			log_warn("service %s: Delegate=yes: cannot give %s to uid %d: %s", u->name,
				 scope->rel, (int)u->cred.uid, strerror(-d));
	}
	return r;
}

/* StandardOutput=file:... and friends: opened here, handed to the child. */
static int open_std(enum unit_std kind, const char *path, int log_fd, int *fd)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY;
	*fd = -1;
	switch (kind) {
	case UNIT_STD_LOG:
		*fd = log_fd;
		return 0;
	case UNIT_STD_NULL:
		return 0; /* -1: the spawner gives /dev/null */
	case UNIT_STD_APPEND:
		flags |= O_APPEND;
		break;
	case UNIT_STD_TRUNCATE:
		flags |= O_TRUNC;
		break;
	case UNIT_STD_FILE:
		break;
	}
	*fd = open(path, flags, 0644);
	return *fd < 0 ? -errno : 1; /* 1: ours to close */
}

/* "$MAINPID" as a word (kept by the loader): the main pid of the run. */
static char *const *with_mainpid(const struct unit_exec *e, pid_t main_pid)
{
	static char *argv[UNIT_ARGV_MAX + 1];
	static char pid[16];
	int found = 0;
	for (int i = 0; i < e->argc; i++)
		found |= strcmp(e->argv[i], "$MAINPID") == 0;
	if (!found)
		return e->argv;
	snprintf(pid, sizeof pid, "%d", (int)main_pid);
	for (int i = 0; i <= e->argc && i <= UNIT_ARGV_MAX; i++)
		argv[i] = e->argv[i] && strcmp(e->argv[i], "$MAINPID") == 0 ? pid : e->argv[i];
	return argv;
}

static void set_creds(const struct unit *u, unsigned flags, struct spawn_req *req, gid_t *groups)
{
	if (!u->has_cred || (flags & (UNIT_EXEC_PRIVILEGED | UNIT_EXEC_NO_SETUID)))
		return; /* "+" and "!": as root, the daemon drops privileges itself */
	req->set_ids = 1;
	req->uid = u->cred.uid;
	req->gid = u->cred.gid;
	size_t n = 0;
	for (int i = 0; i < u->cred.ngroups && n < GROUPS_MAX; i++)
		groups[n++] = u->cred.groups[i];
	for (int i = 0; i < u->n_groups && n < GROUPS_MAX; i++)
		groups[n++] = u->groups[i];
	req->ngroups = n;
	req->groups = groups;
}

int svc_exec_spawn(const struct svc_run *run, const struct unit_exec *e, struct cg_scope *scope,
		   int log_fd, pid_t *pid)
{
	const struct unit *u = run->u;
	static struct env_buf env PAGE_ALIGNED; /* the child gets a copy at clone */
	static struct svc_child child;
	gid_t groups[GROUPS_MAX];
	char pathbuf[512];
	struct spawn_req req;
	struct spawn_result res;
	build_env(run, &env);
	spawn_req_init(&req);
	req.path = find_in_path(e->path, pathbuf, sizeof pathbuf);
	req.argv = with_mainpid(e, run->main_pid);
	req.envp = env.envp;
	req.cwd = u->working_dir ? u->working_dir : "/";
	if (u->working_dir_optional && access(req.cwd, X_OK) < 0)
		req.cwd = "/"; /* "-": a missing working directory is fine */
	set_creds(u, e->flags, &req, groups);
	int out_own = 0, err_own = 0, r;
	req.stdio[0] = -1;
	if ((out_own = open_std(u->std_out, u->std_out_path, log_fd, &req.stdio[1])) < 0 ||
	    (err_own = open_std(u->std_err, u->std_err_path, log_fd, &req.stdio[2])) < 0) {
		r = out_own < 0 ? out_own : err_own;
		log_err("service %s: %s: %s", u->name,
			out_own < 0 ? u->std_out_path : u->std_err_path, strerror(-r));
		if (out_own > 0)
			close(req.stdio[1]);
		return r;
	}
	/* sd_listen_fds: the sockets of its .socket units on 3, 4, ... */
	int fds[SPAWN_LISTEN_MAX];
	char fds_env[32], names_env[512] = "LISTEN_FDNAMES=", pid_env[32] = "LISTEN_PID=";
	int nfds = svc_socket_fds(u, fds, SPAWN_LISTEN_MAX, names_env + strlen(names_env),
				  sizeof names_env - strlen(names_env));
	if (nfds > 0 && env.n + 3 < ENV_MAX) {
		snprintf(fds_env, sizeof fds_env, "LISTEN_FDS=%d", nfds);
		env.envp[env.n++] = fds_env;
		env.envp[env.n++] = names_env;
		env.envp[env.n++] = pid_env; /* the child writes its pid here (spawn.c) */
		env.envp[env.n] = NULL;
		req.listen_fds = fds;
		req.n_listen_fds = nfds;
		req.listen_pid_env = pid_env;
	}
	req.set_oom_score_adj = u->has_oom_score_adj;
	req.oom_score_adj = u->oom_score_adj;
	svc_child_prepare(u, e->flags, &child);
	child.nonblock_fds = u->non_blocking ? req.n_listen_fds : 0;
	req.setup_fn = svc_child_setup;
	req.post_ids_fn = svc_child_post_ids;
	req.setup_arg = &child;
	if (child.new_ns)
		req.clone_flags |= CLONE_NEWNS;
	if (run->keep_scope) { /* the main process runs there: a failure here is ours alone */
		req.cgroup_fd = cg_scope_spawn_fd(scope);
		r = req.cgroup_fd < 0 ? req.cgroup_fd : spawn_process(&req, &res);
	} else {
		r = spawn_in_scope(&node_cg, scope, &req, &res);
	}
	if (out_own > 0)
		close(req.stdio[1]);
	if (err_own > 0)
		close(req.stdio[2]);
	if (r == 0)
		*pid = res.pid;
	return r;
}
