/*
 * The unit-file verbs as systemctl users type them: daemon-reload (what
 * was added, changed, removed), enable/disable [--now] [--runtime]
 * (the links made or removed, then the reload) and is-enabled [--quiet]
 * with systemctl's words and exit codes: 0 when one unit is enabled,
 * static or an alias; 4 when none exists; 1 otherwise.
 */
#include "pactctl/pactctl.h"

#include <stdio.h>
#include <string.h>

#define EXIT_NOT_FOUND 4

static struct pactctl_reply rep;

static const char *text_of(int obj, const char *key, char *buf, size_t cap)
{
	buf[0] = '\0';
	int v = json_obj_get(&rep.doc, obj, key);
	if (v >= 0 && json_type_of(&rep.doc, v) == JSON_STRING)
		json_get_string(&rep.doc, v, buf, cap);
	return buf;
}

/* "  added: a b" for a non-empty list; its length */
static int print_list(const char *key, const char *label, const char *note)
{
	int arr = json_obj_get(&rep.doc, rep.data, key), n = 0;
	if (arr < 0 || json_type_of(&rep.doc, arr) != JSON_ARRAY)
		return 0;
	for (int v = json_first(&rep.doc, arr); v >= 0; v = json_next(&rep.doc, arr, v)) {
		char name[256];
		json_get_string(&rep.doc, v, name, sizeof name);
		printf("%s%s", n++ ? " " : label, name);
	}
	if (n)
		printf("%s\n", note);
	return n;
}

static int print_report(void)
{
	int a = print_list("added", "  added:   ", "");
	int c = print_list("changed", "  changed: ", "");
	print_list("at_next_start", "  at their next start (running now): ", "");
	int r = print_list("removed", "  removed: ", " (stopped)");
	printf("%d added, %d changed, %d removed\n", a, c, r);
	return 0;
}

static int daemon_reload(int argc, char **argv)
{
	int rc = pactctl_call(&rep, "daemon-reload", argc, argv);
	if (rc || opt.json)
		return rc ? rc : (render_json(&rep.doc, rep.data), 0);
	return print_report();
}

static int enable_disable(const char *verb, int argc, char **argv)
{
	if (argc == 0)
		return pactctl_bad_usage(verb);
	int rc = pactctl_call(&rep, verb, argc, argv);
	if (rc || opt.json)
		return rc ? rc : (render_json(&rep.doc, rep.data), 0);
	char changes[4096];
	fputs(text_of(rep.data, "changes", changes, sizeof changes), stdout);
	return print_report();
}

static int is_enabled(int argc, char **argv)
{
	int quiet = 0, n = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
			quiet = 1;
		else
			argv[n++] = argv[i];
	}
	if (n == 0)
		return pactctl_bad_usage("is-enabled");
	int rc = pactctl_call(&rep, "is-enabled", n, argv);
	if (rc)
		return rc;
	if (opt.json && !quiet)
		render_json(&rep.doc, rep.data);
	int any_ok = 0, all_missing = 1;
	for (int u = json_first(&rep.doc, rep.data); u >= 0; u = json_next(&rep.doc, rep.data, u)) {
		char state[64];
		text_of(u, "state", state, sizeof state);
		int ok = json_obj_get(&rep.doc, u, "enabled");
		any_ok |= ok >= 0 && json_type_of(&rep.doc, ok) == JSON_TRUE;
		all_missing &= strcmp(state, "not-found") == 0;
		if (!quiet && !opt.json)
			puts(state);
	}
	return any_ok ? 0 : all_missing ? EXIT_NOT_FOUND : 1;
}

int pactctl_unit_file_verb(const char *verb, int argc, char **argv)
{
	if (strcmp(verb, "daemon-reload") == 0)
		return daemon_reload(argc, argv);
	if (strcmp(verb, "is-enabled") == 0)
		return is_enabled(argc, argv);
	if (strcmp(verb, "enable") == 0 || strcmp(verb, "disable") == 0)
		return enable_disable(verb, argc, argv);
	return -1;
}
