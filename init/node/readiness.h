/*
 * The ReadinessGate provider: /run/pact/ready (created atomically with the
 * node id once every boot phase succeeded, removed when shutdown starts)
 * and /run/pact/ready.sock, which answers each client `READY <node_id>\n`
 * or `FAILED <reason>\n` as soon as it knows, then closes.
 */
#ifndef PACT_READINESS_H
#define PACT_READINESS_H

#define READINESS_MAX_WAITERS 128

int readiness_init(void);
/* Boot state changed (a boot_subscribe observer): publish it (file,
 * waiting clients, NOTIFY_SOCKET). */
void readiness_update(void);
/* Shutdown began: the node is no longer ready. The file goes; waiting and
 * later socket clients get `FAILED the node is shutting down`. */
void readiness_withdraw(void);

#endif
