/*
 * The difference of two unit sets (unit_set_diff.h), by name: added,
 * changed (the digest of the unit's files differs, or it loads now where
 * it failed before, or the other way), removed (its file gone or masked).
 */
#include "units/unit_set_diff.h"
#include "units/unit_index.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

struct unit_index *unit_index_map(const struct unit_set_conf *c)
{
	struct unit_index *ix =
	    mmap(NULL, sizeof *ix, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ix == MAP_FAILED)
		return NULL;
	const char *dirs[UNIT_SET_DIRS_MAX];
	int nd = 0;
	if (c->legacy_dir)
		dirs[nd++] = c->legacy_dir;
	for (int i = 0; i < c->n_dirs && nd < UNIT_SET_DIRS_MAX; i++)
		dirs[nd++] = c->dirs[i];
	struct unit_diag d = {0};
	struct unit_opts quiet = {.quiet = 1};
	unit_index_scan(ix, dirs, nd, &quiet, &d);
	return ix;
}

void unit_index_unmap(struct unit_index *ix)
{
	if (ix)
		munmap(ix, sizeof *ix);
}

static int index_has_file(const struct unit_index *ix, const char *name)
{
	char canon[UNIT_NAME_MAX], tmpl[UNIT_NAME_MAX];
	const struct unit_entry *e = unit_index_resolve(ix, name, canon, sizeof canon);
	if (!e && unit_template_of(canon, tmpl, sizeof tmpl) == 0)
		e = unit_index_find(ix, tmpl);
	return e && e->type == UNIT_ENTRY_FILE;
}

int unit_set_builtin(const struct unit *u)
{
	return u->source && strncmp(u->source, "(built-in)/", 11) == 0;
}

static int same(const struct unit *a, const struct unit *b)
{
	return a->digest == b->digest && a->load_state == b->load_state;
}

/* name in the running table, free slots left out */
static int find_old(const struct unit *old, int n_old, const unsigned char *skip, const char *name)
{
	for (int k = 0; k < n_old; k++)
		if ((!skip || !skip[k]) && old[k].name[0] && strcmp(old[k].name, name) == 0)
			return k;
	return -1;
}

int unit_set_diff(const struct unit_set_conf *c, const struct unit *old, int n_old,
		  const unsigned char *skip, const struct unit *fresh, int n_fresh,
		  struct unit_set_diff *out)
{
	struct unit_index *ix = NULL;
	out->n_added = out->n_changed = out->n_removed = 0;
	for (int i = 0; i < n_fresh; i++) {
		int k = find_old(old, n_old, skip, fresh[i].name);
		if (k < 0)
			out->added[out->n_added++] = i;
		else if (!same(&old[k], &fresh[i]))
			out->changed[out->n_changed++] = i;
	}
	for (int k = 0; k < n_old; k++) {
		if (!old[k].name[0] || (skip && skip[k]) || unit_set_builtin(&old[k]) ||
		    find_old(fresh, n_fresh, NULL, old[k].name) >= 0)
			continue;
		if (c && !ix && !(ix = unit_index_map(c)))
			return -ENOMEM;
		if (!ix || !index_has_file(ix, old[k].name))
			out->removed[out->n_removed++] = k;
	}
	if (ix)
		unit_index_unmap(ix);
	return 0;
}
