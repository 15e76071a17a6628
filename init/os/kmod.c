/*
 * Module loader for the boot phase. modules.dep is streamed line by line
 * (it can be hundreds of KiB) through a fixed buffer; the dependency list
 * of the one line we want is copied out and loaded in passes, so the
 * order depmod wrote does not matter: a dependency that fails because its
 * own dependency is not in yet succeeds on a later pass.
 */
#include "os/kmod.h"
#include "lib/fileio.h"
#include "lib/linebuf.h"
#include "lib/log.h"
#include "lib/table.h"
#include "os/modprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/module.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define KMOD_NAME_MAX 64

static struct linebuf lb PAGE_ALIGNED;	       /* one loader at a time: the loop thread */
static char depline[LINEBUF_CAP] PAGE_ALIGNED; /* the line of the module we load */

int kmod_default_dir(char *buf, size_t cap)
{
	struct utsname u;
	if (uname(&u) < 0)
		return -errno;
	return path_fmt(buf, cap, "/lib/modules/%s", u.release);
}

/* Module name of a path or name: basename, no .ko[.xz|.zst|.gz], '-' -> '_'. */
static void modname(const char *s, size_t len, char *out)
{
	const char *b = memrchr(s, '/', len);
	if (b) {
		len -= (size_t)(b + 1 - s);
		s = b + 1;
	}
	const char *ko = NULL;
	for (const char *p = s; p + 3 <= s + len; p++)
		if (memcmp(p, ".ko", 3) == 0 && (p + 3 == s + len || p[3] == '.'))
			ko = p;
	if (ko)
		len = (size_t)(ko - s);
	if (len >= KMOD_NAME_MAX)
		len = KMOD_NAME_MAX - 1;
	for (size_t i = 0; i < len; i++)
		out[i] = s[i] == '-' ? '_' : s[i];
	out[len] = '\0';
}

static int compressed(const char *path)
{
	size_t n = strlen(path);
	return !(n >= 3 && strcmp(path + n - 3, ".ko") == 0);
}

static int real_loader(void *ctx, int fd, const char *path, const char *params, int flags)
{
	(void)ctx;
	(void)path;
	return syscall(SYS_finit_module, fd, params, flags) < 0 ? -errno : 0;
}

/* In /sys/module already (loaded, or built in with parameters)? */
static int present(const struct kmod_opts *o, const char *name)
{
	const char *sysmod = o->sys_module_dir ? o->sys_module_dir : "/sys/module";
	char p[320];
	struct stat st;
	return *sysmod && path_fmt(p, sizeof p, "%s/%s", sysmod, name) >= 0 && stat(p, &st) == 0;
}

static int load_file(const char *dir, const char *rel, const struct kmod_opts *o)
{
	char path[512], name[KMOD_NAME_MAX];
	int r = rel[0] == '/' ? path_fmt(path, sizeof path, "%s", rel)
			      : path_fmt(path, sizeof path, "%s/%s", dir, rel);
	if (r < 0)
		return r;
	modname(path, strlen(path), name);
	/* a dependency that is in: finit_module would read it all to say EEXIST */
	if (present(o, name))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	int flags = compressed(path) ? MODULE_INIT_COMPRESSED_FILE : 0;
	const char *params = o->conf ? modprobe_params(o->conf, name) : "";
	if (*params)
		log_info("kmod: %s with options %s", name, params);
	r = (o->loader ? o->loader : real_loader)(o->ctx, fd, path, params, flags);
	close_fd(fd);
	if (r == -EEXIST)
		return 0;
	if (r < 0 && flags && (r == -EOPNOTSUPP || r == -EINVAL))
		log_err("kmod: %s: the kernel cannot load this compressed module: %s", path,
			strerror(-r));
	return r;
}

/* Is name listed in <dir>/modules.builtin? */
static int builtin(const char *dir, const char *name)
{
	char path[512], m[KMOD_NAME_MAX];
	if (path_fmt(path, sizeof path, "%s/modules.builtin", dir) < 0 ||
	    linebuf_open(&lb, path) < 0)
		return 0;
	int found = 0;
	char *line;
	int n;
	while (!found && (n = linebuf_next(&lb, &line)) != -ENODATA) {
		if (n < 0) {
			if (n == -E2BIG)
				continue;
			break;
		}
		modname(line, (size_t)n, m);
		found = strcmp(m, name) == 0;
	}
	linebuf_close(&lb);
	return found;
}

/* Is name a filesystem the running kernel has (a built-in squashfs, overlay)? */
static int fs_listed(const char *path, const char *name)
{
	if (!*path || linebuf_open(&lb, path) < 0)
		return 0;
	int found = 0, n;
	char *line;
	while (!found && (n = linebuf_next(&lb, &line)) != -ENODATA) {
		if (n < 0) {
			if (n == -E2BIG)
				continue;
			break;
		}
		const char *fs = strrchr(line, '\t');
		found = strcmp(fs ? fs + 1 : line, name) == 0;
	}
	linebuf_close(&lb);
	return found;
}

/* Copy the modules.dep line of name into depline. 0, -ENOENT, or -errno. */
static int find_dep_line(const char *dir, const char *name)
{
	char path[512], m[KMOD_NAME_MAX];
	int r = path_fmt(path, sizeof path, "%s/modules.dep", dir);
	if (r < 0)
		return r;
	r = linebuf_open(&lb, path);
	if (r < 0) {
		log_err("kmod: %s: %s", path, strerror(-r));
		return r;
	}
	char *line;
	for (;;) {
		int n = linebuf_next(&lb, &line);
		if (n == -E2BIG)
			continue;
		if (n < 0) {
			r = n == -ENODATA ? -ENOENT : n;
			break;
		}
		char *colon = memchr(line, ':', (size_t)n);
		if (!colon)
			continue;
		modname(line, (size_t)(colon - line), m);
		if (strcmp(m, name) == 0) {
			memcpy(depline, line, (size_t)n + 1);
			r = 0;
			break;
		}
	}
	linebuf_close(&lb);
	return r;
}

int kmod_load_opts(const char *name_in, const struct kmod_opts *o)
{
	char name[KMOD_NAME_MAX], dirbuf[256];
	const char *dir = o->modules_dir;
	if (!name_in || !*name_in)
		return -EINVAL;
	modname(name_in, strlen(name_in), name);
	if (o->conf && modprobe_blocked(o->conf, name) == 2) {
		log_err("kmod: %s: disabled in modprobe.d (install %s /bin/true)", name, name);
		return -EPERM;
	}
	if (!dir) {
		int r = kmod_default_dir(dirbuf, sizeof dirbuf);
		if (r < 0)
			return r;
		dir = dirbuf;
	}
	if (present(o, name) || builtin(dir, name))
		return 0;
	int r = find_dep_line(dir, name);
	if (r == -ENOENT &&
	    fs_listed(o->proc_filesystems ? o->proc_filesystems : "/proc/filesystems", name)) {
		log_info("kmod: %s: not in modules.dep; the kernel has it built in", name);
		return 0;
	}
	if (r == -ENOENT) {
		if (!o->quiet_missing)
			log_err("kmod: module %s not found in %s (modules.dep, modules.builtin)",
				name, dir);
		return r;
	}
	if (r < 0)
		return r;

	/* depline: "path/mod.ko: dep1.ko dep2.ko ..." */
	char *colon = strchr(depline, ':');
	*colon = '\0';
	char *deps[KMOD_MAX_DEPS];
	int nd = 0, loaded[KMOD_MAX_DEPS] = {0};
	char *save = NULL;
	for (char *t = strtok_r(colon + 1, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (nd == KMOD_MAX_DEPS) {
			log_err("kmod: %s: more than %d dependencies", name, KMOD_MAX_DEPS);
			return -E2BIG;
		}
		deps[nd++] = t;
	}
	/* last listed first (depmod's usual order), then more passes if needed */
	int left = nd, err = 0;
	for (int pass = 0; pass < nd && left > 0; pass++) {
		int progress = 0;
		for (int i = nd - 1; i >= 0; i--) {
			if (loaded[i])
				continue;
			int e = load_file(dir, deps[i], o);
			if (e == 0) {
				loaded[i] = 1;
				left--;
				progress = 1;
			} else {
				err = e;
			}
		}
		if (!progress)
			break;
	}
	if (left > 0) {
		for (int i = 0; i < nd; i++)
			if (!loaded[i])
				log_err("kmod: %s: dependency %s failed: %s", name, deps[i],
					strerror(-err));
		return err;
	}
	r = load_file(dir, depline, o);
	if (r < 0)
		log_err("kmod: %s (%s/%s): %s", name, dir, depline, strerror(-r));
	return r;
}

int kmod_load(const char *name, const char *modules_dir)
{
	struct kmod_opts o = {.modules_dir = modules_dir};
	return kmod_load_opts(name, &o);
}

int kmod_load_list(const char *const *names, size_t n, const struct kmod_opts *o)
{
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		int r = kmod_load_opts(names[i], o);
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}
