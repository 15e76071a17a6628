/*
 * The unit verbs, as systemctl and journalctl users type them: `status`
 * (the node, or UNIT... in a per-unit view with the end of its log),
 * `services UNIT`, `is-active`, `is-failed`, `show`, `cat`, `start`,
 * `stop` and `restart` that wait for the result (--no-block: not), and
 * `logs` (logs.c). Everything comes from the daemon's
 * `services` and `logs` replies; a unit is named as the daemon does
 * ("chronyd.service") or without its suffix ("chronyd").
 */
#include "lib/fileio.h"
#include "lib/logline.h"
#include "pactctl/pactctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* how long start/stop/restart wait for a unit to settle: longer than the
 * default start and stop timeouts (90 s), bounded all the same */
#define SETTLE_WAIT_MS	 100000
#define SETTLE_POLL_MS	 100
#define STATUS_LOG_LINES "10"

static struct pactctl_reply svcs, aux;

static const char *const unit_verbs[] = {"status", "services", "is-active", "is-failed", "show",
					 "cat",	   "start",    "stop",	    "restart",	 "logs"};

int pactctl_is_unit_verb(const char *verb)
{
	for (size_t i = 0; i < sizeof unit_verbs / sizeof unit_verbs[0]; i++)
		if (strcmp(verb, unit_verbs[i]) == 0)
			return 1;
	return 0;
}

/* A field of an object as text ("" when missing or null), in one of 16
 * rotating buffers: a caller keeps at most a few at once. */
static const char *field(const struct json_doc *d, int obj, const char *key)
{
	static char buf[16][1024];
	static int next;
	char *out = buf[next++ % 16];
	out[0] = '\0';
	int v = json_obj_get(d, obj, key);
	if (v < 0 || json_type_of(d, v) == JSON_NULL)
		return out;
	if (json_type_of(d, v) == JSON_STRING)
		json_get_string(d, v, out, sizeof buf[0]);
	else
		snprintf(out, sizeof buf[0], "%.*s", (int)d->nodes[v].len,
			 d->buf + d->nodes[v].start);
	return out;
}

/* Does the daemon's name match what the user typed? */
static int name_matches(const char *have, const char *want)
{
	size_t n = strlen(want);
	return strcmp(have, want) == 0 ||
	       (strncmp(have, want, n) == 0 && strcmp(have + n, ".service") == 0);
}

/* The services, fetched once per verb. 0, or an exit status. */
static int load_services(void)
{
	int rc = pactctl_call(&svcs, "services", 0, NULL);
	if (rc == 0 && (svcs.data < 0 || json_type_of(&svcs.doc, svcs.data) != JSON_ARRAY))
		return fprintf(stderr, "pactctl: services: unexpected reply\n"), 1;
	return rc;
}

static int find_unit(const char *want)
{
	const struct json_doc *d = &svcs.doc;
	for (int u = json_first(d, svcs.data); u >= 0; u = json_next(d, svcs.data, u))
		if (name_matches(field(d, u, "name"), want))
			return u;
	return -1;
}

static int is_active_state(const char *state)
{
	return strcmp(state, "running") == 0 || strcmp(state, "exited") == 0;
}

/* systemctl's words for our states, for is-active and is-failed */
static const char *active_word(const char *state)
{
	if (is_active_state(state))
		return "active";
	if (strcmp(state, "starting") == 0 || strcmp(state, "restarting") == 0)
		return "activating";
	if (strcmp(state, "stopping") == 0)
		return "deactivating";
	if (strcmp(state, "failed") == 0 || strcmp(state, "load-error") == 0)
		return "failed";
	return "inactive";
}

static void human_ms(const char *ms, char *out, size_t cap)
{
	long v = atol(ms);
	if (!ms[0])
		snprintf(out, cap, "-");
	else if (v < 120000)
		snprintf(out, cap, "%ld.%01ld s ago", v / 1000, (v % 1000) / 100);
	else if (v < 7200000)
		snprintf(out, cap, "%ld min ago", v / 60000);
	else
		snprintf(out, cap, "%ld h %ld min ago", v / 3600000, (v % 3600000) / 60000);
}

static void human_bytes(const char *b, char *out, size_t cap)
{
	double v = atof(b);
	const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;
	while (v >= 1024 && i < 4)
		v /= 1024, i++;
	snprintf(out, cap, i ? "%.1f %s" : "%.0f %s", v, unit[i]);
}

/* The last lines of a unit's log, indented, each with its time to the
 * second (UTC; pactctl logs has both clocks to the µs), cut to the
 * terminal's width. */
static void print_log_tail(const char *name)
{
	char *args[] = {(char *)name, (char *)"--lines", (char *)STATUS_LOG_LINES};
	if (pactctl_call(&aux, "logs", 3, args) != 0 || aux.data < 0)
		return;
	static char text[FRAME_MAX_BODY + 1];
	int n = json_get_string(&aux.doc, aux.data, text, sizeof text);
	if (n <= 0)
		return;
	printf("\n");
	for (char *line = text, *nl; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		struct logline l;
		logline_parse(line, strlen(line), &l);
		char prefix[40] = "  ";
		if (l.real_us >= 0) /* "2026-11-25T22:00:01.123456Z" as "2026-11-25 22:00:01" */
			snprintf(prefix, sizeof prefix, "  %.10s %.8s ", line, line + 11);
		render_line(prefix, l.text, l.text_len);
	}
}

/* "2.5 s", "12.0 ms": cpu time for a human */
static void human_usec(const char *us, char *out, size_t cap)
{
	double v = atof(us);
	if (v >= 1e6)
		snprintf(out, cap, "%.1f s", v / 1e6);
	else if (v >= 1e3)
		snprintf(out, cap, "%.1f ms", v / 1e3);
	else
		snprintf(out, cap, "%.0f us", v);
}

/* " since 2026-11-25 22:00:01 UTC; 3.2 s ago", or "" without since_ms */
static void since_when(const char *since_ms, char *out, size_t cap)
{
	out[0] = '\0';
	if (!since_ms[0])
		return;
	char ago[48], at[32] = "";
	human_ms(since_ms, ago, sizeof ago);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	time_t t = (time_t)((now.tv_sec * 1000 + now.tv_nsec / 1000000 - atol(since_ms)) / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S UTC; ", &tm);
	snprintf(out, cap, " since %s%s", at, ago);
}

/* systemctl status UNIT's view of one unit. */
static void print_unit(int u)
{
	const struct json_doc *d = &svcs.doc;
	char since[96], mem[32], cpu[32], state[64];
	snprintf(state, sizeof state, "%s", field(d, u, "state"));
	since_when(field(d, u, "since_ms"), since, sizeof since);
	human_bytes(field(d, u, "memory_bytes"), mem, sizeof mem);
	human_usec(field(d, u, "cpu_usec"), cpu, sizeof cpu);
	printf("%s %s - %s\n",
	       is_active_state(state) ? "*" : (strcmp(active_word(state), "failed") ? "o" : "x"),
	       field(d, u, "name"), field(d, u, "type"));
	printf("     State: %s (%s)%s\n", active_word(state), state, since);
	const char *why = field(d, u, "why");
	if (why[0])
		printf("       Why: %s\n", why);
	const char *status = field(d, u, "status");
	if (status[0])
		printf("    Status: %s\n", status);
	printf("  Main PID: %s\n", field(d, u, "pid")[0] ? field(d, u, "pid") : "-");
	printf("     Scope: %s\n", field(d, u, "scope")[0] ? field(d, u, "scope") : "-");
	printf("     Tasks: %s\n", field(d, u, "tasks")[0] ? field(d, u, "tasks") : "-");
	printf("    Memory: %s  (OOM kills: %s)\n", mem, field(d, u, "oom_kills"));
	printf("       CPU: %s\n", cpu);
	printf("  Restarts: %s\n", field(d, u, "restarts"));
	const char *last = field(d, u, "last_exit");
	printf(" Last exit: %s\n", last[0] ? last : "-");
	printf(" Unit file: %s\n", field(d, u, "unit_file")[0] ? field(d, u, "unit_file") : "-");
	printf("       Log: %s\n", field(d, u, "log_file"));
	print_log_tail(field(d, u, "name"));
}

/* status UNIT... / services UNIT...: 0, 3 when one is not active, 1 when
 * one is unknown. */
static int show_units(int argc, char **argv)
{
	int rc = load_services();
	if (rc)
		return rc;
	int worst = 0;
	if (opt.json)
		printf("[");
	for (int i = 0; i < argc; i++) {
		int u = find_unit(argv[i]);
		if (u < 0) {
			fprintf(stderr, "pactctl: no unit named '%s'\n", argv[i]);
			worst = 1;
			continue;
		}
		if (!is_active_state(field(&svcs.doc, u, "state")) && !worst)
			worst = PACTCTL_EXIT_INACTIVE;
		if (opt.json) {
			printf(i ? "," : "");
			fflush(stdout);
			render_json(&svcs.doc, u);
		} else {
			if (i)
				printf("\n");
			print_unit(u);
		}
	}
	if (opt.json)
		printf("]\n");
	return worst;
}

/* status without a unit: the node; exit 1 when it is not ready, said on
 * the first line. */
static int node_status(void)
{
	int rc = pactctl_call(&aux, "status", 0, NULL);
	if (rc || aux.data < 0)
		return rc;
	const struct json_doc *d = &aux.doc;
	int ready = 0;
	json_get_bool(d, json_obj_get(d, aux.data, "ready"), &ready);
	const char *failed = field(d, aux.data, "boot_failed");
	if (opt.json) {
		render_json(d, aux.data);
	} else {
		if (!ready)
			printf("node not ready: %s\n", failed[0] ? failed : "still booting");
		render_human(d, aux.data);
	}
	return ready ? 0 : 1;
}

int pactctl_status(int argc, char **argv)
{
	return argc ? show_units(argc, argv) : node_status();
}

static int is_verb(int argc, char **argv, int want_failed)
{
	if (argc == 0)
		return pactctl_bad_usage(want_failed ? "is-failed" : "is-active");
	int rc = load_services();
	if (rc)
		return rc;
	int all_active = 1, any_failed = 0;
	for (int i = 0; i < argc; i++) {
		int u = find_unit(argv[i]);
		const char *word = u < 0 ? "unknown" : active_word(field(&svcs.doc, u, "state"));
		puts(word);
		all_active &= strcmp(word, "active") == 0;
		any_failed |= strcmp(word, "failed") == 0;
	}
	if (want_failed)
		return any_failed ? 0 : 1;
	return all_active ? 0 : PACTCTL_EXIT_INACTIVE;
}

/* Is key among the -p properties (all when none given)? */
static int wanted(const char *key, char props[][64], int nprops)
{
	if (!nprops)
		return 1;
	for (int i = 0; i < nprops; i++)
		if (strcmp(props[i], key) == 0)
			return 1;
	return 0;
}

static void show_object(const struct json_doc *d, int obj, char props[][64], int nprops)
{
	for (int k = json_first(d, obj); k >= 0; k = json_next(d, obj, json_next(d, obj, k))) {
		char key[64];
		json_get_string(d, k, key, sizeof key);
		int v = json_next(d, obj, k);
		int t = json_type_of(d, v);
		if (t == JSON_OBJECT || t == JSON_ARRAY || !wanted(key, props, nprops))
			continue;
		printf("%s=%s\n", key, field(d, obj, key));
	}
}

/* show [UNIT...] [-p PROP[,PROP]]: key=value lines. */
static int cmd_show(int argc, char **argv)
{
	char props[32][64];
	int nprops = 0, nunits = 0;
	char *units[32];
	for (int i = 0; i < argc; i++) {
		const char *list = NULL;
		if ((strcmp(argv[i], "-p") == 0 || strcmp(argv[i], "--property") == 0) &&
		    i + 1 < argc)
			list = argv[++i];
		else if (strncmp(argv[i], "--property=", 11) == 0)
			list = argv[i] + 11;
		else if (strncmp(argv[i], "-p", 2) == 0 && argv[i][2])
			list = argv[i] + 2;
		else if (argv[i][0] == '-')
			return pactctl_bad_usage("show");
		else if (nunits < 32)
			units[nunits++] = argv[i];
		for (const char *p = list; p && *p && nprops < 32;) {
			size_t n = strcspn(p, ",");
			snprintf(props[nprops++], sizeof props[0], "%.*s", (int)n, p);
			p += n + (p[n] == ',');
		}
	}
	if (!nunits) {
		int rc = pactctl_call(&aux, "status", 0, NULL);
		if (rc == 0 && aux.data >= 0)
			show_object(&aux.doc, aux.data, props, nprops);
		return rc;
	}
	int rc = load_services();
	for (int i = 0; rc == 0 && i < nunits; i++) {
		int u = find_unit(units[i]);
		if (u < 0) {
			fprintf(stderr, "pactctl: no unit named '%s'\n", units[i]);
			rc = 1;
			break;
		}
		if (i)
			printf("\n");
		show_object(&svcs.doc, u, props, nprops);
	}
	return rc;
}

static int cmd_cat(int argc, char **argv)
{
	if (argc == 0)
		return pactctl_bad_usage("cat");
	int rc = load_services();
	for (int i = 0; rc == 0 && i < argc; i++) {
		int u = find_unit(argv[i]);
		const char *path = u < 0 ? "" : field(&svcs.doc, u, "unit_file");
		if (!path[0]) {
			fprintf(stderr, "pactctl: %s: no unit file known\n", argv[i]);
			return 1;
		}
		static char text[65536];
		ssize_t n = read_file(path, text, sizeof text);
		if (n < 0) {
			fprintf(stderr, "pactctl: %s: %s\n", path, file_error((int)-n));
			return 1;
		}
		printf("%s# %s\n%s", i ? "\n" : "", path, text);
		if (n > 0 && text[n - 1] != '\n')
			printf("\n");
	}
	return rc;
}

/* Has the unit settled after verb: started (or failed), or stopped? */
static int settled(const char *verb, const char *state)
{
	if (strcmp(verb, "stop") == 0)
		return strcmp(state, "stopping") != 0 && strcmp(state, "running") != 0 &&
		       strcmp(state, "starting") != 0;
	return strcmp(state, "starting") != 0 && strcmp(state, "stopping") != 0 &&
	       strcmp(state, "restarting") != 0 && strcmp(state, "inactive") != 0;
}

/* Wait until name settles: 0, 1 when it failed, or timed out. The daemon
 * announces no state changes on this socket, so it is asked again every
 * SETTLE_POLL_MS (a bounded wait for a state, not a synchronisation). */
static int wait_settled(const char *verb, const char *name)
{
	long deadline = ms_now() + SETTLE_WAIT_MS;
	for (;;) {
		int rc = load_services();
		if (rc)
			return rc;
		int u = find_unit(name);
		const char *state = u < 0 ? "" : field(&svcs.doc, u, "state");
		if (u >= 0 && settled(verb, state)) {
			int good = strcmp(verb, "stop") == 0 ? strcmp(state, "failed") != 0
							     : is_active_state(state);
			if (good)
				return 0;
			const char *why = field(&svcs.doc, u, "why");
			fprintf(stderr, "pactctl: %s %s: %s%s%s\n", verb, name, state,
				why[0] ? ": " : "", why);
			return 1;
		}
		if (ms_now() >= deadline) {
			fprintf(stderr, "pactctl: %s %s: still %s after %d s\n", verb, name, state,
				SETTLE_WAIT_MS / 1000);
			return 1;
		}
		struct timespec ts = {0, SETTLE_POLL_MS * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static int cmd_start_stop(const char *verb, int argc, char **argv)
{
	int block = 1, n = 0;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--no-block") == 0)
			block = 0;
		else
			argv[n++] = argv[i];
	if (n == 0)
		return pactctl_bad_usage(verb);
	for (int i = 0; i < n; i++) {
		int rc = pactctl_call(&aux, verb, 1, argv + i);
		if (rc)
			return rc;
		if (opt.json && aux.data >= 0 && !block)
			render_json(&aux.doc, aux.data);
	}
	int worst = 0;
	for (int i = 0; block && i < n; i++) {
		int rc = wait_settled(verb, argv[i]);
		if (rc > worst)
			worst = rc;
		int u = opt.json ? find_unit(argv[i]) : -1;
		if (u >= 0)
			render_json(&svcs.doc, u); /* the unit as it settled */
	}
	return worst;
}

int pactctl_unit_verb(const char *verb, int argc, char **argv)
{
	if (strcmp(verb, "status") == 0)
		return pactctl_status(argc, argv);
	if (strcmp(verb, "services") == 0) {
		if (argc)
			return show_units(argc, argv);
		int rc = pactctl_call(&svcs, "services", 0, NULL);
		if (rc == 0 && svcs.data >= 0)
			opt.json ? render_json(&svcs.doc, svcs.data)
				 : render_human(&svcs.doc, svcs.data);
		return rc;
	}
	if (strcmp(verb, "is-active") == 0 || strcmp(verb, "is-failed") == 0)
		return is_verb(argc, argv, verb[3] == 'f');
	if (strcmp(verb, "show") == 0)
		return cmd_show(argc, argv);
	if (strcmp(verb, "cat") == 0)
		return cmd_cat(argc, argv);
	if (strcmp(verb, "logs") == 0)
		return pactctl_logs(argc, argv);
	return cmd_start_stop(verb, argc, argv);
}
