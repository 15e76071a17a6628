/*
 * The handoff messages on the wire: parse a frame body into a
 * struct pact_handoff_msg (strictly, as serde would deserialize the
 * contract's types, plus our validation) and encode one exactly as
 * serde_json serializes it (compact, fields in declaration order, None as
 * null). See docs/handoff-protocol.md.
 */
#ifndef PACT_HANDOFF_MSG_H
#define PACT_HANDOFF_MSG_H

#include <stddef.h>
#include <sys/types.h>

#include "pact/handoff.h"

/* JSON values accepted in one message body (unknown fields count too). */
#define HANDOFF_MAX_NODES 256

/*
 * Parse body[0..len). Returns 0, or -EINVAL with a one-line reason in why
 * (suitable for an Error InvalidRequest). On failure, if the envelope and a
 * valid allocation_id could be read, m->type and m->allocation_id (with
 * has_allocation_id = 1) are still set, so the error can name the allocation.
 */
int handoff_msg_parse(const void *body, size_t len, struct pact_handoff_msg *m, char *why,
		      size_t why_cap);
/* Check a message before encoding. 0 or -EINVAL with a static reason in *why. */
int handoff_msg_check(const struct pact_handoff_msg *m, const char **why);
/* Encode the JSON body into out (NUL-terminated). Returns its length, -EINVAL, -ENOSPC. */
int handoff_msg_encode(const struct pact_handoff_msg *m, char *out, size_t cap);
/* Encode a whole frame (header + body) into out. Returns its length or -errno. */
ssize_t handoff_msg_frame(const struct pact_handoff_msg *m, void *out, size_t cap);
/*
 * allocation_id rules: 1..PACT_HANDOFF_ALLOC_ID_MAX bytes of [A-Za-z0-9._-],
 * not starting with '.' or '-', no "..". It names cgroups and paths.
 * Returns 0 or -EINVAL with a static reason in *why.
 */
int handoff_check_alloc_id(const char *id, const char **why);
/* Parse a wire name; -EINVAL if unknown (case-sensitive). */
int handoff_ns_from_name(const char *s, enum pact_ns_type *t);
int handoff_err_from_name(const char *s, enum pact_handoff_err *k);

/* Message constructors (strings are truncated to the field bounds). */
void handoff_msg_error(struct pact_handoff_msg *m, const char *allocation_id,
		       enum pact_handoff_err kind, const char *reason);
void handoff_msg_ended(struct pact_handoff_msg *m, const char *allocation_id);

#endif
