/* Small helpers shared by the host-tier test programs (see hostutil.h). */
#include "hostutil.h"
#include "daemon.h"
#include "lib/loop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *pf(const char *fmt, ...)
{
	static char bufs[16][512];
	static int i;
	char *b = bufs[i++ % 16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, 512, fmt, ap);
	va_end(ap);
	return b;
}

int run(const char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		loop_child_sigreset();
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

long anon_kb(pid_t pid)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen(pf("/proc/%d/smaps_rollup", (int)pid), "re");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Anonymous: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int fd_count(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/fd", (int)pid);
	DIR *dir = opendir(p);
	int n = 0;
	if (!dir)
		return -1;
	while (readdir(dir))
		n++;
	closedir(dir);
	return n - 2;
}

int pactctl_json(const struct daemon *d, const char *verb, char *buf, size_t cap)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s --run-dir %s --json %s", build_path("san/pactctl"),
		 d->run_dir, verb);
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	return pclose(f);
}

int pactctl_int(const struct daemon *d, const char *verb, const char *key, const char *value,
		const char *field)
{
	static char buf[65536];
	char k[1200], f[64];
	if (pactctl_json(d, verb, buf, sizeof buf) != 0)
		return -1;
	snprintf(k, sizeof k, "\"%s\":\"%s\"", key, value);
	snprintf(f, sizeof f, "\"%s\":", field);
	char *p = strstr(buf, k);
	if (!p || !(p = strstr(p, f)))
		return -1;
	return atoi(p + strlen(f));
}

int alloc_holder_pid(const struct daemon *d, const char *id)
{
	return pactctl_int(d, "allocations", "allocation_id", id, "holder_pid");
}

const char *daemon_add_gate_service(struct daemon *d)
{
	static char fifo[300];
	char p[400];
	snprintf(fifo, sizeof fifo, "%s/go", d->dir);
	snprintf(p, sizeof p, "%s/etc/services", d->dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/etc/services/slow.service", d->dir);
	FILE *f = fopen(p, "w");
	if (mkfifo(fifo, 0600) < 0 || !f) {
		if (f)
			fclose(f);
		return NULL;
	}
	fprintf(f,
		"[Service]\nType=notify\nExecStart=/bin/sh -c 'cat %s >/dev/null; exec %s notify "
		"--ready'\nTimeoutStartSec=30\nSlice=infra.slice\n",
		fifo, build_path("san/pactctl"));
	fclose(f);
	return fifo;
}

void diag(const char *fmt, ...)
{
	static char buf[70000];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		printf("# %s\n", l);
}

long host_ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int fd_count_settled(pid_t pid)
{
	int base = fd_count(pid);
	for (long end = host_ms_now() + 3000, calm = host_ms_now();
	     host_ms_now() < end && host_ms_now() - calm < 300;) {
		poll(NULL, 0, 10);
		int n = fd_count(pid);
		if (n != base)
			base = n, calm = host_ms_now();
	}
	return base;
}

int wait_until(const char *watch, unsigned mask, int (*cond)(void *ctx), void *ctx, int timeout_ms)
{
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	(void)inotify_add_watch(in, watch, mask);
	long deadline = host_ms_now() + timeout_ms;
	int r = -ETIMEDOUT;
	for (;;) {
		if (cond(ctx)) {
			r = 0;
			break;
		}
		long left = deadline - host_ms_now();
		if (left <= 0)
			break;
		struct pollfd p = {.fd = in, .events = POLLIN};
		poll(&p, 1, (int)left);
		char ev[4096];
		while (read(in, ev, sizeof ev) > 0)
			;
	}
	close(in);
	return r;
}
