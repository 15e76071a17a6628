/*
 * What the unit parser tests share (test_unit.c, test_unit_files.c): the
 * unit and diagnostics under test, a temporary directory, and loading a
 * unit from text with its messages kept.
 */
#ifndef PACT_TEST_UNIT_FIXTURE_H
#define PACT_TEST_UNIT_FIXTURE_H

#include "lib/fileio.h"
#include "units/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNUSED __attribute__((unused))

static struct unit U UNUSED; /* big: keep off the stack */
static struct unit_diag D UNUSED;
static char tmpdir[256] UNUSED;
static const struct unit_opts QUIET UNUSED = {.quiet = 1, .no_userdb = 1};

static inline int load(const char *name, const char *text)
{
	unit_diag_clear(&D);
	return unit_load_buffer(name, NULL, text, strlen(text), &QUIET, &U, &D);
}

static inline int load_inst(const char *name, const char *inst, const char *text)
{
	unit_diag_clear(&D);
	return unit_load_buffer(name, inst, text, strlen(text), &QUIET, &U, &D);
}

/* Does any kept message contain needle? */
static inline int diag_has(const char *needle)
{
	for (int i = 0; i < D.n; i++)
		if (strstr(D.msg[i].text, needle))
			return 1;
	return 0;
}

static inline void dump_diag(void)
{
	for (int i = 0; i < D.n; i++)
		printf("#   diag: %s\n", D.msg[i].text);
}

static inline void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		printf("# cannot write %s: %s\n", path, strerror(errno));
		return;
	}
	fputs(text, f);
	fclose(f);
}

#define SVC "[Service]\nExecStart=/bin/true\n"

/* tmpdir (/tmp/<name>.<pid>, with an etc/) for a test program, and its removal. */
static inline void fixture_begin(const char *name)
{
	char etc[sizeof tmpdir + 8];
	snprintf(tmpdir, sizeof tmpdir, "/tmp/%s.%d", name, (int)getpid());
	snprintf(etc, sizeof etc, "%s/etc", tmpdir);
	mkdir_p(etc, 0755);
}

static inline void fixture_end(void)
{
	char cmd[sizeof tmpdir + 16];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# cleanup of %s failed\n", tmpdir);
}

#endif
