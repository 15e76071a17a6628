/*
 * /etc/fstab: the filesystems an admin wants mounted at boot, with the
 * options that say when (_netdev, nofail, x-systemd.requires=) and those
 * that pact-init cannot honour (x-systemd.automount), refused clearly.
 * Mount options are split into mount(2)'s flags and the filesystem's own
 * text options, which go to the kernel as they are (NFS: the kernel's
 * client, with addr= found from the server's name).
 */
#ifndef PACT_FSTAB_H
#define PACT_FSTAB_H

#include <stddef.h>

#define FSTAB_MAX	 32
#define FSTAB_PATH_MAX	 256
#define FSTAB_DATA_MAX	 512
#define FSTAB_REASON_MAX 200

struct fstab_entry {
	char source[FSTAB_PATH_MAX];
	char target[FSTAB_PATH_MAX];
	char fstype[32];
	char data[FSTAB_DATA_MAX]; /* the filesystem's options, for the kernel */
	unsigned long flags;	   /* MS_* */
	int nofail, remote;
	unsigned timeout_ms; /* one attempt: x-systemd.mount-timeout= (0: the default) */
	unsigned budget_s;   /* all attempts: retry= (NFS, minutes), x-systemd.device-timeout= */
	char requires[FSTAB_PATH_MAX];	/* a path whose mount must come first ("" none) */
	char refused[FSTAB_REASON_MAX]; /* why it cannot be mounted ("" it can) */
	int line;
};

/* One line (comments and blanks gone). 0 an entry; 1 a line with nothing
 * for us (swap, the root, noauto); -EINVAL with err set. An option
 * pact-init cannot honour is not an error here: e->refused says it, so
 * the entry fails (or, with nofail, is skipped) naming its line. */
int fstab_parse_line(char *line, struct fstab_entry *e, char *err, size_t errlen);
/* Read path (a missing file is no entries) into tab; refused lines are
 * logged with path:line. Returns the number of entries. */
int fstab_read(const char *path, struct fstab_entry *tab, int max);
/* Is fstype a network filesystem (mounted after the network)? */
int fstab_is_remote_type(const char *fstype);
/* The source to give mount(2): LABEL=, UUID=, PARTUUID=, PARTLABEL= as the
 * /dev/disk/by-* link (which must exist), a path as it is. 0 or -ENOENT
 * with err set. */
int fstab_source(const struct fstab_entry *e, char *out, size_t cap, char *err, size_t errlen);
/* For nfs and nfs4 without addr=: the server's address (a literal, or its
 * name in <root>/etc/hosts) appended as addr=, as mount.nfs would. 0 or
 * -errno with err set. */
int fstab_nfs_data(const struct fstab_entry *e, const char *root, char *out, size_t cap, char *err,
		   size_t errlen);

#endif
