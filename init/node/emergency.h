/*
 * Emergency mode (RI3): declared by an operator with a reason, logged to
 * the kernel log and to <run>/logs/emergency.log before anything acts on
 * it. While it holds, pact-init may touch workload.slice (freeze, thaw,
 * kill) and force-unmount uenv images; nothing else changes behaviour.
 */
#ifndef PACT_EMERGENCY_H
#define PACT_EMERGENCY_H

int emergency_active(void);
const char *emergency_reason(void);
/* Subsystems that gate on it (cgroups, mounts) follow it here. */
void emergency_subscribe(void (*fn)(int on, const char *reason));
/* Register the control commands: emergency, scopes, freeze, thaw, kill. */
void emergency_init(void);

#endif
