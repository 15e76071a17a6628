/*
 * pactctl: the operator's and the tests' client of a running pact-init.
 *
 *   pactctl [--json] [--full] [--run-dir DIR] VERB [ARGS...]
 *
 * Most verbs go to the control socket as {"command", "args"} (client.c)
 * and the reply is printed for a human (render.c) or, with --json, as the
 * daemon sent it. The unit verbs (units.c) read the services and add what
 * systemctl users expect: per-unit views, waiting for start and stop,
 * is-active. A few work without the control socket (local.c, net.c,
 * handoff.c), and --help, VERB --help and --version without any daemon
 * (verbs.c: the verbs as data).
 * Exit status: 0 ok, 1 failed, 2 usage, 3 a unit not active.
 */
#include "pactctl/net.h"
#include "pactctl/pactctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PACT_VERSION /* the Makefile's: git describe of the build */
#define PACT_VERSION "unknown"
#endif

/* A verb the daemon answers: its data printed as JSON, text or tables. */
static int call_and_print(const char *verb, int argc, char **argv)
{
	static struct pactctl_reply r;
	int rc = pactctl_call(&r, verb, argc, argv);
	if (rc || r.data < 0)
		return rc;
	if (opt.json)
		render_json(&r.doc, r.data);
	else if (json_type_of(&r.doc, r.data) == JSON_STRING)
		render_text(&r.doc, r.data); /* logs, metrics: text as it is */
	else
		render_human(&r.doc, r.data);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	/* --json help: the daemon's verbs, as JSON for tools */
	if (opt.json || (argc > 0 && strcmp(argv[0], "--daemon") == 0))
		return call_and_print("help", 0, argv);
	if (argc == 0) {
		pactctl_usage(stdout);
		return 0;
	}
	return pactctl_verb_help(argv[0]);
}

/* Leading options; the index of the verb, or -(exit status + 1) when an
 * option ends pactctl (--help, --version, a bad one). */
static int leading_options(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0)
			opt.json = 1;
		else if (strcmp(a, "--full") == 0 || strcmp(a, "-l") == 0)
			opt.full = 1;
		else if (strcmp(a, "--run-dir") == 0 && i + 1 < argc)
			opt.run_dir = argv[++i];
		else if (strncmp(a, "--run-dir=", 10) == 0)
			opt.run_dir = a + 10;
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return pactctl_usage(stdout), -1;
		else if (strcmp(a, "--version") == 0)
			return printf("pactctl %s\n", PACT_VERSION), -1;
		else if (strcmp(a, "--list-verbs") == 0)
			return pactctl_list_verbs(0), -1;
		else if (strcmp(a, "--list-unit-verbs") == 0)
			return pactctl_list_verbs(1), -1;
		else
			return fprintf(stderr, "pactctl: unknown option '%s'\n", a),
			       pactctl_usage(stderr), -3;
	}
	if (i == argc)
		return pactctl_usage(stderr), -3;
	return i;
}

int main(int argc, char **argv)
{
	const char *env = getenv("PACT_RUN_DIR");
	if (env && *env)
		opt.run_dir = env;
	int i = leading_options(argc, argv);
	if (i < 0)
		return -i - 1;
	const char *verb = argv[i++];
	/* --json, --full and --help may also follow the verb (not after a
	 * handoff command's "--": those are the command's) */
	int n = 0, help = 0, passthrough = 0;
	for (int j = i; j < argc; j++) {
		if (!passthrough && strcmp(argv[j], "--") == 0)
			passthrough = 1;
		if (passthrough)
			argv[i + n++] = argv[j];
		else if (strcmp(argv[j], "--json") == 0)
			opt.json = 1;
		else if (strcmp(argv[j], "--full") == 0)
			opt.full = 1;
		else if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0)
			help = 1;
		else
			argv[i + n++] = argv[j];
	}
	char **args = argv + i;
	if (help)
		return pactctl_verb_help(verb);
	if (strcmp(verb, "help") == 0)
		return cmd_help(n, args);
	if (strcmp(verb, "wait-ready") == 0)
		return pactctl_wait_ready(n, args);
	if (strcmp(verb, "notify") == 0)
		return pactctl_notify(n, args);
	if (strcmp(verb, "verify") == 0) /* unit files, offline: no daemon needed */
		return pactctl_verify(opt.json, n, args);
	if (strcmp(verb, "net") == 0) /* read from the kernel here: no daemon needed */
		return (opt.json ? net_dump_json(1, opt.run_dir) : net_dump_text(1, opt.run_dir)) <
		       0;
	if (strcmp(verb, "handoff") == 0) /* the handoff socket, not the control socket */
		return pactctl_handoff(opt.run_dir, opt.json, n, args);
	if (pactctl_is_unit_verb(verb))
		return pactctl_unit_verb(verb, n, args);
	int rc = pactctl_unit_file_verb(verb, n, args);
	if (rc >= 0)
		return rc;
	return call_and_print(verb, n, args);
}
