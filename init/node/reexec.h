/*
 * Live re-exec: pact-init execs itself (the binary now at its path, so an
 * upgrade takes effect) without disturbing the node. Before the exec every
 * subsystem writes its state as text lines into a memfd and marks the fds
 * that must survive (listening sockets, log pipes); the new image reads the
 * lines back while it initialises. A missing or damaged state is reported
 * and the subsystems adopt what they can find in the kernel instead.
 *
 * State format (docs/reexec.md): one record per line, words separated by
 * single spaces, each word %-escaped (%25 %20 %0A); first line
 * "pact-reexec <version>", last line "end <crc32 of everything before it>".
 * A record is at most REEXEC_LINE_MAX bytes: each saver's records fit by
 * construction (REEXEC_WORD_MAX sums, checked at compile time), and one
 * that does not is refused when written and reported when read, never
 * lost without a word. A new image reads the states of every version up
 * to its own (reexec_version() says which it got).
 */
#ifndef PACT_REEXEC_H
#define PACT_REEXEC_H

#include <stddef.h>

#define REEXEC_VERSION	2     /* 2: alloc records carry their owner's uid */
#define REEXEC_LINE_MAX 16384 /* one record, its newline included */
/* A word of at most n bytes in a record: every byte escaped, one separator. */
#define REEXEC_WORD_MAX(n) (3 * (n) + 1)
#define REEXEC_NUM_MAX	   21 /* a number as a word */
#define REEXEC_MAX_WORDS   24
#define REEXEC_MAX_FDS	   512 /* two log fds per unit (UNITS_MAX), the sockets, room */
#define REEXEC_MAX_SAVERS  12
#define REEXEC_MAX_CARRIED 8 /* reexec_carry_fd */

struct reexec_out;

typedef void (*reexec_save_fn)(struct reexec_out *o);

/* fn writes its module's records at every re-exec. 0, or -ENOSPC. */
int reexec_register_saver(reexec_save_fn fn);
/* Start a record: its first word. Then add words; end it with reexec_end. */
void reexec_begin(struct reexec_out *o, const char *key);
void reexec_word(struct reexec_out *o, const char *s);
void reexec_num(struct reexec_out *o, long long v);
void reexec_end(struct reexec_out *o);
/* The one way to carry a named fd: the record "fd <name> <n>", and the fd
 * kept open across the exec (nothing when fd < 0). The new image takes it
 * back with reexec_take_fd(name). Past REEXEC_MAX_FDS nothing is recorded
 * (and it is logged): a record never names an fd that was not carried. */
void reexec_save_fd(struct reexec_out *o, const char *name, int fd);
/* Carry *fd (read when the exec happens) under name at every re-exec:
 * for a module's long-lived fd, a listening socket. 0, or -ENOSPC. */
int reexec_carry_fd(const char *name, const int *fd);

/* At start: read the state handed over by the previous image, if any.
 * Returns 1 restoring, 0 a normal boot, -1 a re-exec whose state was lost
 * or damaged (adopt from the kernel). */
int reexec_load(void);
int reexec_restoring(void);
/* This image came from a re-exec whose state was lost: adopt, don't start twice. */
int reexec_state_lost(void);
/* The handed-over fd recorded as "fd <name> <n>", close-on-exec again; -1 if none. */
int reexec_take_fd(const char *name);
/* Call cb for every record whose first word is key (words[0] is key).
 * Returns how many such records could not be read (too long, too many
 * words): each is logged; the caller falls back to what the kernel shows. */
int reexec_each(const char *key, void (*cb)(void *ctx, char **words, int n), void *ctx);
/* The version of the state being restored (0: none). */
int reexec_version(void);
/* Done restoring: close handed-over fds nobody took, free the state. */
void reexec_finish(void);

/* Save everything and exec; returns only on failure (-errno), with the
 * node untouched. */
int reexec_now(const char *why);
/* The state reexec_now would hand over, into buf (the savers run, the fds
 * they keep are only counted in *nfds): its length, or -E2BIG. For tests. */
int reexec_render(char *buf, size_t cap, int *nfds);
/* reexec_now from the loop's next round (signal handlers, control replies). */
void reexec_defer(const char *why);
/* Test aid (pactctl reexec --corrupt-state): damage the next state handed
 * over, so that the new image must refuse it. */
void reexec_damage_next(void);
void reexec_init(int argc, char **argv);

#endif
