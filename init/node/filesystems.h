/*
 * Filesystems from /etc/fstab (docs/filesystems.md): local ones in
 * InitHardware, network ones (nfs, cifs, lustre ... or _netdev) in a step
 * after the network and before the services, so a service ordered after
 * remote-fs.target finds them. Every mount runs in a worker with a
 * deadline (a dead NFS server blocks mount(2) in the kernel), is retried
 * with backoff within a budget, and names itself when it fails; a nofail
 * mount does not hold the boot and is retried in the background, bounded.
 */
#ifndef PACT_FILESYSTEMS_H
#define PACT_FILESYSTEMS_H

#include <stddef.h>

/* Claim the init.conf keys mounts.* (before the file is read). */
void filesystems_register_config(void);
/* The boot steps (main.c orders them): 0 when every mount the step
 * waits for is up, 1 pending, -errno naming the first mount that failed. */
int filesystems_step_local(char *err, size_t errlen);
int filesystems_step_remote(char *err, size_t errlen);
/* A shutdown stop hook: no more attempts; what was mounted from fstab is
 * unmounted in reverse order in a worker (a server that does not answer
 * gets a forced, lazy unmount after a bounded wait); done() after. */
void filesystems_stop(void (*done)(void));
/* The filesystems mounted from fstab, in the order they were mounted
 * (unmount them in reverse): for the shutdown's final unmount. */
void filesystems_each_mounted(void (*fn)(void *ctx, const char *target, int remote), void *ctx);
/* After a live re-exec that skipped the boot: learn what is mounted, and
 * go on retrying the nofail mounts that are not. */
void filesystems_after_reexec(void);

#endif
