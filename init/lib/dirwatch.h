/*
 * Paths the daemon keeps in place (its sockets, the ready file): one
 * inotify instance on their directories tells each path's owner when the
 * path was deleted or renamed away, so that it can make it again. When a
 * directory itself goes, it is made again (mode 0755) and the owner of
 * every path in it is told. Quiet at idle: only deletions and moves in
 * those directories wake the loop, never their files' writes.
 */
#ifndef PACT_DIRWATCH_H
#define PACT_DIRWATCH_H

#define DIRWATCH_MAX 8 /* paths watched */

/* Called from the event loop once path is gone; ctx as given. */
typedef void (*dirwatch_fn)(void *ctx);

/* Watch path: gone(ctx) after each deletion or move away of it (the owner
 * may have removed it itself: it decides what to do). 0, -ENOSPC (the
 * table is full, logged) or -errno. */
int dirwatch_add(const char *path, dirwatch_fn gone, void *ctx);

#endif
