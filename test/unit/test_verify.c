/*
 * The offline checker (units/unit_verify.c, `pactctl verify`) over every
 * vendor unit of test/fixtures/units (73 Debian packages), with the
 * packages' /etc/default files as its root: every .socket, .timer, alias
 * and mask is read without an error; the errors left are the service
 * engine's (counted by cause below, so the table in docs/units.md can be
 * checked against it), and the ones that must not be there are not.
 * Then a small tree: file:line of a drop-in, a template, verdicts.
 */
#include "tap.h"
#include "tmptree.h"
#include "units/unit_verify.h"

#include <errno.h>
#include <string.h>

#define FIXTURES "test/fixtures/units"

/* errors that the service engine (Type=forking, ExecStart= forms) or the
 * package's postinst account for: kdump-tools' /etc/default file and
 * ipmiutil's ipmiutil.env (the package ships only a template of it) are
 * written at install time, so these units rightly cannot start without */
static const char *const engine_causes[] = {
    "Type=forking is not supported", "more than one ExecStart=", "no ExecStart=",
    "EnvironmentFile=" FIXTURES "/root/etc/default/kdump-tools",
    "EnvironmentFile=" FIXTURES "/root/usr/share/ipmiutil/ipmiutil.env"};
#define N_CAUSES (sizeof engine_causes / sizeof engine_causes[0])

struct tally {
	int units, verdicts[3], by_kind[4], kind_errors[4];
	int cause[N_CAUSES + 1]; /* the last: anything else */
	char other[UNIT_DIAG_LEN];
	int portmap_alias, masks;
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
	for (int i = 0; i < r->diag->n; i++) {
		if (r->diag->msg[i].level != LOG_ERR)
			continue;
		size_t c = 0;
		while (c < N_CAUSES && !strstr(r->diag->msg[i].text, engine_causes[c]))
			c++;
		t->cause[c]++;
		if (c == N_CAUSES && !t->other[0])
			snprintf(t->other, sizeof t->other, "%s", r->diag->msg[i].text);
	}
}

static void test_fixtures(void)
{
	struct unit_opts opts = {.root = FIXTURES "/root", .no_userdb = 1, .quiet = 1};
	struct tally t = {0};
	int errors = unit_verify_path(FIXTURES, &opts, on_unit, &t);
	ok(t.units >= 160, "%d units of the fixtures checked", t.units);
	printf("# verdicts: %d ok, %d warnings, %d error\n", t.verdicts[VERDICT_OK],
	       t.verdicts[VERDICT_WARNINGS], t.verdicts[VERDICT_ERROR]);
	for (size_t c = 0; c < N_CAUSES; c++)
		printf("# errors: %d for \"%s\"\n", t.cause[c], engine_causes[c]);
	is_int(errors, t.verdicts[VERDICT_ERROR], "the count returned is the units in error");
	ok(t.by_kind[UNIT_KIND_SOCKET] >= 14 && t.kind_errors[UNIT_KIND_SOCKET] == 0,
	   "every .socket (%d) is read without an error", t.by_kind[UNIT_KIND_SOCKET]);
	ok(t.by_kind[UNIT_KIND_TIMER] >= 20 && t.kind_errors[UNIT_KIND_TIMER] == 0,
	   "every .timer (%d) is read without an error (calendar forms included)",
	   t.by_kind[UNIT_KIND_TIMER]);
	ok(t.portmap_alias, "portmap.service is an alias of rpcbind.service");
	is_int(t.masks, 5, "the 5 masks shipped are masks");
	is_int(t.cause[N_CAUSES], 0, "no error outside the service engine's causes%s%s",
	       t.other[0] ? ": " : "", t.other);
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
