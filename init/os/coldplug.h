/*
 * What udev's "trigger" and its kmod builtin do at boot, without udev:
 * walk sysfs for the modalias of every device on a bus, find the modules
 * that match in modules.alias, and load them (dependencies first, with
 * modprobe.d's options and blacklist); and give the device nodes that
 * exist the permissions devices.rules asks for. Meant for a worker
 * process: it may block in finit_module for as long as a driver takes.
 */
#ifndef PACT_COLDPLUG_H
#define PACT_COLDPLUG_H

#include "os/modalias.h"

struct modprobe_conf;
struct devrules;

#define COLDPLUG_MAX_DEVICES 4096 /* devices with a modalias, per walk */
#define COLDPLUG_PASSES                                                                            \
	2 /* walks: a driver loaded may bring new devices; later ones come as events */

struct coldplug {
	const char *sysfs;	 /* "/sys" (tests: a tree) */
	const char *modules_dir; /* "/lib/modules/<release>" */
	const struct modprobe_conf *conf;
	int (*loader)(void *ctx, int fd, const char *path, const char *params, int flags);
	/* called before each walk with /sys/kernel/uevent_seqnum: the events
	 * up to it are of devices the walk sees (may be NULL) */
	void (*walking)(unsigned long long seqnum);
	/* counts, for the summary line */
	int devices, loaded, missing, failed, blacklisted;
};

/* Walk, match and load until a walk finds no new device (COLDPLUG_PASSES
 * at most). Returns the number of modules loaded, or -errno when
 * modules.alias cannot be read. */
int coldplug_run(struct coldplug *c);
/* Load what matches these devices (the hotplug path); sorts d. */
int coldplug_load(struct coldplug *c, struct modalias_dev *d, int n);
/* Apply the rules to every node that /sys/dev/{char,block} lists;
 * returns the number of nodes the rules changed. */
int coldplug_rules(const struct devrules *rs, const char *sysfs, const char *devdir);

#endif
