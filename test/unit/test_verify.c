/*
 * The offline checker (units/unit_verify.c, `pactctl verify`) over every
 * vendor unit of test/fixtures/units (112 Debian packages), with the
 * packages' /etc/default files and what their maintainer scripts write as
 * its root: no unit is in error, every .socket, .timer, alias and mask is
 * read as such, and docs/units.md's verdict table is the one this run
 * gives (test/fixtures/units/verdicts.py writes it). Then a small tree:
 * file:line of a drop-in, a template, verdicts.
 */
#include "tap.h"
#include "tmptree.h"
#include "units/unit_verify.h"

#include <errno.h>
#include <string.h>

#define FIXTURES "test/fixtures/units"

/* the warnings docs/units.md explains ("No errors; what the warnings left
 * say"): none of them a consequence for the daemon's own function */
static const char *const explained[] = {
    "hardening not applied by pact-init", "Type=dbus is run as Type=simple",
    "unknown escape sequences kept verbatim", "ListenNetlink= is not supported"};
#define N_EXPLAINED (sizeof explained / sizeof explained[0])

struct tally {
	int units, verdicts[3], by_kind[4], kind_errors[4];
	char first_error[UNIT_DIAG_LEN];
	int unexplained;
	char first_unexplained[UNIT_DIAG_LEN];
	int portmap_alias, masks;
	/* docs/units.md's table rows: alias or mask, service, socket, timer */
	int row[4][4]; /* [kind][units, ok, warnings, error] */
};

static void on_unit(const struct unit_report *r, void *ctx)
{
	struct tally *t = ctx;
	int kind = unit_kind_of(r->unit);
	t->units++;
	t->verdicts[r->verdict]++;
	if (kind >= 0) {
		t->by_kind[kind]++;
		t->kind_errors[kind] += r->verdict == VERDICT_ERROR;
	}
	if (r->note && strcmp(r->unit, "portmap.service") == 0 &&
	    strcmp(r->note, "alias of rpcbind.service") == 0)
		t->portmap_alias = 1;
	t->masks += r->note && strcmp(r->note, "masked") == 0;
	int row =
	    r->note && (strcmp(r->note, "masked") == 0 || strncmp(r->note, "alias of", 8) == 0) ? 0
	    : kind == UNIT_KIND_SERVICE								? 1
	    : kind == UNIT_KIND_SOCKET								? 2
	    : kind == UNIT_KIND_TIMER								? 3
				      : -1;
	if (row >= 0) {
		t->row[row][0]++;
		t->row[row][1 + r->verdict]++;
	}
	for (int i = 0; i < r->diag->n; i++) {
		const char *text = r->diag->msg[i].text;
		if (r->diag->msg[i].level == LOG_ERR && !t->first_error[0])
			snprintf(t->first_error, sizeof t->first_error, "%s", text);
		size_t e = 0;
		while (e < N_EXPLAINED && !strstr(text, explained[e]))
			e++;
		if (r->diag->msg[i].level == LOG_WARNING && e == N_EXPLAINED && !t->unexplained++)
			snprintf(t->first_unexplained, sizeof t->first_unexplained, "%s", text);
	}
}

/* the verdict table of docs/units.md is this run's (verdicts.py writes it) */
static void check_doc_table(const struct tally *t)
{
	static char doc[128 * 1024];
	static const char *const kinds[] = {"alias or mask", "service", "socket", "timer"};
	ssize_t n = read_file("docs/units.md", doc, sizeof doc);
	ok(n > 0, "docs/units.md read");
	char line[160];
	snprintf(line, sizeof line, "%d units: %d ok, %d with warnings, %d with errors.", t->units,
		 t->verdicts[VERDICT_OK], t->verdicts[VERDICT_WARNINGS],
		 t->verdicts[VERDICT_ERROR]);
	ok(n > 0 && strstr(doc, line),
	   "docs/units.md says \"%s\" (else run "
	   "test/fixtures/units/verdicts.py)",
	   line);
	for (int k = 0; k < 4; k++) {
		snprintf(line, sizeof line, "| %s | %d | %d | %d | %d |", kinds[k], t->row[k][0],
			 t->row[k][1], t->row[k][2], t->row[k][3]);
		ok(n > 0 && strstr(doc, line), "docs/units.md has the row %s", line);
	}
}

static void test_fixtures(void)
{
	struct unit_opts opts = {.root = FIXTURES "/root", .no_userdb = 1, .quiet = 1};
	struct tally t = {0};
	int errors = unit_verify_path(FIXTURES, &opts, on_unit, &t);
	ok(t.units >= 260, "%d units of the fixtures checked", t.units);
	printf("# verdicts: %d ok, %d warnings, %d error\n", t.verdicts[VERDICT_OK],
	       t.verdicts[VERDICT_WARNINGS], t.verdicts[VERDICT_ERROR]);
	is_int(errors, t.verdicts[VERDICT_ERROR], "the count returned is the units in error");
	ok(t.by_kind[UNIT_KIND_SOCKET] >= 18 && t.kind_errors[UNIT_KIND_SOCKET] == 0,
	   "every .socket (%d) is read without an error", t.by_kind[UNIT_KIND_SOCKET]);
	ok(t.by_kind[UNIT_KIND_TIMER] >= 30 && t.kind_errors[UNIT_KIND_TIMER] == 0,
	   "every .timer (%d) is read without an error (calendar forms included)",
	   t.by_kind[UNIT_KIND_TIMER]);
	ok(t.portmap_alias, "portmap.service is an alias of rpcbind.service");
	is_int(t.masks, 6, "the 6 masks shipped are masks");
	is_int(t.verdicts[VERDICT_ERROR], 0, "no unit in error%s%s", t.first_error[0] ? ": " : "",
	       t.first_error);
	is_int(t.unexplained, 0, "every warning is one docs/units.md explains%s%s",
	       t.unexplained ? ", not: " : "", t.first_unexplained);
	check_doc_table(&t);
}

static struct tally small;
static char seen[2048];

static void on_small(const struct unit_report *r, void *ctx)
{
	(void)ctx;
	tree_note(seen, sizeof seen, r->unit);
	tree_note(seen, sizeof seen, unit_verdict_name(r->verdict));
	for (int i = 0; i < r->diag->n; i++)
		tree_note(seen, sizeof seen, r->diag->msg[i].text);
	small.units++;
}

static void test_small_tree(void)
{
	tree_init("verify");
	tree_put("u/good.service", "[Service]\nExecStart=/bin/true\n");
	tree_put("u/good.service.d/over.conf", "[Service]\n\nEnvironment=A=1\nBogus=1\n");
	tree_put("u/tmpl@.service", "[Service]\nExecStart=/bin/echo %i\n");
	tree_put("u/acc.socket", "[Socket]\nListenStream=/run/x\nAccept=yes\n");
	tree_link("/dev/null", "u/gone.service");
	struct unit_opts opts = {.no_userdb = 1, .quiet = 1};
	int errors = unit_verify_path(tree_path("u"), &opts, on_small, NULL);
	is_int(errors, 1, "one unit in error (Accept=yes)");
	is_int(small.units, 4, "four units reported");
	ok(strstr(seen, "good.service warnings") && strstr(seen, "over.conf:4: unknown key Bogus="),
	   "a drop-in's message names its own file and line");
	ok(strstr(seen, "tmpl@.service ok"), "a template is checked (as an instance)");
	ok(strstr(seen, "acc.socket error") && strstr(seen, "Accept=yes is not supported"),
	   "Accept=yes is refused, saying why");
	ok(strstr(seen, "gone.service ok"), "a mask is reported, not an error");
	is_int(unit_verify_path(tree_path("nothing"), &opts, on_small, NULL), -ENOENT,
	       "a missing path is -ENOENT");
	tree_done();
}

int main(void)
{
	test_fixtures();
	test_small_tree();
	return done_testing();
}
