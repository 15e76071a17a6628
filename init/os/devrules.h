/*
 * Device node permissions and links, the subset of udev rules a node
 * without udev needs (docs/devices.md): rules match a device's
 * SUBSYSTEM, KERNEL name and ACTION, and set MODE, OWNER and GROUP of
 * its node under /dev and SYMLINK names for it.
 *   KERNEL=="umad*", SUBSYSTEM=="infiniband_mad", MODE="0660", GROUP="rdma"
 *   SUBSYSTEM=="misc", KERNEL=="hw_random", SYMLINK+="hwrng-%k"
 */
#ifndef PACT_DEVRULES_H
#define PACT_DEVRULES_H

#include "os/uevent.h"

#include <stddef.h>
#include <sys/types.h>

#define DEVRULES_MAX	     48
#define DEVRULES_MATCHES     4
#define DEVRULES_PATTERN_MAX 96
#define DEVRULES_LINKS_MAX   128

enum devrule_key { DR_SUBSYSTEM, DR_KERNEL, DR_ACTION };

struct devrule {
	int n_match;
	struct {
		enum devrule_key key;
		int negate;
		char pattern[DEVRULES_PATTERN_MAX]; /* glob, alternatives split by '|' */
	} match[DEVRULES_MATCHES];
	int has_mode, has_uid, has_gid;
	int final;	 /* bits: 1 MODE, 2 OWNER, 4 GROUP assigned with ':=' */
	int links_reset; /* SYMLINK= rather than SYMLINK+= */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	char links[DEVRULES_LINKS_MAX]; /* space separated, with %k %n %% */
};

struct devrules {
	int n;
	char root[128]; /* passwd and group are read under it ("" for /) */
	struct devrule rule[DEVRULES_MAX];
};

/* One line (comments and blanks gone). 0, or -errno with err set: an
 * unsupported key names itself, and the line is not used at all. */
int devrules_parse_line(struct devrules *rs, char *line, char *err, size_t errlen);
/* Read the rules file at path (a missing file is no rules). Returns the
 * number of lines refused (logged with file:line) or -errno. */
int devrules_load(struct devrules *rs, const char *root, const char *path);

/* What the rules say for one device: the last assignment of each key wins
 * (unless an earlier one was final), links accumulate. */
struct devrule_result {
	int has_mode, has_uid, has_gid;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	char links[DEVRULES_LINKS_MAX * 2]; /* expanded, space separated */
};
int devrules_eval(const struct devrules *rs, const struct uevent *ev, struct devrule_result *out);
/* Apply to the node devdir/ev->devname: chmod/chown on add and change,
 * links made (add, change) or removed (remove). 0 or the first -errno
 * (logged with the node's path). */
int devrules_apply(const struct devrules *rs, const char *devdir, const struct uevent *ev);

#endif
