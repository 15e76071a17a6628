/*
 * Internal to the uenv mount manager: the table operations of uenv.c that
 * its satellites use (uenv_async.c, the first mount in a worker child;
 * uenv_mountinfo.c, the rebuild from the mount table, WI6). Calls go one
 * way, from them to uenv.c. Not an API for anyone else: uenv.h is.
 */
#ifndef PACT_UENV_INT_H
#define PACT_UENV_INT_H

#include "os/uenv.h"

/* Record the message (m->err), log it, return -err. */
__attribute__((format(printf, 3, 4))) int uenv__fail(struct uenv_mgr *m, int err, const char *fmt,
						     ...);
/* The same without the log: an acquire's failure, which its caller reports
 * once (a client asking for a bad image must not write two error lines). */
__attribute__((format(printf, 3, 4))) int uenv__refuse(struct uenv_mgr *m, int err, const char *fmt,
						       ...);
/* The entry of a (normalised) image, a free one, a mount point in use. */
struct uenv_entry *uenv__find(struct uenv_mgr *m, const char *image);
struct uenv_entry *uenv__free_slot(struct uenv_mgr *m);
int uenv__name_taken(const struct uenv_mgr *m, const char *mp);
/* image_path normalised into image (UENV_IMAGE_MAX), or a failure. */
int uenv__check_path(struct uenv_mgr *m, const char *image_path, char *image);
/* A later reference to a mounted entry: count it, fill out. */
int uenv__hit(struct uenv_mgr *m, struct uenv_entry *e, struct uenv_handle *out);
/* The image's root (*root, *rel below it) and a free slot; NULL with *err. */
struct uenv_entry *uenv__claim_slot(struct uenv_mgr *m, const char *image, const char **rel,
				    int *root, int *err);
/* Make <base>/<name> (or a hashed name on a collision) into mp; returns an
 * fd on its directory (uenv_path_mount_dir) or a failure. */
int uenv__make_mount_point(struct uenv_mgr *m, const char *image, char *mp);
/* Open and check the image under root (uenv_path.h), or a failure. */
int uenv__open_image(struct uenv_mgr *m, const char *image, int root, const char *rel);
/* Bind the open image to a loop device and mount it on the directory open
 * at mp_fd (mp: its path); nothing left on failure. */
int uenv__attach_and_mount(struct uenv_mgr *m, const char *image, int fd, int mp_fd, const char *mp,
			   struct loopdev *lo);
/* e becomes the mount of image on mp with refcount references. */
void uenv__set_mounted(struct uenv_mgr *m, struct uenv_entry *e, const char *image, const char *mp,
		       const struct loopdev *lo, unsigned refcount);
void uenv__fill_handle(const struct uenv_mgr *m, const struct uenv_entry *e, struct uenv_handle *h);
/* The hold timer's callback (ctx: the entry): unmount, or retry later. */
void uenv__hold_expired(void *ctx);

#endif
