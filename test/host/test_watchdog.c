/*
 * Host tier: the watchdog module. The host has no watchdog and (normally)
 * no softdog module, so the real-device part is skipped with the reason;
 * the VM tier covers softdog and i6300esb. Always tested: no watchdog
 * means one log line and nothing else (no fd, no timer), a path that is not
 * a watchdog is refused without writing to it, and the pet interval.
 */
#include "lib/loop.h"
#include "os/watchdog.h"
#include "hostutil.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_interval(void)
{
	is_int(watchdog_pet_interval_ms(60), 30000, "pet at half of 60 s");
	is_int(watchdog_pet_interval_ms(1), 500, "pet at half of 1 s");
	is_int(watchdog_pet_interval_ms(0), WATCHDOG_FALLBACK_PET_MS, "unknown timeout: fallback");
	ok(watchdog_pet_interval_ms(4000000) > 0, "huge timeout does not overflow");
}

static void test_no_watchdog(void)
{
	char path[128];
	snprintf(path, sizeof path, "/nonexistent-%d/watchdog", (int)getpid());
	int fds = fd_count(getpid()), lfds = loop_fd_count();
	is_int(watchdog_start(path, 30), 0, "no device: 0 (running without)");
	ok(!watchdog_active(), "no device: not active");
	is_int(watchdog_timeout(), 0, "no device: no timeout");
	is_int(fd_count(getpid()), fds, "no device: no fd left open");
	is_int(loop_fd_count(), lfds, "no device: nothing added to the loop");
	watchdog_keepalive();
	watchdog_disarm();
	ok(!watchdog_active(), "no device: keepalive and disarm are no-ops");

	is_int(watchdog_start("/dev/null", 30), -ENOTTY, "/dev/null is not a watchdog: -ENOTTY");
	ok(!watchdog_active(), "/dev/null: not active");
	is_int(fd_count(getpid()), fds, "/dev/null: fd closed");

	char tmp[] = "/tmp/pact-wd-XXXXXX";
	int fd = mkstemp(tmp);
	ok(fd >= 0, "temp file");
	is_int(watchdog_start(tmp, 30), -ENOTTY, "plain file: -ENOTTY");
	struct stat st;
	ok(fstat(fd, &st) == 0 && st.st_size == 0, "plain file: no magic 'V' written into it");
	close(fd);
	unlink(tmp);
	is_int(watchdog_start("/tmp", 30), -EISDIR, "a directory: the open error");
	ok(!watchdog_active(), "a directory: not active");
	is_int(fd_count(getpid()), fds, "no fd leaked by any refused path");
}

/* softdog with soft_noboot=1 never resets the host, even if we stop petting. */
static int find_softdog(char *dev, size_t cap)
{
	for (int i = 0; i < 8; i++) {
		char p[96], id[64] = "";
		snprintf(p, sizeof p, "/sys/class/watchdog/watchdog%d/identity", i);
		FILE *f = fopen(p, "re");
		if (!f)
			continue;
		if (!fgets(id, sizeof id, f))
			id[0] = '\0';
		fclose(f);
		if (!strncmp(id, "Software Watchdog", 17)) {
			snprintf(dev, cap, "/dev/watchdog%d", i);
			return i;
		}
	}
	return -1;
}

static int modprobe_softdog(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("modprobe", "modprobe", "softdog", "soft_noboot=1", (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void test_softdog(void)
{
	char dev[64];
	int idx;
	if (find_softdog(dev, sizeof dev) >= 0) {
		/* already loaded by someone, maybe without soft_noboot: hands off */
		skip("softdog already loaded here; not touching a watchdog we did not set up",
		     "softdog");
		return;
	}
	if (modprobe_softdog() < 0 || (idx = find_softdog(dev, sizeof dev)) < 0) {
		skip(
		    "modprobe softdog failed (no softdog module for this host kernel); the VM tier "
		    "covers it",
		    "softdog: start, timeout read back, pet, magic close");
		return;
	}
	is_int(watchdog_start(dev, 10), 1, "softdog: started");
	is_int(watchdog_timeout(), 10, "softdog: timeout 10 s read back");
	watchdog_keepalive();
	watchdog_disarm();
	ok(!watchdog_active(), "softdog: disarmed");
	char state[32] = "", sp[96];
	snprintf(sp, sizeof sp, "/sys/class/watchdog/watchdog%d/state", idx);
	FILE *f = fopen(sp, "re");
	if (f) {
		if (!fgets(state, sizeof state, f))
			state[0] = '\0';
		fclose(f);
	}
	ok(!strncmp(state, "inactive", 8), "softdog: inactive after the magic close (%s)", state);
}

int main(void)
{
	if (loop_init() < 0) {
		printf("1..0 # SKIP loop_init failed\n");
		return 0;
	}
	test_interval();
	test_no_watchdog();
	if (geteuid() == 0)
		test_softdog();
	else
		skip("needs root", "softdog");
	return done_testing();
}
