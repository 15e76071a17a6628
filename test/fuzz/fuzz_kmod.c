/*
 * Fuzz the module loader's modules.dep and modules.builtin reading: the
 * input is split at the first NUL into modules.dep and modules.builtin;
 * the loader is fake, so only parsing and the dependency passes run.
 */
#include "os/kmod.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static int fake_loader(void *ctx, int fd, const char *path, const char *params, int flags)
{
	(void)ctx, (void)fd, (void)flags, (void)params;
	return strstr(path, "fail") ? -ENOEXEC : 0;
}

static void put(const char *name, const uint8_t *d, size_t n)
{
	char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f)
		abort();
	if (n)
		fwrite(d, 1, n, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/fuzz-kmod-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		/* the files a parsed line can name (opened by load_file) */
		char p[160];
		snprintf(p, sizeof p,
			 "mkdir -p %s/k && touch %s/k/loop.ko %s/k/dep.ko %s/k/fail.ko", dir, dir,
			 dir, dir);
		if (system(p) != 0)
			abort();
	}
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
