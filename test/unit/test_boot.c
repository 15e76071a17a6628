/*
 * Unit tests: the boot phase walk (init/boot.c) on a real event loop with
 * stand-in steps. Phases run in order; a pending step finishes later; a
 * failure stops the walk, is published, and is retried after 1 s (F33);
 * StartServices' pending time counts as wait_ms (minus our CPU time); the
 * boot figures add up; readiness publishes the ready file.
 */
#include "node/boot.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "node/readiness.h"
#include "tap.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char order[256];
static int net_calls, svc_calls;
static struct timer svc_timer;
/* what the subscriber saw: 'F' failed, 'R' ready, 'W' neither (retrying) */
static char seen[16];
static int n_seen;

static void note(const char *name)
{
	strncat(order, name, sizeof order - strlen(order) - 1);
	strncat(order, " ", sizeof order - strlen(order) - 1);
}

static int step_hw(char *err, size_t errlen)
{
	(void)err, (void)errlen;
	note("hw");
	return 0;
}

static int step_hw2(char *err, size_t errlen)
{
	(void)err, (void)errlen;
	note("hw2");
	return 0;
}

static int step_net(char *err, size_t errlen)
{
	note("net");
	if (++net_calls == 1) {
		snprintf(err, errlen, "eth9: no such network device");
		return -ENODEV;
	}
	return 0;
}

static int step_id(char *err, size_t errlen)
{
	(void)err, (void)errlen;
	note("id");
	boot_set_node_id("unit-node");
	return 0;
}

static void services_ready(void *ctx)
{
	(void)ctx;
	note("svc-ready");
	boot_step_finished(0, NULL);
}

static int step_svc(char *err, size_t errlen)
{
	(void)err, (void)errlen;
	note("svc");
	svc_calls++;
	/* the services become ready 200 ms later, while the loop idles */
	timer_arm(&svc_timer, 200, services_ready, NULL);
	return 1;
}

/* a pending step that finishes before it even returns */
static int step_svc_sync(char *err, size_t errlen)
{
	(void)err, (void)errlen;
	note("svc2");
	boot_step_finished(0, NULL);
	return 1;
}

static void on_change(void)
{
	if (n_seen < (int)sizeof seen - 1)
		seen[n_seen++] = boot_is_ready() ? 'R' : boot_has_failed() ? 'F' : 'W';
}

int main(void)
{
	config_defaults(&cfg);
	snprintf(cfg.run_dir, sizeof cfg.run_dir, "/tmp/pact-unit-boot-%d", getpid());
	cfg.boot_retries = 2;
	unsetenv("NOTIFY_SOCKET");
	log_open(0);
	is_int(loop_init(), 0, "loop_init");
	is_int(mkdir_p(cfg.run_dir, 0755), 0, "run dir %s", cfg.run_dir);
	boot_subscribe(readiness_update);
	boot_subscribe(on_change);

	/* registered out of order: the table keeps phase order */
	boot_add_step(PHASE_START_SERVICES, "services", step_svc);
	boot_add_step(PHASE_CONFIGURE_NETWORK, "network", step_net);
	boot_add_step(PHASE_INIT_HARDWARE, "hw", step_hw);
	boot_add_step(PHASE_LOAD_IDENTITY, "id", step_id);
	boot_add_step(PHASE_INIT_HARDWARE, "hw2", step_hw2);
	boot_add_step(PHASE_START_SERVICES, "services2", step_svc_sync);
	boot_note_start();
	/* from before the walk: the backoff starts at the failure, inside it */
	uint64_t t0 = now_ms();
	boot_start();

	is_str(order, "hw hw2 net ",
	       "steps ran in phase order, then the walk stopped at the failure");
	ok(boot_has_failed() && !boot_is_ready(), "boot failed, not ready");
	is_str(boot_failure(), "ConfigureNetwork: network: eth9: no such network device",
	       "the reason names the phase, the step and the error");
	is_int(boot_phase_record(PHASE_CONFIGURE_NETWORK)->state, PHASE_FAILED,
	       "ConfigureNetwork is failed");
	is_int(boot_phase_record(PHASE_LOAD_IDENTITY)->state, PHASE_PENDING,
	       "LoadIdentity never started (PB3)");
	is_int(boot_phase_record(PHASE_INIT_HARDWARE)->state, PHASE_DONE, "InitHardware done");
	char path[PATH_MAX + 16], body[64] = "";
	snprintf(path, sizeof path, "%s/ready", cfg.run_dir);
	ok(access(path, F_OK) != 0, "no ready file after the failure");

	while (!boot_is_ready() && now_ms() - t0 < 5000)
		loop_run_once(100);
	uint64_t took = now_ms() - t0;
	ok(boot_is_ready(), "ready after the retry (%llu ms)", (unsigned long long)took);
	ok(took >= 1000 + 200 && took < 3000, "the retry waited the 1 s backoff, services 200 ms");
	is_str(order, "hw hw2 net net id svc svc-ready svc2 ",
	       "the retry resumed at the failed step; the rest followed in order");
	seen[n_seen] = '\0';
	is_str(seen, "FWR", "subscribers saw: failed, retrying, ready");
	is_int(boot_phase_record(PHASE_CONFIGURE_NETWORK)->attempts, 2,
	       "ConfigureNetwork: 2 attempts");
	is_int(boot_phase_record(PHASE_INIT_HARDWARE)->attempts, 1, "InitHardware: 1 attempt");
	for (int p = 0; p < PHASE_COUNT; p++)
		is_int(boot_phase_record((enum boot_phase)p)->state, PHASE_DONE, "%s done",
		       boot_phase_name((enum boot_phase)p));
	int in_order = 1;
	for (int p = 1; p < PHASE_COUNT; p++)
		in_order &= boot_phase_record((enum boot_phase)p)->start_ms >=
			    boot_phase_record((enum boot_phase)(p - 1))->end_ms;
	ok(in_order, "each phase started after the previous one ended");

	const struct phase_record *svc = boot_phase_record(PHASE_START_SERVICES);
	ok(svc->wait_ms >= 150 && svc->wait_ms <= svc->end_ms - svc->start_ms,
	   "StartServices waited ~200 ms on services (wait_ms %llu, duration %llu)",
	   (unsigned long long)svc->wait_ms, (unsigned long long)(svc->end_ms - svc->start_ms));
	is_int(boot_phase_record(PHASE_CONFIGURE_NETWORK)->wait_ms, 0, "no other phase waits");

	struct boot_times t;
	boot_get_times(&t);
	is_int(t.retries, 1, "one retry");
	ok(t.backoff_ms >= 950 && t.backoff_ms < 2000, "backoff_ms %llu is the 1 s backoff",
	   (unsigned long long)t.backoff_ms);
	is_int(t.total_ms, t.ready_ms - t.started_ms, "total = ready - started");
	is_int(t.wait_ms, svc->wait_ms, "wait = StartServices' wait");
	is_int(t.own_ms, t.total_ms - t.wait_ms - t.backoff_ms, "own = total - wait - backoff");
	is_int(t.ready_ms, boot_phase_record(PHASE_READY)->start_ms, "ready_ms is the Ready phase");

	ok(read_file(path, body, sizeof body) > 0 && strcmp(body, "unit-node\n") == 0,
	   "the ready file holds the node id");
	readiness_withdraw();
	ok(access(path, F_OK) != 0, "readiness withdrawn: the file is gone");
	unlink(path);
	rmdir(cfg.run_dir);
	return done_testing();
}
