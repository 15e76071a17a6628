/*
 * The service supervisor: units from <config>/services started in
 * dependency order, each in its own one-shot cgroup scope (RI2), with
 * readiness per Type=, restart policies with backoff, stop in reverse
 * order with KillSignal, a grace and cgroup.kill (PS3), and log capture.
 */
#ifndef PACT_SUPERVISE_H
#define PACT_SUPERVISE_H

/* Load the units, bind the notify socket, register the StartServices step,
 * the control commands and the shutdown hook. */
void supervise_init(void);
/* Claim the init.conf keys `instances`, `services_required` and
 * `services_dir` (before the file is read). */
void supervise_register_config(void);

#endif
