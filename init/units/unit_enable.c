/*
 * Run-time enablement (unit_enable.h): the links of a unit's [Install] in
 * one unit directory, made or removed, and the state of a unit's file as
 * `systemctl is-enabled` reports it. Everything is read from the
 * directories each time: the links are the record, as with systemd.
 */
#include "units/unit_enable.h"
#include "units/unit_index.h"
#include "units/unit_set_diff.h"
#include "lib/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALSO_MAX 16

struct work {
	struct unit_index *ix;
	struct unit u;
	char dropins[UNIT_DROPINS_MAX + 1][PATH_MAX];
	char todo[ALSO_MAX][UNIT_NAME_MAX];
	int n_todo;
};

static const char *const state_names[] = {
    "enabled",	"enabled-runtime", "static",	     "alias",
    "disabled", "masked",	   "masked-runtime", "not-found",
};

const char *unit_file_state_name(enum unit_file_state st)
{
	return st <= UNIT_FILE_NOT_FOUND ? state_names[st] : "?";
}

int unit_file_state_ok(enum unit_file_state st)
{
	return st == UNIT_FILE_ENABLED || st == UNIT_FILE_ENABLED_RUNTIME ||
	       st == UNIT_FILE_STATIC || st == UNIT_FILE_ALIAS;
}

__attribute__((format(printf, 2, 3))) static void say(struct unit_enable_log *log, const char *fmt,
						      ...)
{
	if (log->len >= sizeof log->text - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(log->text + log->len, sizeof log->text - log->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		log->len += (size_t)n;
	if (log->len > sizeof log->text - 1)
		log->len = sizeof log->text - 1;
}

/* The work area and the index, each in a mapping of its own (large). */
static struct work *work_begin(const struct unit_set_conf *c)
{
	struct work *w =
	    mmap(NULL, sizeof *w, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w == MAP_FAILED)
		return NULL;
	w->ix = unit_index_map(c);
	if (!w->ix) {
		munmap(w, sizeof *w);
		return NULL;
	}
	return w;
}

static void work_end(struct work *w)
{
	unit_index_unmap(w->ix);
	munmap(w, sizeof *w);
}

/* name's file entry (a template's for an instance), aliases followed. */
static const struct unit_entry *file_of(struct work *w, const char *name)
{
	char canon[UNIT_NAME_MAX], tmpl[UNIT_NAME_MAX];
	const struct unit_entry *e = unit_index_resolve(w->ix, name, canon, sizeof canon);
	if (!e && unit_template_of(canon, tmpl, sizeof tmpl) == 0)
		e = unit_index_find(w->ix, tmpl);
	return e;
}

/* Load name (its file and drop-ins) into w->u for its [Install]: 0, or
 * -errno with the reason said. path gets the unit file's path. */
static int load_install(struct work *w, const char *name, char *path, size_t cap,
			struct unit_enable_log *log)
{
	const struct unit_entry *e = file_of(w, name);
	if (!e)
		return say(log, "%s: no such unit in the unit directories", name), -ENOENT;
	if (unit_index_path(w->ix, e, path, cap) < 0)
		return say(log, "%s: path too long", name), -ENAMETOOLONG;
	if (e->type == UNIT_ENTRY_MASK)
		return say(log, "%s is masked (%s): remove the mask first", name, path), -ESHUTDOWN;
	const char *paths[UNIT_DROPINS_MAX + 1];
	snprintf(w->dropins[0], PATH_MAX, "%s", path);
	int n = 1 + unit_index_dropins(w->ix, name, w->dropins + 1, UNIT_DROPINS_MAX);
	for (int i = 0; i < n; i++)
		paths[i] = w->dropins[i];
	char inst[UNIT_NAME_MAX];
	const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
	int is_inst = strcmp(e->name, name) != 0 && at && dot && dot > at + 1;
	if (is_inst)
		snprintf(inst, sizeof inst, "%.*s", (int)(dot - at - 1), at + 1);
	struct unit_diag d = {0};
	struct unit_opts opts = {.quiet = 1, .no_userdb = 1};
	if (unit_load_files(paths, n, is_inst ? inst : NULL, &opts, &w->u, &d) < 0)
		return say(log, "%s", w->u.load_error), -EINVAL;
	return 0;
}

static int make_link(const char *dir, const char *sub, const char *name, const char *target,
		     struct unit_enable_log *log)
{
	char parent[PATH_MAX], link[PATH_MAX], have[PATH_MAX];
	if (path_fmt(parent, sizeof parent, "%s%s%s", dir, sub[0] ? "/" : "", sub) < 0 ||
	    path_fmt(link, sizeof link, "%s/%s", parent, name) < 0)
		return say(log, "%s/%s: path too long\n", dir, sub), -ENAMETOOLONG;
	ssize_t l = readlink(link, have, sizeof have - 1);
	if (l > 0 && (size_t)l == strlen(target) && memcmp(have, target, (size_t)l) == 0)
		return 0; /* there already */
	int r = mkdir_p(parent, 0755);
	if (r < 0)
		return say(log, "%s: %s\n", parent, strerror(-r)), r;
	if ((l >= 0 || errno != ENOENT) && unlink(link) < 0 && errno != ENOENT)
		return r = -errno, say(log, "%s: %s\n", link, strerror(-r)), r;
	if (symlink(target, link) < 0)
		return r = -errno, say(log, "%s: %s\n", link, strerror(-r)), r;
	say(log, "Created symlink %s → %s.\n", link, target);
	log->n_done++;
	return 0;
}

static int remove_link(const char *path, struct unit_enable_log *log)
{
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return 0;
	if (unlink(path) < 0)
		return say(log, "%s: %s\n", path, strerror(errno)), -errno;
	say(log, "Removed \"%s\".\n", path);
	log->n_done++;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a > b && strcmp(s + a - b, suffix) == 0;
}

/* Remove name from every NAME.wants/ and NAME.requires/ of dir. */
static int unlink_everywhere(const char *dir, const char *name, struct unit_enable_log *log)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return 0;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		char path[PATH_MAX];
		if (de->d_name[0] == '.' ||
		    !(ends_with(de->d_name, ".wants") || ends_with(de->d_name, ".requires")))
			continue;
		if (path_fmt(path, sizeof path, "%s/%s/%s", dir, de->d_name, name) >= 0 &&
		    remove_link(path, log) < 0)
			r = -EIO;
	}
	closedir(dp);
	return r;
}

static void queue_also(struct work *w)
{
	for (int i = 0; i < w->u.also.n; i++) {
		int seen = 0;
		for (int k = 0; k < w->n_todo && !seen; k++)
			seen = strcmp(w->todo[k], w->u.also.name[i]) == 0;
		if (!seen && w->n_todo < ALSO_MAX)
			snprintf(w->todo[w->n_todo++], UNIT_NAME_MAX, "%s", w->u.also.name[i]);
	}
}

static int has_install(const struct unit *u)
{
	return u->wanted_by.n || u->required_by.n || u->alias.n || u->also.n;
}

static int enable_one(struct work *w, const char *dir, const char *name, int enable,
		      struct unit_enable_log *log)
{
	char path[PATH_MAX], alias[PATH_MAX];
	int r = load_install(w, name, path, sizeof path, log);
	if (r < 0)
		return r;
	if (enable && !has_install(&w->u)) {
		say(log,
		    "%s has no [Install] section (WantedBy=, RequiredBy=, Alias=, Also=): it "
		    "is static, started only as another unit's dependency; nothing to do\n",
		    name);
		return 0;
	}
	queue_also(w);
	if (!enable)
		r = unlink_everywhere(dir, name, log);
	for (int i = 0; i < w->u.wanted_by.n && enable; i++) {
		char sub[UNIT_NAME_MAX + 16];
		snprintf(sub, sizeof sub, "%s.wants", w->u.wanted_by.name[i]);
		r |= make_link(dir, sub, name, path, log);
	}
	for (int i = 0; i < w->u.required_by.n && enable; i++) {
		char sub[UNIT_NAME_MAX + 16];
		snprintf(sub, sizeof sub, "%s.requires", w->u.required_by.name[i]);
		r |= make_link(dir, sub, name, path, log);
	}
	for (int i = 0; i < w->u.alias.n; i++) {
		if (enable)
			r |= make_link(dir, "", w->u.alias.name[i], path, log);
		else if (path_fmt(alias, sizeof alias, "%s/%s", dir, w->u.alias.name[i]) >= 0)
			r |= remove_link(alias, log);
	}
	return r < 0 ? -EIO : 0;
}

int unit_enable(const struct unit_set_conf *c, const char *dir, const char *name, int enable,
		struct unit_enable_log *log)
{
	struct work *w = work_begin(c);
	if (!w)
		return say(log, "out of memory\n"), -ENOMEM;
	char want[UNIT_NAME_MAX];
	snprintf(want, sizeof want, "%s%s", name, unit_kind_of(name) < 0 ? ".service" : "");
	snprintf(w->todo[0], UNIT_NAME_MAX, "%s", want);
	w->n_todo = 1;
	int r = 0;
	for (int i = 0; i < w->n_todo && r == 0; i++) /* Also= units are queued as found */
		r = enable_one(w, dir, w->todo[i], enable, log);
	work_end(w);
	return r;
}

/* Is name linked in some NAME.wants/ or NAME.requires/ of dir? */
static int linked_in(const char *dir, const char *name)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return 0;
	int found = 0;
	struct dirent *de;
	while (!found && (de = readdir(dp))) {
		char path[PATH_MAX];
		struct stat st;
		if (de->d_name[0] != '.' &&
		    (ends_with(de->d_name, ".wants") || ends_with(de->d_name, ".requires")) &&
		    path_fmt(path, sizeof path, "%s/%s/%s", dir, de->d_name, name) >= 0)
			found = lstat(path, &st) == 0;
	}
	closedir(dp);
	return found;
}

static int listed(const struct unit_set_conf *c, const char *name)
{
	for (int i = 0; i < c->n_enable; i++) {
		char want[UNIT_NAME_MAX];
		snprintf(want, sizeof want, "%s%s", c->enable[i],
			 unit_kind_of(c->enable[i]) < 0 ? ".service" : "");
		if (strcmp(want, name) == 0)
			return 1;
	}
	return 0;
}

static int is_runtime(const char *dir, const char *runtime_dir)
{
	return runtime_dir && strcmp(dir, runtime_dir) == 0;
}

static int state_of(struct work *w, const struct unit_set_conf *c, const char *runtime_dir,
		    const char *name)
{
	const struct unit_entry *own = unit_index_find(w->ix, name);
	if (own && own->type == UNIT_ENTRY_ALIAS)
		return UNIT_FILE_ALIAS;
	if (own && own->type == UNIT_ENTRY_MASK)
		return is_runtime(w->ix->dirs[own->dir], runtime_dir) ? UNIT_FILE_MASKED_RUNTIME
								      : UNIT_FILE_MASKED;
	const struct unit_entry *e = file_of(w, name);
	if (!e)
		return unit_builtin_target(name) ? UNIT_FILE_STATIC : UNIT_FILE_NOT_FOUND;
	int runtime_only = -1; /* -1: not linked anywhere */
	for (int i = 0; i < w->ix->n_dirs; i++)
		if (linked_in(w->ix->dirs[i], name))
			runtime_only =
			    (runtime_only != 0) && is_runtime(w->ix->dirs[i], runtime_dir);
	if (runtime_only == 1)
		return UNIT_FILE_ENABLED_RUNTIME;
	int legacy = c->legacy_dir && strcmp(w->ix->dirs[e->dir], c->legacy_dir) == 0;
	if (runtime_only == 0 || legacy || listed(c, name))
		return UNIT_FILE_ENABLED;
	char path[PATH_MAX];
	struct unit_enable_log quiet = {0};
	if (load_install(w, name, path, sizeof path, &quiet) < 0)
		return UNIT_FILE_STATIC; /* it does not load: nothing installs it either */
	return has_install(&w->u) ? UNIT_FILE_DISABLED : UNIT_FILE_STATIC;
}

int unit_file_state(const struct unit_set_conf *c, const char *runtime_dir, const char *name)
{
	struct work *w = work_begin(c);
	if (!w)
		return -ENOMEM;
	char want[UNIT_NAME_MAX];
	snprintf(want, sizeof want, "%s%s", name, unit_kind_of(name) < 0 ? ".service" : "");
	int st = state_of(w, c, runtime_dir, want);
	work_end(w);
	return st;
}
