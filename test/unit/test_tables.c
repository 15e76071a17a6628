/*
 * Unit tests: every fixed registration table of pact-init refuses loudly
 * when it is full (lib/table.h). Each is filled to its size: every entry
 * up to it is taken, the next one is refused with -ENOSPC and counted in
 * table_refusals() (main() will not start with one), and where the table
 * can be run here, the entries taken are the ones that run and the
 * refused one is not. And a static table's unused tail is given back.
 */
#include "ctl/control.h"
#include "ctl/metrics.h"
#include "ctl/verbs.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "node/boot.h"
#include "node/emergency.h"
#include "node/power.h"
#include "node/reexec.h"
#include "tap.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int refusals_before;

/* The size-th registration is the first one refused, and only it. */
static void full_at(const char *table, int size, int took, int first_refused, int again)
{
	is_int(took, size, "%s: all %d entries taken", table, size);
	is_int(first_refused, -ENOSPC, "%s: entry %d refused with -ENOSPC", table, size + 1);
	is_int(again, -ENOSPC, "%s: and the next one too", table);
	is_int(table_refusals(), refusals_before + 2, "%s: both refusals counted", table);
	refusals_before = table_refusals();
}

/* ---- fillers: distinct functions would prove nothing more, one suffices ---- */

static int step(char *err, size_t errlen)
{
	(void)err, (void)errlen;
	return 0;
}

static int observed, refused_observer_ran;

static void observer(void)
{
	observed++;
}

static void refused_observer(void)
{
	refused_observer_ran = 1;
}

static void emergency_observer(int on, const char *why)
{
	(void)on, (void)why;
	observed++;
}

static void refused_emergency_observer(int on, const char *why)
{
	(void)on, (void)why;
	refused_observer_ran = 1;
}

static int verb(struct ctl_req *req)
{
	(void)req;
	return 0;
}

static void status_key(struct json_writer *w)
{
	(void)w;
}

static void saver(struct reexec_out *o)
{
	(void)o;
}

static void metrics_producer(struct metrics_out *m)
{
	(void)m;
	observed++;
}

static void refused_producer(struct metrics_out *m)
{
	(void)m;
	refused_observer_ran = 1;
}

static char last_key[64];

static int key_handler(const char *key, const char *value, char *err, size_t errlen)
{
	(void)value, (void)err, (void)errlen;
	snprintf(last_key, sizeof last_key, "%s", key);
	return 0;
}

static void test_boot(void)
{
	int took = 0;
	for (int i = 0; i < BOOT_MAX_STEPS; i++)
		took += boot_add_step(PHASE_INIT_HARDWARE, "filler", step) == 0;
	int r1 = boot_add_step(PHASE_INIT_HARDWARE, "one too many", step);
	int r2 = boot_add_step(PHASE_READY, "another", step);
	full_at("boot steps", BOOT_MAX_STEPS, took, r1, r2);

	took = 0;
	for (int i = 0; i < BOOT_MAX_OBSERVERS; i++)
		took += boot_subscribe(observer) == 0;
	r1 = boot_subscribe(refused_observer);
	r2 = boot_subscribe(refused_observer);
	full_at("boot observers", BOOT_MAX_OBSERVERS, took, r1, r2);
	observed = refused_observer_ran = 0;
	boot_start(); /* every step passes at once: the node is ready */
	ok(boot_is_ready(), "boot ran its %d steps to Ready", BOOT_MAX_STEPS);
	is_int(observed, BOOT_MAX_OBSERVERS, "every observer taken heard it");
	ok(!refused_observer_ran, "the refused one did not");
}

static void test_power(void)
{
	int took = 0;
	for (int i = 0; i < POWER_MAX_OBSERVERS; i++)
		took += power_subscribe(observer) == 0;
	int r1 = power_subscribe(refused_observer);
	int r2 = power_subscribe(refused_observer);
	/* not run here: a shutdown signals every process of the machine */
	full_at("shutdown observers", POWER_MAX_OBSERVERS, took, r1, r2);
}

static void test_emergency(void)
{
	int took = 0;
	for (int i = 0; i < EMERGENCY_MAX_OBSERVERS; i++)
		took += emergency_subscribe(emergency_observer) == 0;
	int r1 = emergency_subscribe(refused_emergency_observer);
	int r2 = emergency_subscribe(refused_emergency_observer);
	full_at("emergency observers", EMERGENCY_MAX_OBSERVERS, took, r1, r2);
	observed = refused_observer_ran = 0;
	emergency_set(1, "test_tables");
	is_int(observed, EMERGENCY_MAX_OBSERVERS, "every emergency observer taken heard it");
	ok(!refused_observer_ran, "the refused one did not");
	emergency_set(0, "test_tables");
}

static void test_ctl(void)
{
	static char names[CTL_MAX_VERBS][16];
	int took = 0;
	for (int i = 0; i < CTL_MAX_VERBS; i++) {
		snprintf(names[i], sizeof names[i], "verb%d", i);
		took += ctl_register(names[i], verb, "filler") == 0;
	}
	int r1 = ctl_register("one-too-many", verb, "filler");
	int r2 = ctl_register("another", verb, "filler");
	full_at("control verbs", CTL_MAX_VERBS, took, r1, r2);

	took = 0;
	for (int i = 0; i < CTL_MAX_STATUS; i++)
		took += ctl_status_add(status_key) == 0;
	r1 = ctl_status_add(status_key);
	r2 = ctl_status_add(status_key);
	full_at("status keys", CTL_MAX_STATUS, took, r1, r2);
}

static void test_reexec(void)
{
	int took = 0;
	for (int i = 0; i < REEXEC_MAX_SAVERS; i++)
		took += reexec_register_saver(saver) == 0;
	int r1 = reexec_register_saver(saver);
	int r2 = reexec_register_saver(saver);
	/* not run here: a re-exec execs this test */
	full_at("re-exec savers", REEXEC_MAX_SAVERS, took, r1, r2);

	static const int fd = -1;
	took = 0;
	for (int i = 0; i < REEXEC_MAX_CARRIED; i++)
		took += reexec_carry_fd("filler", &fd) == 0;
	r1 = reexec_carry_fd("one-too-many", &fd);
	r2 = reexec_carry_fd("another", &fd);
	full_at("re-exec carried fds", REEXEC_MAX_CARRIED, took, r1, r2);
}

static void test_metrics(void)
{
	int took = 0;
	for (int i = 0; i < METRICS_MAX_FAMILIES; i++)
		took += metrics_register(metrics_producer) == 0;
	int r1 = metrics_register(refused_producer);
	int r2 = metrics_register(refused_producer);
	full_at("metrics producers", METRICS_MAX_FAMILIES, took, r1, r2);
	static char text[4096];
	observed = refused_observer_ran = 0;
	ok(metrics_render(text, sizeof text) >= 0, "metrics render");
	is_int(observed, METRICS_MAX_FAMILIES, "every producer taken wrote");
	ok(!refused_observer_ran, "the refused one did not");
}

static void test_config(const char *dir)
{
	static char prefixes[CONFIG_MAX_KEY_HANDLERS][16];
	int took = 0;
	for (int i = 0; i < CONFIG_MAX_KEY_HANDLERS; i++) {
		snprintf(prefixes[i], sizeof prefixes[i], "k%d.", i);
		took += config_register_keys(prefixes[i], key_handler) == 0;
	}
	int r1 = config_register_keys("refused.", key_handler);
	int r2 = config_register_keys("another.", key_handler);
	full_at("init.conf key handlers", CONFIG_MAX_KEY_HANDLERS, took, r1, r2);
	char path[PATH_MAX + 16], text[64];
	snprintf(path, sizeof path, "%s/init.conf", dir);
	snprintf(text, sizeof text, "k%d.last = 1\nrefused.key = 1\n", CONFIG_MAX_KEY_HANDLERS - 1);
	ok(write_file_atomic(path, text, strlen(text), 0644) == 0, "an init.conf");
	config_load_file(&cfg);
	char want[32];
	snprintf(want, sizeof want, "k%d.last", CONFIG_MAX_KEY_HANDLERS - 1);
	is_str(last_key, want, "the last handler taken got its key; the refused prefix got none");
	unlink(path);
}

/* A static table's tail past what a load holds is given back: it reads as
 * zero again, and what the load holds (up to its last byte, mid-page) stays. */
static unsigned char big[5 * 4096 + 100];

static void test_release_tail(void)
{
	memset(big, 0xab, sizeof big);
	size_t used = 4096 + 300; /* ends mid-page: that page is kept whole */
	table_release_tail(big, used, sizeof big);
	int head_kept = 1, page_kept = 1, tail_zero = 1;
	for (size_t i = 0; i < used; i++)
		head_kept &= big[i] == 0xab;
	/* the rest of the page holding the last used byte is not released */
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	size_t from = (size_t)((((uintptr_t)big + used + page - 1) & ~(page - 1)) - (uintptr_t)big);
	size_t to = (size_t)((((uintptr_t)big + sizeof big) & ~(page - 1)) - (uintptr_t)big);
	for (size_t i = used; i < from; i++)
		page_kept &= big[i] == 0xab;
	for (size_t i = from; i < to; i++)
		tail_zero &= big[i] == 0;
	ok(head_kept, "the used part is kept");
	ok(page_kept, "the rest of its last page too");
	ok(to > from && tail_zero, "the whole pages past it read as zero (%zu bytes)", to - from);
	table_release_tail(big, sizeof big, sizeof big);
	ok(big[sizeof big - 1] == 0xab, "nothing is released when all is used");
}

int main(void)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/tmp/pact-unit-tables-%d", getpid());
	config_defaults(&cfg);
	snprintf(cfg.run_dir, sizeof cfg.run_dir, "%s", dir);
	snprintf(cfg.config_dir, sizeof cfg.config_dir, "%s", dir);
	unsetenv("NOTIFY_SOCKET");
	log_open(0);
	is_int(loop_init(), 0, "loop_init");
	char logs[sizeof dir + 8];
	snprintf(logs, sizeof logs, "%s/logs", dir); /* the emergency log goes there */
	ok(mkdir_p(logs, 0755) == 0, "directories under %s", dir);
	refusals_before = table_refusals();
	is_int(refusals_before, 0, "nothing refused before the tables are filled");
	test_boot();
	test_power();
	test_emergency();
	test_ctl();
	test_reexec();
	test_metrics();
	test_config(dir);
	test_release_tail();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
