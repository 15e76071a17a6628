/*
 * The allocation table of the handoff server: one entry per allocation
 * (allocation_id, its namespace holder process and scope, the namespace
 * inodes, its uenv mount reference and the watch on its workload cgroup),
 * with the life cycle: mount the uenv (asynchronously) -> start the holder
 * -> complete it when it reports (never blocking the loop) -> live ->
 * released (on AllocationEnded, on its cgroup emptying (WI5), or when the
 * holder dies) -> freed once the holder is reaped and its scope removed.
 */
#ifndef PACT_ALLOC_H
#define PACT_ALLOC_H

#include "handoff/server.h"
#include "pact/handoff.h"

#include <stddef.h>

#define ALLOC_MAX		64    /* live allocations at once */
#define ALLOC_WAITERS		8     /* requests waiting for one allocation's creation */
#define ALLOC_CREATE_TIMEOUT_MS 10000 /* holder setup bound */

/* Set up the table: the cgroup watch, the control verb `allocations`. */
int alloc_init(void);
/* Handle a client's NamespaceRequest or AllocationEnded (node ready). */
void alloc_handle(struct handoff_ref ref, const struct pact_handoff_msg *m);
/* Allocations not yet released. */
size_t alloc_live_count(void);

/* Pure helpers (unit-tested). */
/* tmpl with every "{allocation_id}" replaced by id. 0, -ENAMETOOLONG, -EINVAL. */
int alloc_cgroup_path(const char *tmpl, const char *id, char *out, size_t cap);
/*
 * The image path to mount for a request's uenv_image: an absolute path as
 * it is; a bare file name ("pytorch-2.5.sqfs") under root (the first
 * uenv.image_roots entry). Anything else (a relative path with '/', "." or
 * "..") is refused: -EINVAL with *why.
 */
int alloc_resolve_image(const char *req, const char *root, char *out, size_t cap, const char **why);

#endif
