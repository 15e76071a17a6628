/*
 * What the supervisor needs to know of the node and of a forking daemon:
 * Type=forking's main process (the PIDFile=, else the only process left
 * in the scope: the scope holds every process of the run, so the guess
 * is reliable), the node as Condition*= sees it (read once), and the
 * INVOCATION_ID of each start, WatchdogSec= and the OOM kills of a run.
 */
#include "supervise/supervise_int.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "supervise/svclog.h"
#include "node/hardware.h"
#include "units/unit_cond.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#define PIDFILE_WAIT_MS	   50 /* between looks at a PIDFile= not written yet */
#define PIDFILE_WAIT_TRIES 40 /* 2 s: then the scope's only process is taken */

extern char **environ;

/* ---- Type=forking ---- */

static pid_t read_pid_file(const char *path)
{
	char text[32];
	unsigned long long v;
	if (read_file(path, text, sizeof text) <= 0)
		return 0;
	text[strcspn(text, " \t\r\n")] = '\0';
	return parse_u64(text, &v) == 0 && v > 1 && v < (1u << 22) ? (pid_t)v : 0;
}

/* Is pid in s's scope (or below it)? */
static int in_scope(const struct svc *s, pid_t pid)
{
	char path[64], text[512];
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	if (read_file(path, text, sizeof text) <= 0)
		return 0;
	char *p = strstr(text, "0::/");
	if (!p)
		return 0;
	p += 4;
	p[strcspn(p, "\n")] = '\0';
	size_t l = strlen(s->scope.rel);
	return strncmp(p, s->scope.rel, l) == 0 && (p[l] == '\0' || p[l] == '/');
}

struct only_pid {
	pid_t pid;
	int n;
};

static int count_pid(void *ctx, pid_t pid)
{
	struct only_pid *o = ctx;
	o->pid = pid;
	return ++o->n > 1;
}

static void forking_settle(struct svc *s, pid_t pid, const char *how)
{
	s->pid = pid;
	log_info("service %s: main process %d (%s)", s->u->name, (int)pid, how);
	/* the daemon was re-parented to PID 1: its exit comes to us */
	svc_watch(s);
	svc_became_ready(s, how);
}

static void forking_look(void *ctx)
{
	struct svc *s = ctx;
	if (s->state != SVC_STARTING)
		return;
	const struct unit *u = s->u;
	if (u->pid_file) {
		pid_t pid = read_pid_file(u->pid_file);
		if (pid > 0 && kill(pid, 0) == 0 && in_scope(s, pid)) {
			forking_settle(s, pid, "PIDFile=");
			return;
		}
		if (pid > 0 && kill(pid, 0) == 0)
			log_warn("service %s: %s names pid %d, which is not in %s: ignored",
				 u->name, u->pid_file, (int)pid, s->scope.rel);
		if (++s->pidfile_tries < PIDFILE_WAIT_TRIES) {
			timer_arm(&s->pidfile_timer, PIDFILE_WAIT_MS, forking_look, s);
			return;
		}
		log_warn("service %s: %s not written within %d ms; guessing the main process",
			 u->name, u->pid_file, PIDFILE_WAIT_MS * PIDFILE_WAIT_TRIES);
	}
	struct only_pid o = {0, 0};
	if (s->have_scope)
		cg_for_each_pid(s->scope.path, count_pid, &o);
	if (o.n == 1 && u->guess_main_pid) {
		forking_settle(s, o.pid, "the only process of its scope");
		return;
	}
	if (o.n == 0) { /* sm-notify: it did its job and left, which is fine */
		log_info("service %s: Type=forking: ExecStart= exited 0 and left no process (%s)",
			 u->name, u->remain_after_exit ? "RemainAfterExit=yes: exited" : "stopped");
		timer_cancel(&s->start_timer);
		s->reached_ready = 1;
		s->settled = 1;
		s->state = u->remain_after_exit ? SVC_EXITED : SVC_STOPPED;
		svc_drop_scope(s);
		svc_set_state(s, s->state);
		return;
	}
	/* several and no PIDFile=: running, followed through its scope only */
	log_warn("service %s: %d processes in %s and no PIDFile=: no main process is known",
		 u->name, o.n, s->scope.rel);
	svc_became_ready(s, "forked");
}

void svc_forking_exited(struct svc *s)
{
	s->pidfile_tries = 0;
	forking_look(s);
}

/* ---- OOM kills ---- */

/*
 * OOM kills in the scope, read before it is destroyed (its memory.events
 * goes with it). The count is kept per service across scopes; a main
 * process that died of SIGKILL while the count grew was the OOM killer's.
 */
int svc_note_oom_kills(struct svc *s, int status)
{
	struct cg_metrics m = {0};
	if (!s->have_scope || cg_read_metrics(&node_cg, s->scope.rel, &m) < 0 || !m.oom_kills)
		return 0;
	s->oom_kills += m.oom_kills;
	char max[32] = "max";
	if (m.memory_max_set)
		snprintf(max, sizeof max, "%llu", (unsigned long long)m.memory_max);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		log_err("service %s: OOM-killed (memory.max %s)", s->u->name, max);
		svclog_note(&s->log, "OOM-killed");
		return 1;
	}
	log_warn("service %s: %llu processes of its scope OOM-killed (memory.max %s)", s->u->name,
		 (unsigned long long)m.oom_kills, max);
	return 0;
}

/* ---- WatchdogSec= ---- */

static void watchdog_expired(void *ctx)
{
	struct svc *s = ctx;
	if (s->state != SVC_RUNNING || s->pid <= 0)
		return;
	log_err("service %s: no WATCHDOG=1 within %llu ms (WatchdogSec=): aborting it", s->u->name,
		(unsigned long long)s->u->watchdog_ms);
	snprintf(s->why, sizeof s->why, "watchdog timeout (WatchdogSec=)");
	s->timed_out = 2;
	kill(s->pid, SIGABRT);
}

void svc_watchdog_ping(struct svc *s, uint64_t usec)
{
	uint64_t ms = usec ? (usec + 999) / 1000 : s->u->watchdog_ms;
	if (s->state == SVC_RUNNING && ms)
		timer_arm(&s->watchdog_timer, ms, watchdog_expired, s);
}

/* ---- the node, as conditions see it ---- */

static const char *arch_name(const char *machine)
{
	static const char *const map[][2] = {
	    {"x86_64", "x86-64"},    {"aarch64", "arm64"},   {"i686", "x86"},	{"i386", "x86"},
	    {"ppc64le", "ppc64-le"}, {"riscv64", "riscv64"}, {"s390x", "s390x"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(machine, map[i][0]) == 0)
			return map[i][1];
	return machine;
}

static const char *detect_virt(void)
{
	static const char *const vendors[][2] = {
	    {"QEMU", "qemu"},		{"KVM", "kvm"},	     {"VMware", "vmware"},
	    {"Microsoft", "microsoft"}, {"Xen", "xen"},	     {"innotek", "oracle"},
	    {"Amazon EC2", "amazon"},	{"Google", "google"}};
	char text[256] = "", product[128] = "";
	(void)read_file("/sys/class/dmi/id/sys_vendor", text, sizeof text);
	(void)read_file("/sys/class/dmi/id/product_name", product, sizeof product);
	if (strstr(product, "KVM"))
		return "kvm";
	for (size_t i = 0; i < sizeof vendors / sizeof vendors[0]; i++)
		if (strstr(text, vendors[i][0]))
			return vendors[i][1];
	static char cpuinfo[8192] PAGE_ALIGNED;
	if (read_file("/proc/cpuinfo", cpuinfo, sizeof cpuinfo) > 0 &&
	    strstr(cpuinfo, " hypervisor"))
		return "vm-other";
	return "none";
}

static void read_host(struct unit_cond_host *h)
{
	static char cmdline[4096] PAGE_ALIGNED, status[4096] PAGE_ALIGNED;
	static char host[256], machine_id[64], security[64];
	static struct utsname un;
	memset(h, 0, sizeof *h);
	(void)read_file("/proc/cmdline", cmdline, sizeof cmdline);
	h->cmdline = cmdline;
	h->virt = detect_virt();
	h->container = getenv("container") ? getenv("container") : "none";
	h->cap_bounding = ~0ull;
	if (read_file("/proc/self/status", status, sizeof status) > 0) {
		char *p = strstr(status, "CapBnd:");
		if (p)
			h->cap_bounding = strtoull(p + 7, NULL, 16);
	}
	uname(&un);
	h->arch = arch_name(un.machine);
	cpu_set_t set;
	h->ncpus = sched_getaffinity(0, sizeof set, &set) == 0 ? (uint64_t)CPU_COUNT(&set) : 1;
	struct sysinfo si;
	h->memory = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
	gethostname(host, sizeof host - 1);
	h->hostname = host;
	(void)read_file("/etc/machine-id", machine_id, sizeof machine_id);
	machine_id[strcspn(machine_id, "\n")] = '\0';
	h->machine_id = machine_id;
	h->first_boot = !machine_id[0];
	h->env = environ;
	h->on_ac_power = 1; /* compute nodes have no battery */
	if (access("/sys/kernel/security/apparmor", F_OK) == 0)
		snprintf(security, sizeof security, "apparmor");
	if (access("/sys/fs/selinux", F_OK) == 0)
		snprintf(security + strlen(security), sizeof security - strlen(security),
			 " selinux");
	h->security = security;
}

int svc_cond_check(const struct unit *u, char *why, size_t cap)
{
	if (!u->n_cond)
		return 1;
	struct unit_cond_host h;
	read_host(&h); /* at each start: the hostname and the paths change */
	return unit_cond_check(u, &h, why, cap);
}

void svc_new_invocation_id(struct svc *s)
{
	uint8_t b[16] = {0};
	int fd = open("/proc/sys/kernel/random/uuid", O_RDONLY | O_CLOEXEC);
	char uuid[64] = "";
	ssize_t n = fd >= 0 ? read(fd, uuid, sizeof uuid - 1) : -1;
	if (fd >= 0)
		close(fd);
	size_t o = 0;
	for (ssize_t i = 0; i < n && o < 32; i++)
		if (uuid[i] != '-' && uuid[i] != '\n')
			s->invocation_id[o++] = uuid[i];
	if (o < 32) { /* no /proc: time and counter, still unique per start */
		uint64_t t = now_ms() ^ ((uint64_t)(s - svc_table) << 48) ^ s->gen;
		memcpy(b, &t, sizeof t);
		for (o = 0; o < 16; o++)
			snprintf(s->invocation_id + 2 * o, 3, "%02x", b[o]);
	}
	s->invocation_id[32] = '\0';
}
