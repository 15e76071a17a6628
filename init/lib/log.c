/*
 * Logging to /dev/kmsg (with the syslog priority prefix, visible in dmesg)
 * and to the console on fd 2. Lines are bounded; a write that fails is
 * dropped, because a logger must never take PID 1 down with it. The
 * console (a serial line that flow control can stop for good, a pty whose
 * reader went away) is written through a file description of our own
 * opened O_NONBLOCK, so that setting it does not change fd 2 for anyone
 * who shares it; what it does not take is counted and said once it drains.
 */
#include "lib/log.h"
#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_LINE_MAX 512

static int kmsg_fd = -1;
static int console_fd = STDERR_FILENO;
static unsigned long dropped; /* lines the console did not take, not yet said */
static int mid_line;	      /* a partial write left the console mid-line */
static int debug_on;
static int console_level = 8; /* the kernel echoes kmsg lines below this */
static log_forward_fn forward;

/*
 * A non-blocking description of fd 2's file: a terminal or a pipe is
 * opened again through /proc (its own description, fd 2 untouched); a
 * regular file never blocks for long and stays as it is; anything else,
 * or no /proc, gets O_NONBLOCK on fd 2 itself.
 */
static void console_open(void)
{
	struct stat st;
	if (console_fd != STDERR_FILENO || fstat(STDERR_FILENO, &st) < 0 || S_ISREG(st.st_mode))
		return;
	int fd = -1;
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
		fd = open("/proc/self/fd/2", O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		console_fd = fd;
		return;
	}
	int fl = fcntl(STDERR_FILENO, F_GETFL);
	if (fl >= 0)
		(void)fcntl(STDERR_FILENO, F_SETFL, fl | O_NONBLOCK);
}

/* All of text or nothing counted as written; a partial write leaves the
 * console mid-line, which the next line that gets through ends first. */
static int console_put(const char *text, size_t len)
{
	ssize_t n = write(console_fd, text, len);
	if (n == (ssize_t)len) {
		mid_line = 0;
		return 0;
	}
	if (n > 0)
		mid_line = 1;
	return -1;
}

void log_console(const char *text, size_t len)
{
	if (console_fd < 0)
		return;
	if (dropped || mid_line) {
		char note[96];
		int n = dropped ? snprintf(note, sizeof note,
					   "%spact-init: %lu log line%s dropped (the console did "
					   "not take them)\n",
					   mid_line ? "\n" : "", dropped, dropped == 1 ? "" : "s")
				: snprintf(note, sizeof note, "\n");
		if (console_put(note, (size_t)n) < 0) {
			if (dropped < ~0ul)
				dropped++;
			return;
		}
		dropped = 0;
	}
	if (console_put(text, len) < 0 && dropped < ~0ul)
		dropped++;
}

void log_open(int to_kmsg)
{
	/* the kernel rate-limits writers of /dev/kmsg (10 lines per 5 s), which
	 * would drop our lines during boot; as the node's init we turn that off
	 * unless the command line pinned it (printk.devkmsg=) */
	if (to_kmsg && getpid() == 1)
		(void)write_file("/proc/sys/kernel/printk_devkmsg", "on\n");
	if (to_kmsg && kmsg_fd < 0)
		kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	char buf[64];
	if (read_file("/proc/sys/kernel/printk", buf, sizeof buf) > 0 && buf[0] >= '0' &&
	    buf[0] <= '9')
		console_level = buf[0] - '0';
	console_open();
}

void log_set_forward(log_forward_fn fn)
{
	forward = fn;
}

int log_kmsg_fd(void)
{
	return kmsg_fd;
}

void log_set_debug(int on)
{
	debug_on = on;
}

int log_debug_enabled(void)
{
	return debug_on;
}

static const char *prio_word(int prio)
{
	switch (prio) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "error: ";
	case LOG_WARNING:
		return "warning: ";
	default:
		return "";
	}
}

void log_msg(int prio, const char *fmt, ...)
{
	if (prio == LOG_DEBUG && !debug_on)
		return;
	int saved = errno;
	char line[LOG_LINE_MAX];
	/* "<N>" is how /dev/kmsg takes a priority; facility daemon (3<<3) */
	int head =
	    snprintf(line, sizeof line, "<%d>pact-init: %s", (3 << 3) | prio, prio_word(prio));
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + head, sizeof line - (size_t)head - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)head + (n < 0 ? 0 : (size_t)n);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	const char *text = strchr(line, '>') + 1;
	if (forward) {
		const char *body = text + sizeof "pact-init: " - 1;
		forward(prio, body, len - 1 - (size_t)(body - line));
	}
	if (kmsg_fd >= 0)
		(void)!write(kmsg_fd, line, len);
	/* the kernel echoes kmsg lines below its console loglevel itself;
	 * write the others to the console directly, without the prefix */
	if (kmsg_fd < 0 || prio >= console_level)
		log_console(text, len - (size_t)(text - line));
	errno = saved;
}
