/*
 * pactctl verify [--root DIR] [--no-userdb] [--json] PATH...: unit files
 * and directories checked offline, with the daemon's loader (units/),
 * no daemon needed. One verdict per unit (ok, warnings, error) with its
 * file:line messages; exit 0 only when no unit has an error.
 */
#include "lib/json.h"
#include "pactctl/pactctl.h"
#include "units/unit_verify.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct tally {
	int json, first, n[3];
};

static void print_json(const struct unit_report *r, struct tally *t)
{
	static char buf[UNIT_DIAG_MAX * UNIT_DIAG_LEN * 2 + 1024];
	struct json_writer w;
	json_w_init(&w, buf, sizeof buf);
	json_w_obj_begin(&w);
	json_w_key(&w, "unit");
	json_w_string(&w, r->unit);
	json_w_key(&w, "verdict");
	json_w_string(&w, unit_verdict_name(r->verdict));
	json_w_key(&w, "path");
	json_w_string(&w, r->path);
	json_w_key(&w, "messages");
	json_w_arr_begin(&w);
	if (r->note)
		json_w_string(&w, r->note);
	for (int i = 0; i < r->diag->n; i++) {
		char text[UNIT_DIAG_LEN + 16];
		snprintf(text, sizeof text, "%s: %s",
			 r->diag->msg[i].level == LOG_ERR ? "error" : "warning",
			 r->diag->msg[i].text);
		json_w_string(&w, text);
	}
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	if (json_w_finish(&w) < 0)
		return;
	printf("%s\n%s", t->first ? "[" : ",", buf);
	t->first = 0;
}

static void print_human(const struct unit_report *r)
{
	printf("%-40s %s%s%s\n", r->unit, unit_verdict_name(r->verdict), r->note ? ": " : "",
	       r->note ? r->note : "");
	for (int i = 0; i < r->diag->n; i++)
		printf("  %s: %s\n", r->diag->msg[i].level == LOG_ERR ? "error" : "warning",
		       r->diag->msg[i].text);
	int more = r->diag->nerr + r->diag->nwarn - r->diag->n;
	if (more > 0)
		printf("  (%d more messages)\n", more);
}

static void on_unit(const struct unit_report *r, void *ctx)
{
	struct tally *t = ctx;
	t->n[r->verdict]++;
	if (t->json)
		print_json(r, t);
	else
		print_human(r);
}

int pactctl_verify(int json, int argc, char **argv)
{
	struct unit_opts opts = {.quiet = 1};
	struct tally t = {.json = json, .first = 1};
	int i = 0, errors = 0, npaths = 0;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			opts.root = argv[++i];
		else if (strcmp(argv[i], "--no-userdb") == 0)
			opts.no_userdb = 1;
		else
			break;
	}
	if (i == argc) {
		fprintf(stderr, "usage: pactctl verify [--root DIR] [--no-userdb] [--json] "
				"PATH...\n");
		return 2;
	}
	for (; i < argc; i++, npaths++) {
		int r = unit_verify_path(argv[i], &opts, on_unit, &t);
		if (r < 0) {
			fprintf(stderr, "pactctl verify: %s: %s\n", argv[i], strerror(-r));
			errors++;
			continue;
		}
		errors += r;
	}
	if (json)
		printf("%s]\n", t.first ? "[" : "\n");
	else
		printf("%d units: %d ok, %d with warnings, %d with errors\n",
		       t.n[VERDICT_OK] + t.n[VERDICT_WARNINGS] + t.n[VERDICT_ERROR],
		       t.n[VERDICT_OK], t.n[VERDICT_WARNINGS], t.n[VERDICT_ERROR]);
	return errors ? 1 : 0;
}
