/*
 * Emergency mode: a declaration (or its end) is written to the kernel log
 * and the emergency log first, then the gated subsystems hear of it. It is
 * carried across a live re-exec. The operator's verbs are ctl/emergency.c.
 */
#include "node/emergency.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "lib/table.h"
#include "node/reexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int active;
static char reason[128];
static void (*subs[EMERGENCY_MAX_OBSERVERS])(int, const char *);
static int n_subs;

int emergency_active(void)
{
	return active;
}

const char *emergency_reason(void)
{
	return reason;
}

int emergency_subscribe(void (*fn)(int on, const char *why))
{
	int i = table_slot(&n_subs, EMERGENCY_MAX_OBSERVERS, "emergency observers", NULL);
	if (i >= 0)
		subs[i] = fn;
	return i < 0 ? i : 0;
}

/* The emergency log: one line per declaration and end, appended. */
static void journal(const char *what)
{
	char path[512], line[320];
	if (run_path(path, sizeof path, "logs/emergency.log") < 0)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		log_err("%s: %s", path, strerror(errno));
		return;
	}
	int n = snprintf(line, sizeof line, "%llu %s\n", (unsigned long long)time(NULL), what);
	(void)write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	close_fd(fd);
}

void emergency_set(int on, const char *why)
{
	char line[256];
	snprintf(line, sizeof line, on ? "emergency declared: %s" : "emergency ended: %s", why);
	/* RI3: logged before anything can act on it */
	log_warn("%s", line);
	journal(line);
	utf8_copy(reason, sizeof reason, on ? why : "");
	active = on;
	for (int i = 0; i < n_subs; i++)
		subs[i](on, why);
}

static void save_state(struct reexec_out *o)
{
	if (!active)
		return;
	reexec_begin(o, "emergency");
	reexec_word(o, reason);
	reexec_end(o);
}

static void restore_state(void *ctx, char **w, int n)
{
	(void)ctx;
	if (n == 2) {
		log_notice("re-exec: the emergency declared before goes on (%s)", w[1]);
		emergency_set(1, w[1]);
	}
}

void emergency_init(void)
{
	/* main.c subscribed the cgroup manager before: a carried emergency reaches it */
	reexec_register_saver(save_state);
	reexec_each("emergency", restore_state, NULL);
}
