/*
 * How a service's command runs (see svc_exec.h): in a fresh scope with
 * the unit's limits, found in the standard PATH when it names no
 * directory, with PATH, NOTIFY_SOCKET and the unit's environment, as the
 * unit's user, its stdout and stderr on the log pipe.
 */
#include "supervise/svc_exec.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "node/hardware.h"
#include "os/spawn.h"
#include "supervise/notify.h"
#include "supervise/svc_kinds.h"
#include "supervise/svc_tasks.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ENV_MAX (UNIT_ENV_MAX + 8)

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

static void build_env(const struct unit *u, char **envp)
{
	static char path_env[] =
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int n = 0;
	envp[n++] = path_env;
	/* every type gets it: a script may report STATUS= whatever its Type= */
	envp[n++] = (char *)notify_env();
	for (int i = 0; i < u->n_env && n < ENV_MAX - 1; i++)
		envp[n++] = u->envp[i];
	envp[n] = NULL;
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
	return cg_create_scope_fresh(&node_cg, unit_slice_path(u->slice), base, &lim, scope, gen);
}

int svc_exec_spawn(const struct unit *u, const struct unit_exec *e, struct cg_scope *scope,
		   int log_fd, pid_t *pid)
{
	char *envp[ENV_MAX];
	char pathbuf[512];
	struct spawn_req req;
	struct spawn_result res;
	build_env(u, envp);
	spawn_req_init(&req);
	req.path = find_in_path(e->path, pathbuf, sizeof pathbuf);
	req.argv = e->argv;
	req.envp = envp;
	req.cwd = u->working_dir ? u->working_dir : "/";
	if (u->has_cred) {
		req.set_ids = 1;
		req.uid = u->cred.uid;
		req.gid = u->cred.gid;
		req.ngroups = (size_t)u->cred.ngroups;
		req.groups = u->cred.groups;
	}
	req.stdio[0] = -1;
	req.stdio[1] = req.stdio[2] = log_fd;
	if (u->has_nofile)
		req.nofile = u->nofile_soft == UNIT_INFINITY ? 1048576 : u->nofile_soft;
	/* sd_listen_fds: the sockets of its .socket units on 3, 4, ... */
	int fds[SPAWN_LISTEN_MAX];
	char fds_env[32], names_env[512] = "LISTEN_FDNAMES=", pid_env[32] = "LISTEN_PID=";
	int nfds = svc_socket_fds(u, fds, SPAWN_LISTEN_MAX, names_env + strlen(names_env),
				  sizeof names_env - strlen(names_env));
	if (nfds > 0) {
		int k = 0;
		while (envp[k])
			k++;
		snprintf(fds_env, sizeof fds_env, "LISTEN_FDS=%d", nfds);
		envp[k++] = fds_env;
		envp[k++] = names_env;
		envp[k++] = pid_env; /* the child writes its pid here (spawn.c) */
		envp[k] = NULL;
		req.listen_fds = fds;
		req.n_listen_fds = nfds;
		req.listen_pid_env = pid_env;
	}
	req.set_oom_score_adj = u->has_oom_score_adj;
	req.oom_score_adj = u->oom_score_adj;
	int r = spawn_in_scope(&node_cg, scope, &req, &res);
	if (r == 0)
		*pid = res.pid;
	return r;
}
