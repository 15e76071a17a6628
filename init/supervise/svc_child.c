/*
 * A service's process before exec (see svc_child.h). The default limits
 * are systemd's for system services (nofile 1024:524288, memlock 8M), so
 * a vendor unit gets what it was written for; init.conf's
 * DefaultLimit*= keys change them for every service.
 */
#include "supervise/svc_child.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/table.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { SVC_MOUNT_TMPFS, SVC_MOUNT_RDONLY, SVC_MOUNT_HIDE, SVC_MOUNT_RDWR };

static struct unit_rlimit default_rl[UNIT_RLIMITS] = {
    [RLIMIT_NOFILE] = {1024, 524288},
    [RLIMIT_MEMLOCK] = {8u << 20, 8u << 20},
};
static unsigned default_set = 1u << RLIMIT_NOFILE | 1u << RLIMIT_MEMLOCK;

/* DefaultLimitNOFILE = 1024:524288: parsed as the unit key would be. */
static int conf_key(const char *key, const char *value, char *err, size_t errlen)
{
	char text[512];
	snprintf(text, sizeof text, "[Service]\n%s=%s\nExecStart=/bin/true\n", key + 7, value);
	static struct unit u PAGE_ALIGNED; /* large: not on PID 1's stack */
	struct unit_diag d = {0};
	struct unit_opts o = {.no_userdb = 1, .quiet = 1};
	for (int r = 0; r < UNIT_RLIMITS; r++) {
		const char *k = unit_rlimit_key(r);
		if (!k || strcmp(k, key + 7) != 0)
			continue;
		if (unit_load_buffer("init.conf.service", NULL, text, strlen(text), &o, &u, &d) <
			0 ||
		    !(u.rlim_set & 1u << r)) {
			const char *why = d.n ? strchr(d.msg[0].text, ' ') : NULL;
			snprintf(err, errlen, "%s", why ? why + 1 : "not a limit");
			return -EINVAL;
		}
		default_rl[r] = u.rlim[r];
		default_set |= 1u << r;
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

void svc_child_register_config(void)
{
	config_register_keys("DefaultLimit", conf_key);
}

static rlim_t rlim_of(uint64_t v)
{
	return v == UNIT_INFINITY ? RLIM_INFINITY : (rlim_t)v;
}

static void add_mount(struct svc_child *c, const char *path, int kind)
{
	if (c->n_mounts < SVC_CHILD_MOUNTS && access(path, F_OK) == 0)
		c->mounts[c->n_mounts++].path = path, c->mounts[c->n_mounts - 1].kind = kind;
}

static void prepare_mounts(const struct unit *u, struct svc_child *c)
{
	static const char *const home[] = {"/home", "/root", "/run/user"};
	if (u->protect_system == 3) {
		add_mount(c, "/", SVC_MOUNT_RDONLY);
		/* what strict leaves writable: the API filesystems and /run */
		static const char *const rw[] = {"/dev", "/proc", "/sys", "/run"};
		for (size_t i = 0; i < 4; i++)
			add_mount(c, rw[i], SVC_MOUNT_RDWR);
	} else if (u->protect_system) {
		add_mount(c, "/usr", SVC_MOUNT_RDONLY);
		add_mount(c, "/boot", SVC_MOUNT_RDONLY);
		add_mount(c, "/efi", SVC_MOUNT_RDONLY);
		if (u->protect_system == 2)
			add_mount(c, "/etc", SVC_MOUNT_RDONLY);
	}
	for (size_t i = 0; u->protect_home && i < 3; i++)
		add_mount(c, home[i],
			  u->protect_home == 1	 ? SVC_MOUNT_HIDE
			  : u->protect_home == 2 ? SVC_MOUNT_RDONLY
						 : SVC_MOUNT_TMPFS);
	if (u->private_tmp) {
		add_mount(c, "/tmp", SVC_MOUNT_TMPFS);
		add_mount(c, "/var/tmp", SVC_MOUNT_TMPFS);
	}
	c->new_ns = c->n_mounts > 0;
}

void svc_child_prepare(const struct unit *u, unsigned flags, struct svc_child *c)
{
	memset(c, 0, sizeof *c);
	for (int r = 0; r < UNIT_RLIMITS; r++) {
		const struct unit_rlimit *l = (u->rlim_set & 1u << r)	? &u->rlim[r]
					      : (default_set & 1u << r) ? &default_rl[r]
									: NULL;
		if (!l)
			continue;
		c->rl[r] = (struct rlimit){rlim_of(l->soft), rlim_of(l->hard)};
		c->rl_set |= 1u << r;
		if (l == &default_rl[r])
			c->rl_default |= 1u << r;
	}
	c->umask = u->umask;
	c->has_nice = u->has_nice;
	c->nice = u->nice;
	c->cpu_sched_policy = u->cpu_sched_policy;
	/* a priority is for the real-time policies only (1..99), as systemd */
	int rt = u->cpu_sched_policy == SCHED_FIFO || u->cpu_sched_policy == SCHED_RR;
	c->cpu_sched_prio = !rt ? 0 : u->cpu_sched_prio > 0 ? u->cpu_sched_prio : 1;
	c->ignore_sigpipe = u->ignore_sigpipe;
	c->has_affinity = u->has_affinity;
	memcpy(c->cpus, u->cpus, sizeof c->cpus);
	c->io_class = u->io_class;
	c->io_prio = u->io_prio;
	if (flags & UNIT_EXEC_PRIVILEGED)
		return; /* "+": without the sandboxing */
	c->no_new_privs = u->no_new_privs;
	c->has_cap_bounding = u->has_cap_bounding;
	c->cap_bounding = u->cap_bounding;
	/* with User= only: as root the capabilities are there anyway */
	c->cap_ambient =
	    u->has_cap_ambient && u->has_cred && u->cred.uid != 0 && !(flags & UNIT_EXEC_NO_SETUID)
		? u->cap_ambient
		: 0;
	prepare_mounts(u, c);
}

/* child: one mount of the sandbox */
static int child_mount(const char *path, int kind)
{
	switch (kind) {
	case SVC_MOUNT_TMPFS:
		return mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	case SVC_MOUNT_HIDE:
		return mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "mode=755");
	case SVC_MOUNT_RDONLY:
	case SVC_MOUNT_RDWR:
		if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
			return -1;
		return mount(NULL, path, NULL,
			     MS_BIND | MS_REMOUNT | (kind == SVC_MOUNT_RDONLY ? MS_RDONLY : 0),
			     NULL);
	default:
		return 0;
	}
}

int svc_child_setup(const void *arg)
{
	const struct svc_child *c = arg;
	for (int r = 0; r < UNIT_RLIMITS; r++) {
		if (!(c->rl_set & 1u << r) || setrlimit(r, &c->rl[r]) == 0)
			continue;
		struct rlimit now;
		/* a default above what we may raise to (no CAP_SYS_RESOURCE, as in
		 * a container): as far as our own hard limit goes */
		if (errno != EPERM || !(c->rl_default & 1u << r) || getrlimit(r, &now) < 0)
			return -errno;
		struct rlimit cut = {c->rl[r].rlim_cur < now.rlim_max ? c->rl[r].rlim_cur
								      : now.rlim_max,
				     now.rlim_max};
		if (setrlimit(r, &cut) < 0)
			return -errno;
	}
	umask(c->umask);
	if (c->has_nice && setpriority(PRIO_PROCESS, 0, c->nice) < 0)
		return -errno;
	if (c->cpu_sched_policy >= 0) {
		struct sched_param sp = {.sched_priority = c->cpu_sched_prio};
		if (syscall(SYS_sched_setscheduler, 0, c->cpu_sched_policy, &sp) < 0)
			return -errno;
	}
	/* systemd's default: a write to a closed pipe is EPIPE, not death */
	if (c->ignore_sigpipe) {
		struct sigaction sa = {.sa_handler = SIG_IGN};
		if (sigaction(SIGPIPE, &sa, NULL) < 0)
			return -errno;
	}
	for (int fd = 3; fd < 3 + c->nonblock_fds; fd++) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			return -errno;
	}
	if (c->has_affinity && syscall(SYS_sched_setaffinity, 0, sizeof c->cpus, c->cpus) < 0)
		return -errno;
	if (c->io_class > 0 && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0,
				       c->io_class << 13 | c->io_prio) < 0)
		return -errno;
	if (c->new_ns) {
		if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			return -errno;
		for (int i = 0; i < c->n_mounts; i++)
			if (child_mount(c->mounts[i].path, c->mounts[i].kind) < 0)
				return -errno;
	}
	for (int cap = 0; c->has_cap_bounding && cap < 64; cap++)
		if (!(c->cap_bounding >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return -errno;
	if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* keep the permitted set across setuid, for the ambient ones */
	if (c->cap_ambient && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* child, after setuid: the ambient set is permitted, inheritable and
 * effective, then raised (capabilities(7)); the others are gone */
int svc_child_post_ids(const void *arg)
{
	const struct svc_child *c = arg;
	if (!c->cap_ambient)
		return 0;
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	for (int i = 0; i < 2; i++)
		d[i].permitted = d[i].inheritable = d[i].effective =
		    (uint32_t)(c->cap_ambient >> (32 * i));
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	for (int cap = 0; cap < 64; cap++)
		if ((c->cap_ambient >> cap & 1) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -errno;
	return 0;
}
