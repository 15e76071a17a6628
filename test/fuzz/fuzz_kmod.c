/*
 * Fuzz the module loader's modules.dep and modules.builtin reading: the
 * input is split at the first NUL into modules.dep and modules.builtin;
 * the loader is fake, so only parsing and the dependency passes run.
 */
#include "os/kmod.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[96];

static int fake_loader(void *ctx, int fd, const char *path, const char *params, int flags)
{
	(void)ctx, (void)fd, (void)flags, (void)params;
	return strstr(path, "fail") ? -ENOEXEC : 0;
}

static void put(const char *name, const uint8_t *d, size_t n)
{
	char p[160];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (n && write(fd, d, n) != (ssize_t)n)
		abort();
	close(fd);
}

static const char *const tree[] = {"k/loop.ko", "k/dep.ko", "k/fail.ko", "modules.dep",
				   "modules.builtin"};

static void remove_tree(void)
{
	char p[160];
	for (size_t i = 0; i < sizeof tree / sizeof tree[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, tree[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/k", dir);
	rmdir(p);
	rmdir(dir);
}

/* The module tree on tmpfs when there is one: each input rewrites two
 * files, which on a disk-backed /tmp costs more than the parsing. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof dir, "%s/pact-fuzz-kmod-XXXXXX", base);
	if (!mkdtemp(dir))
		abort();
	char k[160];
	snprintf(k, sizeof k, "%s/k", dir);
	if (mkdir(k, 0755) < 0)
		abort();
	/* the files a parsed line can name (opened by load_file) */
	for (size_t i = 0; i < 3; i++)
		put(tree[i], NULL, 0);
	atexit(remove_tree);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	put("modules.dep", data, n1);
	put("modules.builtin", nul ? nul + 1 : data, nul ? size - n1 - 1 : 0);
	struct kmod_opts o = {.modules_dir = dir,
			      .sys_module_dir = "",
			      .proc_filesystems = "",
			      .loader = fake_loader};
	kmod_load_opts("loop", &o);
	kmod_load_opts("squash-fs", &o);
	return 0;
}
