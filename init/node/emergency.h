/*
 * Emergency mode (RI3): declared by an operator with a reason, logged to
 * the kernel log and to <run>/logs/emergency.log before anything acts on
 * it. While it holds, pact-init may touch workload.slice (freeze, thaw,
 * kill) and force-unmount uenv images; nothing else changes behaviour.
 */
#ifndef PACT_EMERGENCY_H
#define PACT_EMERGENCY_H

#define EMERGENCY_MAX_OBSERVERS 4

int emergency_active(void);
const char *emergency_reason(void);
/* Declare (on) or end an emergency: logged and journalled first (RI3),
 * then every subscriber hears of it. */
void emergency_set(int on, const char *why);
/* Subsystems that gate on it (cgroups, mounts) follow it here. 0, or -ENOSPC. */
int emergency_subscribe(void (*fn)(int on, const char *reason));
/* Carry it across a live re-exec (after the subscriptions: they hear it). */
void emergency_init(void);

#endif
