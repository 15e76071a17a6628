/*
 * A unit record (see unit.h): its defaults, copying it, finding it in a
 * table, its names, and the messages of loading it. The loader is
 * unit_load.c, with its key handlers in unit_keys.c.
 */
#include "units/unit.h"
#include "lib/log.h"
#include "lib/table.h"

#include <ctype.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

void unit_diag_clear(struct unit_diag *d)
{
	if (d)
		memset(d, 0, sizeof *d);
}

void unit_diag_add(struct unit_diag *d, const struct unit_opts *opts, int level, const char *text)
{
	if (!opts || !opts->quiet)
		log_msg(level, "unit: %s", text);
	if (!d)
		return;
	if (level == LOG_ERR)
		d->nerr++;
	else
		d->nwarn++;
	if (d->n < UNIT_DIAG_MAX) {
		d->msg[d->n].level = level;
		snprintf(d->msg[d->n].text, sizeof d->msg[d->n].text, "%s", text);
		d->n++;
	}
}

static int valid_name_char(char c)
{
	return isalnum((unsigned char)c) || strchr(":-_.\\@", c);
}

int unit_name_valid(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len >= UNIT_NAME_MAX)
		return 0;
	for (const char *p = s; *p; p++)
		if (!valid_name_char(*p))
			return 0;
	return 1;
}

void unit_reset(struct unit *u)
{
	memset(u, 0, offsetof(struct unit, arena));
	table_clear_sparse((char *)u + UNIT_RARE_OFFSET, sizeof *u - UNIT_RARE_OFFSET);
	u->arena[0] = '\0';
	u->arena_used = 1; /* arena + 0 is the empty string */
	u->instance = u->arena;
	u->description = u->arena;
	u->type = UNIT_TYPE_SIMPLE;
	u->restart = UNIT_RESTART_NO;
	u->restart_ms = UNIT_DEFAULT_RESTART_MS;
	u->timeout_start_ms = UNIT_DEFAULT_TIMEOUT_START_MS;
	u->timeout_stop_ms = UNIT_DEFAULT_TIMEOUT_STOP_MS;
	u->kill_signal = SIGTERM;
	u->slice = UNIT_SLICE_INFRA;
	u->memory_max = UNIT_INFINITY;
	u->tasks_max = UNIT_INFINITY;
	u->start_limit_ms = UNIT_DEFAULT_START_LIMIT_MS;
	u->start_limit_burst = UNIT_DEFAULT_START_LIMIT_BURST;
	u->guess_main_pid = 1;
	u->send_sigkill = 1;
	u->final_kill_signal = SIGKILL;
	u->umask = 022;
	u->cpu_sched_policy = -1;
	u->ignore_sigpipe = 1;
	u->io_class = -1;
	for (int k = 0; k < UNIT_DIR_KINDS; k++)
		u->dir_mode[k] = 0755;
	u->default_deps = 1;
	u->boot = 1;
	unit_kind_defaults(u);
}

/* On failure keep only the name, the source and the first error. */

static void scopy(char *dst, size_t cap, const char *src)
{
	size_t len = strnlen(src, cap - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void unit_set_failed(struct unit *u, const char *name, const char *text)
{
	unit_reset(u);
	scopy(u->name, sizeof u->name, name);
	scopy(u->load_error, sizeof u->load_error, text);
	u->load_state = UNIT_LOAD_ERROR;
}

/* ---- small accessors ---- */

static const void *rebase(const void *p, const struct unit *src, struct unit *dst)
{
	const char *c = p;
	if (c >= src->arena && c < src->arena + sizeof src->arena)
		return dst->arena + (c - src->arena);
	return p; /* NULL, or a string literal */
}

#define REBASE(f) ((f) = (void *)rebase((f), src, dst))

static void rebase_exec(struct unit_exec *x, const struct unit *src, struct unit *dst)
{
	REBASE(x->path);
	REBASE(x->argv); /* the array is in the arena too: its copy is rebased */
	for (int i = 0; x->argv && i < x->argc; i++)
		REBASE(x->argv[i]);
}

void unit_copy(struct unit *dst, const struct unit *src)
{
	if (dst == src)
		return;
	/* the arena as far as it is used, the rare fields where they differ:
	 * the rest of dst's stays untouched (PID 1's table of units is
	 * resident only where written) */
	memcpy(dst, src, offsetof(struct unit, arena) + src->arena_used);
	table_copy_sparse((char *)dst + UNIT_RARE_OFFSET, (const char *)src + UNIT_RARE_OFFSET,
			  sizeof *dst - UNIT_RARE_OFFSET);
	REBASE(dst->source);
	REBASE(dst->instance);
	REBASE(dst->description);
	for (int i = 0; i < dst->n_after; i++)
		REBASE(dst->after[i]);
	for (int i = 0; i < dst->n_before; i++)
		REBASE(dst->before[i]);
	for (int i = 0; i < dst->n_requires; i++)
		REBASE(dst->requires[i]);
	for (int i = 0; i < dst->n_wants; i++)
		REBASE(dst->wants[i]);
	for (int k = 0; k < UNIT_CMD_KINDS; k++)
		for (int i = 0; i < dst->n_exec[k]; i++)
			rebase_exec(&dst->exec[k][i], src, dst);
	REBASE(dst->pid_file);
	for (int i = 0; i < dst->n_groups; i++)
		REBASE(dst->group_names[i]);
	REBASE(dst->std_out_path);
	REBASE(dst->std_err_path);
	for (int k = 0; k < UNIT_DIR_KINDS; k++)
		for (int i = 0; i < dst->n_dirs[k]; i++)
			REBASE(dst->dirs[k][i]);
	for (int i = 0; i < dst->n_cond; i++) {
		REBASE(dst->cond[i].value);
		REBASE(dst->cond[i].key);
	}
	for (int i = 0; i < dst->n_env; i++)
		REBASE(dst->envp[i]);
	REBASE(dst->working_dir);
	REBASE(dst->user);
	REBASE(dst->group);
	for (int i = 0; i < dst->n_io; i++)
		REBASE(dst->io[i].device);
	struct unit_names *lists[] = {
	    &dst->conflicts,   &dst->binds_to, &dst->part_of, &dst->requisite,	&dst->wanted_by,
	    &dst->required_by, &dst->alias,    &dst->also,    &dst->on_failure, &dst->on_success};
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
		for (int i = 0; i < lists[l]->n; i++)
			REBASE(lists[l]->name[i]);
	for (int i = 0; i < dst->sock.n_listen; i++)
		REBASE(dst->sock.listen[i].addr);
	REBASE(dst->sock.user);
	REBASE(dst->sock.group);
	REBASE(dst->sock.service);
	REBASE(dst->sock.fdname);
	for (int i = 0; i < dst->sock.n_symlinks; i++)
		REBASE(dst->sock.symlinks[i]);
	REBASE(dst->timer.unit);
}

int unit_find(const struct unit *table, int n, const char *name)
{
	size_t len = strlen(name);
	int bare = !strchr(name, '.');
	for (int i = 0; i < n; i++) {
		const char *u = table[i].name;
		if (streq(u, name))
			return i;
		if (bare && strncmp(u, name, len) == 0 && streq(u + len, ".service"))
			return i;
	}
	return -1;
}

static const char *const slice_paths[] = {"pact.slice/infra.slice", "pact.slice/network.slice",
					  "pact.slice/gpu.slice", "pact.slice/audit.slice"};

const char *unit_slice_path(enum unit_slice s)
{
	return (unsigned)s < 4 ? slice_paths[s] : slice_paths[0];
}

const char *unit_type_name(enum unit_type t)
{
	switch (t) {
	case UNIT_TYPE_SIMPLE:
		return "simple";
	case UNIT_TYPE_EXEC:
		return "exec";
	case UNIT_TYPE_NOTIFY:
		return "notify";
	case UNIT_TYPE_ONESHOT:
		return "oneshot";
	case UNIT_TYPE_FORKING:
		return "forking";
	}
	return "?";
}

const char *unit_restart_name(enum unit_restart r)
{
	switch (r) {
	case UNIT_RESTART_NO:
		return "no";
	case UNIT_RESTART_ALWAYS:
		return "always";
	case UNIT_RESTART_ON_FAILURE:
		return "on-failure";
	case UNIT_RESTART_ON_SUCCESS:
		return "on-success";
	case UNIT_RESTART_ON_ABNORMAL:
		return "on-abnormal";
	case UNIT_RESTART_ON_ABORT:
		return "on-abort";
	case UNIT_RESTART_ON_WATCHDOG:
		return "on-watchdog";
	}
	return "?";
}
