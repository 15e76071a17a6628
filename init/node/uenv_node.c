/*
 * Glue between the uenv mount manager (uenv.c) and the node: init.conf keys
 *   uenv.image_roots = /images /scratch/images   (where images may come from)
 *   uenv.hold_s = 60                              (DEFAULT_HOLD_TIME_SECS)
 * the emergency gate (RI3, WI3), the kernel modules a mount needs (loaded
 * by the first mount's worker, not by the boot: they cost a tenth of a
 * second that readiness need not wait for), and the carrying of its counts
 * across a live re-exec (WI6). The verbs are ctl/mounts.c.
 */
#include "node/uenv_node.h"
#include "lib/config.h"
#include "lib/table.h"
#include "node/emergency.h"
#include "lib/fileio.h"
#include "pact/contract.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "node/reexec.h"
#include "os/kmod.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct uenv_mgr node_uenv PAGE_ALIGNED;
static char roots[UENV_MAX_ROOTS][256];
static int n_roots;
static unsigned long long hold_s = PACT_DEFAULT_HOLD_TIME_SECS;

static int conf_uenv(const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "uenv.image_roots") == 0) {
		char buf[1024];
		snprintf(buf, sizeof buf, "%s", value);
		n_roots = 0;
		for (char *save, *w = strtok_r(buf, " \t,", &save); w;
		     w = strtok_r(NULL, " \t,", &save)) {
			if (n_roots == UENV_MAX_ROOTS || strlen(w) >= sizeof roots[0] ||
			    w[0] != '/')
				return snprintf(err, errlen, "want up to %d absolute paths",
						UENV_MAX_ROOTS),
				       -EINVAL;
			snprintf(roots[n_roots++], sizeof roots[0], "%s", w);
		}
		return 0;
	}
	if (strcmp(key, "uenv.hold_s") == 0) {
		if (parse_u64(value, &hold_s) < 0 || hold_s > 86400)
			return snprintf(err, errlen, "want seconds (0..86400)"), -EINVAL;
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

void uenv_node_register_config(void)
{
	config_register_keys("uenv.", conf_uenv);
}

static int in_emergency(void *ctx)
{
	(void)ctx;
	return emergency_active();
}

/* In the mount worker: loop and squashfs, unless loaded or built in (a
 * check in /sys/module and /proc/filesystems: nothing to do after the
 * first mount). */
static int load_modules(char *msg, size_t len)
{
	static const char *const need[] = {"loop", "squashfs"};
	struct kmod_opts o = {.modules_dir = cfg.modules_dir[0] ? cfg.modules_dir : NULL};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		int r = kmod_load_opts(need[i], &o);
		if (r < 0)
			return snprintf(msg, len, "kernel module %s: %s", need[i], strerror(-r)), r;
	}
	return 0;
}

/* ---- re-exec: the counts are rebuilt from the kernel and the carried
 * allocations (WI6, alloc.c); the carried counts only cross-check them ---- */

#define CARRIED_MAX 64
static struct {
	char image[UENV_IMAGE_MAX];
	unsigned count;
} carried[CARRIED_MAX] PAGE_ALIGNED;
static int n_carried;
static struct timer check_timer;

static int save_entry(void *ctx, const struct uenv_info *in)
{
	struct reexec_out *o = ctx;
	reexec_begin(o, "uenvref");
	reexec_word(o, in->image);
	reexec_num(o, in->refcount);
	reexec_end(o);
	return 0;
}

static void save_counts(struct reexec_out *o)
{
	uenv_foreach(&node_uenv, save_entry, o);
}

static void restore_count(void *ctx, char **w, int n)
{
	(void)ctx;
	if (n == 3 && n_carried < CARRIED_MAX) {
		snprintf(carried[n_carried].image, UENV_IMAGE_MAX, "%s", w[1]);
		carried[n_carried++].count = (unsigned)strtoul(w[2], NULL, 10);
	}
}

static int check_entry(void *ctx, const struct uenv_info *in)
{
	int *mismatches = ctx;
	for (int i = 0; i < n_carried; i++) {
		if (strcmp(carried[i].image, in->image) != 0)
			continue;
		if (carried[i].count != in->refcount) {
			log_warn("re-exec: uenv %s: refcount rebuilt as %u, carried %u; the "
				 "kernel and the live allocations are taken as the truth (WI6)",
				 in->image, in->refcount, carried[i].count);
			(*mismatches)++;
		}
		carried[i].count = UINT32_MAX; /* seen */
	}
	return 0;
}

/* After alloc.c rebuilt the counts (its timer was armed before ours). */
static void cross_check(void *ctx)
{
	(void)ctx;
	int mismatches = 0;
	uenv_foreach(&node_uenv, check_entry, &mismatches);
	for (int i = 0; i < n_carried; i++)
		if (carried[i].count != UINT32_MAX && carried[i].count > 0) {
			log_warn("re-exec: uenv %s (carried refcount %u) is not mounted any more",
				 carried[i].image, carried[i].count);
			mismatches++;
		}
	if (!mismatches)
		log_notice("re-exec: uenv refcounts rebuilt and match the carried ones (%d images)",
			   n_carried);
	n_carried = 0;
}

void uenv_node_init(void)
{
	struct uenv_config c;
	char base[512];
	memset(&c, 0, sizeof c);
	for (int i = 0; i < n_roots; i++)
		c.roots[i] = roots[i];
	c.nroots = (size_t)n_roots;
	if (n_roots == 0) {
		c.roots[0] = "/images";
		c.nroots = 1;
	}
	if (run_path(base, sizeof base, "uenv") == 0)
		c.base = base;
	c.hold_ms = hold_s * 1000;
	if (hold_s == 0)
		c.hold_ms = 1; /* 0 means the default to the manager: "no hold" is 1 ms */
	c.in_emergency = in_emergency;
	/* only the machine's init loads modules (not a test instance) */
	if (getpid() == 1 && cfg.do_reboot && cfg.do_mounts)
		c.prepare = load_modules;
	int r = uenv_init(&node_uenv, &c);
	if (r < 0) {
		log_err("uenv: bad configuration (uenv.* in init.conf): %s; using the defaults",
			strerror(-r));
		uenv_init(&node_uenv, NULL);
	}
	reexec_register_saver(save_counts);
	reexec_each("uenvref", restore_count, NULL);
	if (reexec_restoring())
		timer_arm(&check_timer, 0, cross_check, NULL);
}
