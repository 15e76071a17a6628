/*
 * Who made each allocation: the uid and the connection whose
 * NamespaceRequest created it, so that the handoff server can bound what
 * one uid holds (handoff.max_allocations_per_uid) and never evicts a
 * connection that still has live allocations. An entry lasts as long as
 * its allocation is in the table (alloc_foreach), releasing ones aside:
 * entries whose allocation is gone are dropped when looked at.
 */
#ifndef PACT_HANDOFF_OWNERS_H
#define PACT_HANDOFF_OWNERS_H

#include "handoff/alloc.h"

#include <sys/types.h>

/* Allocation id is in the table and not being released. */
int owners_is_live(const char *id);
/* After a NamespaceRequest for id from uid on ref was handled: when it
 * made a new allocation, ref and uid are its makers. */
void owners_note(const char *id, uid_t uid, struct handoff_ref ref);
/* Forget the makers of allocations that are gone; then count, as of now,
 * the live allocations made by uid, or through the connection ref. */
void owners_refresh(void);
int owners_of_uid(uid_t uid);
int owners_of_ref(struct handoff_ref ref);

#endif
