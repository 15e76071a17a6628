/*
 * Where a uenv image may be opened from and where it may be mounted,
 * safely: the path checks, the opening of an image beneath its root, the
 * mount point's name and its directory beneath the base, which the mount
 * manager (uenv.c) and its mount worker (uenv_async.c) share. Nothing here
 * knows the manager's table.
 */
#ifndef PACT_UENV_PATH_H
#define PACT_UENV_PATH_H

#include <stddef.h>
#include <sys/stat.h>

#define UENV_NAME_MAX 64 /* a mount point name taken from an image's file name */

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
/*
 * Open rel beneath dirfd without following any symlink (openat2
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or one component at a time with
 * O_NOFOLLOW before 5.6), flags | O_NOFOLLOW | O_CLOEXEC, plus resolve
 * (e.g. RESOLVE_NO_XDEV: no mount point crossed). An fd or -errno.
 */
int uenv_path_open_beneath(int dirfd, const char *rel, int flags, unsigned long long resolve);
/* FNV-1a-64 of s: the short, stable tag of a path in a name. */
unsigned long long uenv_path_hash(const char *s);
/*
 * The mount point name for image (a normalised path) into out (cap >=
 * UENV_NAME_MAX + 24): its file name without ".sqfs" when that is 1 to
 * UENV_NAME_MAX bytes of [A-Za-z0-9._+-] not starting with '.' or '-' (so
 * never "", ".", "..", a '/', a control character or anything a shell or a
 * mount table would misread), else "uenv-<16 hex of the path's hash>".
 * alt != 0: the name for a collision, "<name>-<16 hex>".
 */
void uenv_path_mount_name(const char *image, int alt, char *out, size_t cap);
/*
 * The base directory as an O_PATH fd: created if missing, never a symlink
 * at its last component; *st filled. An fd or -errno.
 */
int uenv_path_open_base(const char *base, struct stat *st);
/*
 * The directory name beneath basefd to mount on, made here or an empty
 * leftover: a real directory (not a symlink), on the base's own device,
 * not a mount point, with nothing in it. Returns an O_DIRECTORY fd of it
 * (*made: 1 when mkdirat made it), or -EEXIST (something else is there),
 * or another -errno.
 */
int uenv_path_mount_dir(int basefd, const struct stat *base_st, const char *name, int *made);

#endif
