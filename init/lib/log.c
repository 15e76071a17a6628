/*
 * Logging to /dev/kmsg (with the syslog priority prefix, visible in dmesg)
 * and to the console on fd 2. Lines are bounded; a write that fails is
 * dropped, because a logger must never take PID 1 down with it.
 */
#include "lib/log.h"
#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 512

static int kmsg_fd = -1;
static int debug_on;
static int console_level = 8; /* the kernel echoes kmsg lines below this */

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
	int head = snprintf(line, sizeof line, "<%d>pact-init: %s", (3 << 3) | prio,
			    prio_word(prio));
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + head, sizeof line - (size_t)head - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)head + (n < 0 ? 0 : (size_t)n);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	const char *text = strchr(line, '>') + 1;
	if (kmsg_fd >= 0)
		(void)!write(kmsg_fd, line, len);
	/* the kernel echoes kmsg lines below its console loglevel itself;
	 * write the others to the console directly, without the prefix */
	if (kmsg_fd < 0 || prio >= console_level)
		(void)!write(STDERR_FILENO, text, len - (size_t)(text - line));
	errno = saved;
}
