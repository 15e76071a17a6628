/*
 * `status`: the node in one object. The boot's part (phases with their
 * times, the boot-to-ready figures, readiness, shutdown) is written here;
 * the other groups add their keys after it (ctl_status_add), in the order
 * they registered.
 */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "lib/config.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "node/boot.h"
#include "node/power.h"

#include <unistd.h>

#ifndef PACT_VERSION /* the Makefile's: git describe of the build */
#define PACT_VERSION "unknown"
#endif

static ctl_status_fn status_fns[CTL_MAX_STATUS];
static int n_status_fns;

int ctl_status_add(ctl_status_fn fn)
{
	int i = table_slot(&n_status_fns, CTL_MAX_STATUS, "status keys", NULL);
	if (i >= 0)
		status_fns[i] = fn;
	return i < 0 ? i : 0;
}

static const char *phase_state_name(enum phase_state s)
{
	switch (s) {
	case PHASE_PENDING:
		return "pending";
	case PHASE_RUNNING:
		return "running";
	case PHASE_DONE:
		return "done";
	case PHASE_FAILED:
		return "failed";
	}
	return "?";
}

static void write_phases(struct json_writer *w)
{
	json_w_key(w, "phases");
	json_w_arr_begin(w);
	for (int p = 0; p < PHASE_COUNT; p++) {
		const struct phase_record *r = boot_phase_record((enum boot_phase)p);
		json_w_obj_begin(w);
		json_w_key(w, "name");
		json_w_string(w, boot_phase_name((enum boot_phase)p));
		json_w_key(w, "state");
		json_w_string(w, phase_state_name(r->state));
		json_w_key(w, "start_ms");
		json_w_u64(w, r->start_ms);
		json_w_key(w, "duration_ms");
		json_w_u64(w, elapsed(r->start_ms, r->end_ms));
		json_w_key(w, "wait_ms");
		json_w_u64(w, r->wait_ms);
		json_w_key(w, "attempts");
		json_w_u64(w, r->attempts);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
}

static void u64_or_null(struct json_writer *w, const char *key, int have, uint64_t v)
{
	json_w_key(w, key);
	if (have)
		json_w_u64(w, v);
	else
		json_w_null(w);
}

/* "boot": the boot-to-ready figures (null until ready). */
static void write_boot_times(struct json_writer *w)
{
	struct boot_times t;
	boot_get_times(&t);
	int r = boot_is_ready();
	json_w_key(w, "boot");
	json_w_obj_begin(w);
	json_w_key(w, "started_ms");
	json_w_u64(w, t.started_ms);
	u64_or_null(w, "ready_ms", r, t.ready_ms);
	u64_or_null(w, "total_ms", r, t.total_ms);
	json_w_key(w, "wait_ms");
	json_w_u64(w, t.wait_ms);
	json_w_key(w, "backoff_ms");
	json_w_u64(w, t.backoff_ms);
	u64_or_null(w, "own_ms", r, t.own_ms);
	json_w_key(w, "retries");
	json_w_u64(w, t.retries);
	json_w_obj_end(w);
}

/* The id LoadIdentity settled on; before it (a boot that failed earlier),
 * the one the command line or init.conf names. */
static const char *node_id_shown(void)
{
	const char *const named[] = {boot_node_id(), cfg.node_id, cfg.conf_node_id, cfg.hostname};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (named[i][0])
			return named[i];
	return "";
}

static int cmd_status(struct ctl_req *req)
{
	struct json_writer *w = req->w;
	json_w_obj_begin(w);
	json_w_key(w, "node_id");
	json_w_string(w, node_id_shown());
	json_w_key(w, "version"); /* the running binary's: a re-exec shows the new one */
	json_w_string(w, PACT_VERSION);
	json_w_key(w, "pid");
	json_w_i64(w, getpid());
	json_w_key(w, "ready");
	json_w_bool(w, boot_is_ready());
	json_w_key(w, "boot_failed");
	json_w_string_or_null(w, boot_has_failed() ? boot_failure() : NULL);
	json_w_key(w, "uptime_ms");
	json_w_u64(w, boottime_ms());
	json_w_key(w, "shutdown");
	json_w_string_or_null(w, power_pending() ? power_action_name(power_pending()) : NULL);
	write_phases(w);
	write_boot_times(w);
	for (int i = 0; i < n_status_fns; i++)
		status_fns[i](w);
	json_w_obj_end(w);
	return 0;
}

int ctl_status_init(void)
{
	ctl_register("status", cmd_status, "status: boot phases and times, readiness, node id");
	return 0;
}
