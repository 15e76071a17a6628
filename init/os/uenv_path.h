/*
 * Where a uenv image may be opened from, safely: the path checks and the
 * opening that the mount manager (uenv.c) and its mount worker
 * (uenv_async.c) share. Nothing here knows the manager's table.
 */
#ifndef PACT_UENV_PATH_H
#define PACT_UENV_PATH_H

#include <stddef.h>

/*
 * in as the one spelling of its file into out (cap bytes, in must be
 * shorter): absolute, no ".." component; repeated slashes and "."
 * components dropped. 0, or -EINVAL (not absolute, or "/"), -ENAMETOOLONG,
 * -EXDEV (a ".." component).
 */
int uenv_path_normalize(const char *in, char *out, size_t cap);
/* The part of path below the first root it lies under (whole components),
 * with *root its index; NULL when under none. */
const char *uenv_path_under_root(const char *const *roots, size_t nroots, const char *path,
				 int *root);
/*
 * Open rel beneath root_dir, refusing any symlink on the way, and check it:
 * a regular file (-ELOOP a symlink, -EISDIR, -ENODEV anything else), not
 * replaced between two opens (-EAGAIN), with the squashfs magic "hsqs"
 * (-EMEDIUMTYPE). Returns an O_RDONLY|O_CLOEXEC fd, or -errno with why
 * ("no such file", ...) set for the caller's message.
 */
int uenv_path_open_image(const char *root_dir, const char *rel, char *why, size_t cap);

#endif
