/*
 * The keys by which units relate to each other beyond ordering: in [Unit]
 * Conflicts=, BindsTo=, PartOf=, Requisite=, DefaultDependencies=,
 * OnFailure=, OnSuccess=, FailureAction=, SuccessAction=, and
 * [Install] (WantedBy=, RequiredBy=, Alias=, Also=, DefaultInstance=),
 * which unit_set.c turns into what runs at boot. Also the parser of every
 * unit-name list (After=, Wants=, ... too), the kinds of unit file and
 * where a non-service section goes (unit_sections.h).
 */
#include "units/unit_sections.h"
#include "units/unit_spec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define WS " \t\r\n"

static const char *const kind_suffix[] = {".service", ".socket", ".timer", ".target"};

int unit_kind_of(const char *name)
{
	size_t len = strlen(name);
	for (int k = 0; k < 4; k++) {
		size_t sl = strlen(kind_suffix[k]);
		if (len > sl && streq(name + len - sl, kind_suffix[k]))
			return k;
	}
	return -1;
}

const char *unit_kind_suffix(enum unit_kind k)
{
	return (unsigned)k < 4 ? kind_suffix[k] : kind_suffix[0];
}

void unit_kind_defaults(struct unit *u)
{
	u->sock.mode = 0666;
	u->sock.dir_mode = 0755;
	u->sock.backlog = SOMAXCONN;
	u->timer.on_boot_ms = u->timer.on_active_ms = UINT64_MAX;
	u->timer.on_unit_active_ms = u->timer.on_unit_inactive_ms = UINT64_MAX;
}

int unit_name_list_add(struct parser *p, const char **list, int *n, int max, const char *key,
		       const char *v)
{
	if (!*v) {
		*n = 0;
		return 0;
	}
	char buf[UNIT_LINE_MAX];
	snprintf(buf, sizeof buf, "%s", v);
	for (char *save = NULL, *w = strtok_r(buf, WS, &save); w; w = strtok_r(NULL, WS, &save)) {
		if (!unit_name_valid(w)) {
			unit_pwarn(p, "%s=: invalid unit name \"%s\", ignored", key, w);
			continue;
		}
		int dup = 0;
		for (int i = 0; i < *n; i++)
			dup |= streq(list[i], w);
		if (dup)
			continue;
		if (*n >= max) {
			unit_perr(p, "%s=: more than %d units", key, max);
			return -1;
		}
		if (!(list[*n] = unit_arena_dup(p, w)))
			return -1;
		(*n)++;
	}
	return 0;
}

static int unit_names_add(struct parser *p, struct unit_names *l, const char *key, const char *v)
{
	return unit_name_list_add(p, l->name, &l->n, UNIT_LINKS_MAX, key, v);
}

/* value with its specifiers resolved; -1 after an error */
static int expand(struct parser *p, const char *v, char *out, size_t cap)
{
	return unit_spec_expand(p, v, out, cap);
}

/* FailureAction=, SuccessAction=: the node shuts down when this unit
 * ends so (svc_outcome.c); the -force and -immediate spellings are the
 * same clean, bounded shutdown */
static int set_end_action(struct parser *p, const char *key, const char *v)
{
	static const struct {
		const char *prefix;
		enum unit_end_action a;
	} actions[] = {
	    {"none", UNIT_ACTION_NONE},		 {"reboot", UNIT_ACTION_REBOOT},
	    {"soft-reboot", UNIT_ACTION_REBOOT}, {"kexec", UNIT_ACTION_REBOOT},
	    {"poweroff", UNIT_ACTION_POWEROFF},	 {"exit", UNIT_ACTION_POWEROFF},
	    {"halt", UNIT_ACTION_HALT},
	};
	enum unit_end_action *to =
	    streq(key, "FailureAction") ? &p->u->failure_action : &p->u->success_action;
	if (!*v) {
		*to = UNIT_ACTION_NONE;
		return 0;
	}
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		size_t n = strlen(actions[i].prefix);
		if (strncmp(v, actions[i].prefix, n) == 0 &&
		    (!v[n] || streq(v + n, "-force") || streq(v + n, "-immediate"))) {
			*to = actions[i].a;
			return 0;
		}
	}
	unit_pwarn(p,
		   "%s=%s: not an action (none, reboot, poweroff, halt, exit, with -force or "
		   "-immediate), none taken",
		   key, v);
	return 0;
}

int unit_relation_assign(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	struct unit_names *l = streq(key, "Conflicts")	 ? &u->conflicts
			       : streq(key, "BindsTo")	 ? &u->binds_to
			       : streq(key, "PartOf")	 ? &u->part_of
			       : streq(key, "Requisite") ? &u->requisite
			       : streq(key, "OnFailure") ? &u->on_failure /* svc_outcome.c */
			       : streq(key, "OnSuccess") ? &u->on_success
							 : NULL;
	char val[UNIT_LINE_MAX];
	if (l) {
		if (expand(p, v, val, sizeof val) == 0)
			unit_names_add(p, l, key, val);
		return 1;
	}
	/* RequiresMountsFor=: every fstab filesystem is mounted before any unit
	 * starts (local ones in InitHardware, network ones before the services);
	 * the others change nothing on a node without isolate or manual jobs */
	if (streq(key, "RequiresMountsFor") || streq(key, "RefuseManualStart") ||
	    streq(key, "RefuseManualStop") || streq(key, "StopWhenUnneeded") ||
	    streq(key, "IgnoreOnIsolate") || streq(key, "AllowIsolate"))
		return 1;
	if (streq(key, "FailureAction") || streq(key, "SuccessAction")) {
		set_end_action(p, key, v);
		return 1;
	}
	if (streq(key, "DefaultDependencies")) {
		int b = unit_parse_bool(v);
		if (b < 0)
			unit_pwarn(p, "DefaultDependencies=%s: not a boolean, ignored", v);
		else
			u->default_deps = b;
		return 1;
	}
	return 0;
}

static void install_assign(struct parser *p, const char *key, const char *v)
{
	struct unit *u = p->u;
	struct unit_names *l = streq(key, "WantedBy")	  ? &u->wanted_by
			       : streq(key, "RequiredBy") ? &u->required_by
			       : streq(key, "Alias")	  ? &u->alias
			       : streq(key, "Also")	  ? &u->also
							  : NULL;
	char val[UNIT_LINE_MAX];
	if (l) {
		if (expand(p, v, val, sizeof val) == 0)
			unit_names_add(p, l, key, val);
		return;
	}
	if (streq(key, "DefaultInstance") || streq(key, "UpheldBy"))
		return; /* instances come from init.conf's `instances =` */
	unit_pwarn(p, "unknown key %s= in [Install], ignored", key);
}

void unit_section_assign(struct parser *p, const char *key, const char *v)
{
	if (p->sec == SEC_INSTALL) {
		install_assign(p, key, v);
		return;
	}
	int known =
	    p->sec == SEC_SOCKET ? socket_keys_assign(p, key, v) : timer_keys_assign(p, key, v);
	if (!known)
		unit_pwarn(p, "unknown key %s= in [%s], ignored", key,
			   p->sec == SEC_SOCKET ? "Socket" : "Timer");
}

void unit_section_finish(struct parser *p)
{
	if (p->u->kind == UNIT_KIND_SOCKET)
		socket_finish(p);
	else if (p->u->kind == UNIT_KIND_TIMER)
		timer_finish(p);
}
