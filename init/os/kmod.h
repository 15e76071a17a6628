/*
 * Boot-time kernel module loading with finit_module(2): find the module
 * and its dependencies in modules.dep, load the dependencies first, treat
 * "already loaded" (EEXIST) and "built in" (modules.builtin) as success.
 */
#ifndef PACT_KMOD_H
#define PACT_KMOD_H

#include <stddef.h>

#define KMOD_MAX_DEPS 64 /* dependencies of one module (transitive, as depmod lists them) */

struct modprobe_conf;

/* The finit_module call, replaceable for tests. Returns 0 or -errno. */
typedef int (*kmod_loader_fn)(void *ctx, int fd, const char *path, const char *params, int flags);

struct kmod_opts {
	const char *modules_dir;    /* NULL: /lib/modules/$(uname -r) */
	const char *sys_module_dir; /* NULL: /sys/module ("" skips that check) */
	/* NULL: /proc/filesystems ("" skips): a filesystem listed there is built in */
	const char *proc_filesystems;
	kmod_loader_fn loader; /* NULL: finit_module(2) */
	void *ctx;
	/* NULL: none; else each module's options, and the modules that
	 * "install NAME /bin/true" disables (-EPERM) */
	const struct modprobe_conf *conf;
	int quiet_missing; /* the caller names what wanted a missing module */
};

/*
 * Load module name ("loop", "squashfs"; '-' and '_' are the same) and its
 * dependencies. 0 when loaded, already loaded or built in (in
 * modules.builtin, in /sys/module, or for a filesystem module not in
 * modules.dep, listed in /proc/filesystems); -ENOENT (logged,
 * naming the module) when it is nowhere to be found; else the failing
 * -errno. Supports .ko, and .ko.xz/.ko.zst/.ko.gz when the kernel can
 * decompress them (MODULE_INIT_COMPRESSED_FILE).
 */
int kmod_load(const char *name, const char *modules_dir);
int kmod_load_opts(const char *name, const struct kmod_opts *o);
/* Load each; returns 0, or the first error after trying them all. */
int kmod_load_list(const char *const *names, size_t n, const struct kmod_opts *o);
/* "/lib/modules/<release>" of the running kernel. */
int kmod_default_dir(char *buf, size_t cap);

#endif
