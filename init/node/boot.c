/*
 * Boot phases as a table of steps, walked one at a time from the event loop
 * (a step may finish later, e.g. StartServices waits for readiness). On a
 * failure the walk stops (PB3), BootFailed is recorded and published, and
 * the walk resumes from the failed step (the phase's earlier steps stay
 * done; every step is idempotent) after a backoff of 1, 2, 4 ... 60 s
 * (F33), up to boot_retries times; then, or at once with pact.emergency,
 * the emergency shell is offered on the console.
 *
 * Times (CLOCK_BOOTTIME ms): each phase's start and end; StartServices'
 * wait_ms is the time its step was pending (every service spawned that
 * could be, the rest waiting on readiness) minus the CPU time pact-init
 * itself used meanwhile (spawning dependents, reading notify messages and
 * service logs). That is the time the node spent waiting on services,
 * measured without the supervisor's help; pact-init's own time is the
 * rest. Retry backoffs are kept apart as backoff_ms.
 */
#include "node/boot.h"
#include "lib/config.h"
#include "node/console.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "node/power.h"
#include "node/reexec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKOFF_CAP_MS 60000u

struct step {
	enum boot_phase phase;
	const char *name;
	boot_step_fn fn;
};

static struct step steps[BOOT_MAX_STEPS];
static int n_steps, cur_step;
static struct phase_record phases[PHASE_COUNT];
static char failure[1024]; /* every failing service named (issue 14 item 6) */
static int ready, failed, stepping;
/* a pending step that finished before its function returned */
static int sync_done, sync_r;
static char sync_reason[1024];
static unsigned retries_done;
static uint64_t backoff_ms = 1000, boot_t0;
static struct timer retry_timer;
static char node_id[CONF_STR_MAX];
static void (*observers[BOOT_MAX_OBSERVERS])(void);
static int n_observers;
/* the pending StartServices step: since when (wall, CPU), both in us */
static uint64_t pending_wall_us, pending_cpu_us;
static int pending_counts_wait;
static uint64_t backoff_total_ms, backoff_since_ms, wait_total_ms, ready_ms;

static const char *const phase_names[PHASE_COUNT] = {
    "InitHardware", "ConfigureNetwork", "LoadIdentity", "StartServices", "Ready",
};

const char *boot_phase_name(enum boot_phase p)
{
	return p < PHASE_COUNT ? phase_names[p] : "?";
}

const struct phase_record *boot_phase_record(enum boot_phase p)
{
	return &phases[p];
}

int boot_is_ready(void)
{
	return ready;
}

int boot_has_failed(void)
{
	return failed;
}

const char *boot_failure(void)
{
	return failure;
}

const char *boot_node_id(void)
{
	return node_id;
}

void boot_set_node_id(const char *id)
{
	snprintf(node_id, sizeof node_id, "%s", id);
}

uint64_t boot_started_ms(void)
{
	return boot_t0;
}

int boot_subscribe(void (*fn)(void))
{
	int i = table_slot(&n_observers, BOOT_MAX_OBSERVERS, "boot observers", NULL);
	if (i >= 0)
		observers[i] = fn;
	return i < 0 ? i : 0;
}

/* Ready, failed, or retrying: everyone who follows the boot hears it, in order. */
static void publish(void)
{
	for (int i = 0; i < n_observers; i++)
		observers[i]();
}

int boot_add_step(enum boot_phase phase, const char *name, boot_step_fn fn)
{
	int i = table_slot(&n_steps, BOOT_MAX_STEPS, "boot steps", name);
	if (i < 0)
		return i;
	/* keep the table ordered by phase; steps of one phase in arrival order */
	while (i > 0 && steps[i - 1].phase > phase) {
		steps[i] = steps[i - 1];
		i--;
	}
	steps[i] = (struct step){phase, name, fn};
	return 0;
}

static uint64_t boottime_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Our own CPU time (user + system, this process only, not its children). */
static uint64_t cpu_us(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The pending step finished: its wall time minus our CPU time was waiting. */
static void account_pending_wait(void)
{
	if (!pending_counts_wait)
		return;
	pending_counts_wait = 0;
	uint64_t wall = elapsed(pending_wall_us, boottime_us()),
		 cpu = elapsed(pending_cpu_us, cpu_us());
	if (wall > cpu)
		boot_add_wait((wall - cpu + 500) / 1000);
}

void boot_add_wait(uint64_t ms)
{
	if (cur_step < n_steps) {
		phases[steps[cur_step].phase].wait_ms += ms;
		wait_total_ms += ms;
	}
}

void boot_get_times(struct boot_times *t)
{
	memset(t, 0, sizeof *t);
	t->started_ms = boot_t0;
	t->wait_ms = wait_total_ms;
	t->backoff_ms = backoff_total_ms;
	t->retries = retries_done;
	if (!ready)
		return;
	t->ready_ms = ready_ms;
	t->total_ms = elapsed(boot_t0, ready_ms);
	t->own_ms = elapsed(wait_total_ms + backoff_total_ms, t->total_ms);
}

static void run_steps(void);

static void phase_end(enum boot_phase p, enum phase_state st)
{
	phases[p].state = st;
	phases[p].end_ms = boottime_ms();
	uint64_t took = elapsed(phases[p].start_ms, phases[p].end_ms);
	if (st == PHASE_DONE && p == PHASE_START_SERVICES)
		log_info("boot: phase %s done in %llu ms (%llu ms waiting on services)",
			 phase_names[p], (unsigned long long)took,
			 (unsigned long long)phases[p].wait_ms);
	else if (st == PHASE_DONE)
		log_info("boot: phase %s done in %llu ms", phase_names[p],
			 (unsigned long long)took);
}

static void retry_boot(void *ctx)
{
	(void)ctx;
	backoff_total_ms += elapsed(backoff_since_ms, boottime_ms());
	if (power_pending())
		return; /* shutting down: no more boot */
	log_notice("boot: retrying from phase %s (attempt %u)", phase_names[steps[cur_step].phase],
		   retries_done + 1);
	failed = 0;
	failure[0] = '\0';
	publish();
	run_steps();
}

static void boot_failed(const struct step *s, const char *reason)
{
	enum boot_phase p = s->phase;
	phase_end(p, PHASE_FAILED);
	snprintf(failure, sizeof failure, "%s: %s: %s", phase_names[p], s->name,
		 reason && *reason ? reason : "failed");
	failed = 1;
	log_err("boot failed in phase %s (%s)", phase_names[p], failure);
	publish();
	if (power_pending())
		return; /* a step cut short by shutdown: neither retry nor shell */
	if (cfg.emergency) {
		console_emergency(failure);
		return;
	}
	if (retries_done >= cfg.boot_retries) {
		char why[1100];
		snprintf(why, sizeof why, "boot failed after %u retries: %s", retries_done,
			 failure);
		console_emergency(why);
		return;
	}
	retries_done++;
	log_notice("boot: retry %u of %u in %llu s", retries_done, cfg.boot_retries,
		   (unsigned long long)(backoff_ms / 1000));
	backoff_since_ms = boottime_ms();
	timer_arm(&retry_timer, backoff_ms, retry_boot, NULL);
	backoff_ms = backoff_ms * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : backoff_ms * 2;
}

/* Phases with no steps of their own pass as soon as the walk reaches them. */
static void pass_empty_phases(enum boot_phase upto)
{
	for (int p = 0; p < (int)upto; p++) {
		if (phases[p].state == PHASE_PENDING) {
			phases[p].state = PHASE_DONE;
			phases[p].start_ms = phases[p].end_ms = boottime_ms();
			phases[p].attempts = 1;
		}
	}
}

static void all_done(void)
{
	pass_empty_phases(PHASE_READY);
	phases[PHASE_READY].attempts = 1;
	phases[PHASE_READY].start_ms = phases[PHASE_READY].end_ms = boottime_ms();
	phases[PHASE_READY].state = PHASE_DONE;
	ready = 1;
	ready_ms = phases[PHASE_READY].end_ms;
	log_notice("node %s ready in %llu ms (%llu ms of it waiting on services)", node_id,
		   (unsigned long long)elapsed(boot_t0, ready_ms),
		   (unsigned long long)wait_total_ms);
	publish();
}

/* Finish the current step with r; move on. */
static void step_done(int r, const char *reason)
{
	const struct step *s = &steps[cur_step];
	account_pending_wait();
	if (r < 0) {
		boot_failed(s, reason);
		return;
	}
	cur_step++;
	if (cur_step == n_steps || steps[cur_step].phase != s->phase)
		phase_end(s->phase, PHASE_DONE);
}

static void run_steps(void)
{
	stepping = 1;
	while (cur_step < n_steps && !failed) {
		struct step *s = &steps[cur_step];
		pass_empty_phases(s->phase);
		struct phase_record *ph = &phases[s->phase];
		if (ph->state != PHASE_RUNNING) {
			ph->state = PHASE_RUNNING;
			ph->start_ms = boottime_ms();
			ph->wait_ms = 0;
			ph->attempts++;
			log_debug("boot: phase %s", phase_names[s->phase]);
		}
		char err[1024] = "";
		sync_done = 0;
		int r = s->fn(err, sizeof err);
		if (r == 1 && sync_done) {
			r = sync_r;
			memcpy(err, sync_reason, sizeof err);
		} else if (r == 1) {
			/* waiting on services is not our time (see the top) */
			pending_counts_wait = s->phase == PHASE_START_SERVICES;
			pending_wall_us = boottime_us();
			pending_cpu_us = cpu_us();
			stepping = 0;
			return; /* boot_step_finished() continues */
		}
		step_done(r, err);
	}
	stepping = 0;
	if (cur_step == n_steps && !failed)
		all_done();
}

void boot_step_finished(int r, const char *reason)
{
	if (cur_step >= n_steps || failed)
		return;
	if (stepping) {
		/* called from inside the step function: run_steps takes it */
		sync_done = 1;
		sync_r = r;
		snprintf(sync_reason, sizeof sync_reason, "%s", reason ? reason : "");
		return;
	}
	step_done(r, reason);
	if (!failed)
		run_steps();
}

void boot_note_start(void)
{
	boot_t0 = boottime_ms();
}

void boot_start(void)
{
	if (!boot_t0)
		boot_note_start();
	run_steps();
}

/* ---- re-exec ---- */

/* The whole boot record: "boot <started> <ready> <node id> <ready_ms>
 * <wait_ms> <backoff_ms> <retries>" (the first four words are all an older
 * image wrote), then one "phase" record per phase. */
static void boot_save(struct reexec_out *o)
{
	reexec_begin(o, "boot");
	reexec_num(o, (long long)boot_t0);
	reexec_num(o, ready);
	reexec_word(o, node_id);
	reexec_num(o, (long long)ready_ms);
	reexec_num(o, (long long)wait_total_ms);
	reexec_num(o, (long long)backoff_total_ms);
	reexec_num(o, retries_done);
	reexec_end(o);
	for (int p = 0; p < PHASE_COUNT; p++) {
		reexec_begin(o, "phase");
		reexec_num(o, p);
		reexec_num(o, phases[p].state);
		reexec_num(o, (long long)phases[p].start_ms);
		reexec_num(o, (long long)phases[p].end_ms);
		reexec_num(o, (long long)phases[p].wait_ms);
		reexec_num(o, phases[p].attempts);
		reexec_end(o);
	}
}

static void restore_boot(void *ctx, char **w, int n)
{
	int *found = ctx;
	if (n != 4 && n != 8)
		return;
	boot_t0 = strtoull(w[1], NULL, 10);
	ready = atoi(w[2]) == 1;
	snprintf(node_id, sizeof node_id, "%s", w[3]);
	if (n == 8) {
		ready_ms = strtoull(w[4], NULL, 10);
		wait_total_ms = strtoull(w[5], NULL, 10);
		backoff_total_ms = strtoull(w[6], NULL, 10);
		retries_done = (unsigned)strtoul(w[7], NULL, 10);
	}
	*found = 1;
}

static void restore_phase(void *ctx, char **w, int n)
{
	(void)ctx;
	int p = n == 7 ? atoi(w[1]) : -1;
	if (p < 0 || p >= PHASE_COUNT)
		return;
	phases[p].state = (enum phase_state)atoi(w[2]);
	phases[p].start_ms = strtoull(w[3], NULL, 10);
	phases[p].end_ms = strtoull(w[4], NULL, 10);
	phases[p].wait_ms = strtoull(w[5], NULL, 10);
	phases[p].attempts = (unsigned)atoi(w[6]);
}

int boot_restore(void)
{
	int found = 0;
	reexec_each("boot", restore_boot, &found);
	if (!found || !ready)
		return 0; /* not ready before: boot again (every step is idempotent) */
	reexec_each("phase", restore_phase, NULL);
	if (!ready_ms) /* an older image did not carry it: the Ready phase has it */
		ready_ms = phases[PHASE_READY].end_ms;
	cur_step = n_steps;
	log_notice("node %s: ready state carried across the re-exec", node_id);
	return 1;
}

void boot_reexec_register(void)
{
	reexec_register_saver(boot_save);
}
