/*
 * The node's boot as ordered phases (PB3): InitHardware -> ConfigureNetwork
 * -> LoadIdentity -> StartServices -> Ready. A failed phase stops the later
 * ones, is retried with backoff 1, 2, 4 ... 60 s (F33), and readiness is
 * signalled only when every phase succeeded.
 */
#ifndef PACT_BOOT_H
#define PACT_BOOT_H

#include <stddef.h>
#include <stdint.h>

enum boot_phase {
	PHASE_INIT_HARDWARE = 0,
	PHASE_CONFIGURE_NETWORK,
	PHASE_LOAD_IDENTITY,
	PHASE_START_SERVICES,
	PHASE_READY,
	PHASE_COUNT,
};

#define BOOT_MAX_STEPS	   24
#define BOOT_MAX_OBSERVERS 8

enum phase_state { PHASE_PENDING = 0, PHASE_RUNNING, PHASE_DONE, PHASE_FAILED };

struct phase_record {
	enum phase_state state;
	uint64_t start_ms, end_ms; /* CLOCK_BOOTTIME */
	uint64_t wait_ms;	   /* time spent waiting on others (services) */
	unsigned attempts;
};

/* A phase step: 0 done, 1 pending (finish with boot_step_finished, which
 * may even be called before the step function returns), or -errno with a
 * reason written to err. */
typedef int (*boot_step_fn)(char *err, size_t errlen);
/* Several subsystems contribute steps to a phase, run in registration
 * order. 0, or -ENOSPC (lib/table.h) past BOOT_MAX_STEPS. */
int boot_add_step(enum boot_phase phase, const char *name, boot_step_fn fn);

/* Follow the boot: fn runs on every change of its verdict (ready, failed,
 * retrying), in the order of subscription. 0, or -ENOSPC. */
int boot_subscribe(void (*fn)(void));

/* Note pact-init's first instruction, for the boot-to-ready figure. */
void boot_note_start(void);
void boot_start(void);
/* An asynchronous step finished: r = 0, or -errno with reason. */
void boot_step_finished(int r, const char *reason);
/* Time the current step spent waiting on others, excluded from our own
 * time. The StartServices step's pending time is counted by boot.c itself
 * (wall time minus our CPU time while pending): its steps need not call it. */
void boot_add_wait(uint64_t ms);

/* Boot-to-ready figures (ms, CLOCK_BOOTTIME). Until ready, the ready_ms,
 * total_ms and own_ms fields are 0. */
struct boot_times {
	uint64_t started_ms; /* pact-init's first instruction (main) */
	uint64_t ready_ms;   /* the Ready phase */
	uint64_t total_ms;   /* ready - started */
	uint64_t wait_ms;    /* waiting on services, every attempt */
	uint64_t backoff_ms; /* waiting between boot retries (F33) */
	uint64_t own_ms;     /* total - wait - backoff: pact-init's own time */
	unsigned retries;
};
void boot_get_times(struct boot_times *t);

const char *boot_phase_name(enum boot_phase p);
const struct phase_record *boot_phase_record(enum boot_phase p);
int boot_is_ready(void);
int boot_has_failed(void);
const char *boot_failure(void);
const char *boot_node_id(void);
void boot_set_node_id(const char *id);
uint64_t boot_started_ms(void);
/* Live re-exec: save the boot state; restore it (1) or ask for a boot (0). */
void boot_reexec_register(void);
int boot_restore(void);

#endif
