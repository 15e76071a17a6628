/*
 * watchdog: open, configure, pet from the event loop, magic close.
 * The pet runs from a struct timer, not a thread: if the loop hangs, the
 * pets stop and the machine resets, which is the point.
 */
#include "os/watchdog.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/watchdog.h>

static int wd_fd = -1;
static unsigned int wd_timeout_s;
static int wd_pet_failing;
static struct timer wd_timer;

unsigned int watchdog_pet_interval_ms(unsigned int timeout_s)
{
	if (timeout_s == 0)
		return WATCHDOG_FALLBACK_PET_MS;
	/* half the timeout leaves a whole half for a slow loop round */
	unsigned long long ms = (unsigned long long)timeout_s * 1000u / 2u;
	if (ms < 250)
		ms = 250;
	if (ms > 0x7fffffffu)
		ms = 0x7fffffffu;
	return (unsigned int)ms;
}

int watchdog_active(void)
{
	return wd_fd >= 0;
}

unsigned int watchdog_timeout(void)
{
	return wd_fd >= 0 ? wd_timeout_s : 0;
}

void watchdog_keepalive(void)
{
	if (wd_fd < 0)
		return;
	int dummy = 0;
	if (ioctl(wd_fd, WDIOC_KEEPALIVE, &dummy) < 0) {
		/* some old drivers only count writes */
		if (write(wd_fd, "\0", 1) != 1 && !wd_pet_failing)
			log_err("watchdog: keepalive: %s", strerror(errno));
		wd_pet_failing = 1;
		return;
	}
	wd_pet_failing = 0;
}

static void pet_cb(void *ctx)
{
	(void)ctx;
	watchdog_keepalive();
	if (wd_fd >= 0)
		timer_arm(&wd_timer, watchdog_pet_interval_ms(wd_timeout_s), pet_cb, NULL);
}

/* 1: configured; -ENOTTY: not a watchdog at all. */
static int configure(const char *path, unsigned int timeout_s)
{
	int set_err = 0;
	if (timeout_s) {
		int t = (int)timeout_s;
		if (ioctl(wd_fd, WDIOC_SETTIMEOUT, &t) < 0) {
			set_err = errno;
			if (set_err != ENOTTY)
				log_warn("watchdog: %s: set timeout %us: %s", path, timeout_s,
					 strerror(set_err));
		}
	}
	int t = 0;
	if (ioctl(wd_fd, WDIOC_GETTIMEOUT, &t) < 0) {
		if (errno == ENOTTY && (set_err == ENOTTY || timeout_s == 0))
			return -ENOTTY;
		log_warn("watchdog: %s: get timeout: %s; petting every %u ms", path,
			 strerror(errno), WATCHDOG_FALLBACK_PET_MS);
		t = 0;
	}
	wd_timeout_s = t > 0 ? (unsigned int)t : 0;
	return 1;
}

int watchdog_start(const char *path, unsigned int timeout_s)
{
	if (!path)
		path = WATCHDOG_DEFAULT_PATH;
	if (wd_fd >= 0)
		return 1;
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT || e == ENODEV || e == ENXIO) {
			log_notice("watchdog: %s: %s; running without a watchdog", path,
				   strerror(e));
			return 0;
		}
		log_err("watchdog: %s: open: %s", path, strerror(e));
		return -e;
	}
	wd_fd = fd;
	int r = configure(path, timeout_s);
	if (r < 0) {
		/* no magic close: this is not a watchdog and may be a plain file */
		log_err("watchdog: %s: not a watchdog device", path);
		close_fd(wd_fd);
		wd_fd = -1;
		return r;
	}
	watchdog_keepalive();
	timer_arm(&wd_timer, watchdog_pet_interval_ms(wd_timeout_s), pet_cb, NULL);
	log_info("watchdog: %s: timeout %us, pet every %u ms", path, wd_timeout_s,
		 watchdog_pet_interval_ms(wd_timeout_s));
	return 1;
}

void watchdog_disarm(void)
{
	if (wd_fd < 0)
		return;
	timer_cancel(&wd_timer);
	int opt = WDIOS_DISABLECARD;
	(void)ioctl(wd_fd, WDIOC_SETOPTIONS, &opt); /* not every driver has it */
	if (write(wd_fd, "V", 1) != 1)
		log_warn("watchdog: magic close: %s", strerror(errno));
	close_fd(wd_fd);
	wd_fd = -1;
	wd_timeout_s = 0;
	log_info("watchdog: disarmed");
}
