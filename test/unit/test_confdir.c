/*
 * Unit tests of the drop-in directories (name order across /etc, /run,
 * /usr/local/lib, /usr/lib, /lib; an earlier directory hides a name; a
 * link to /dev/null masks), the line reader every parser uses (trimmed,
 * comments, file:line errors, the rest still read) and the kernel
 * command line's comma lists.
 */
#include "tap.h"
#include "tmptree.h"
#include "lib/confdir.h"

#include <errno.h>

static char seen[2048];

static int collect(void *ctx, const char *path)
{
	(void)ctx;
	tree_note(seen, sizeof seen, path + strlen(tree_root));
	return 0;
}

static int stop(void *ctx, const char *path)
{
	(void)ctx, (void)path;
	return 7;
}

static int line_cb(void *ctx, char *line, int no, char *err, size_t errlen)
{
	(void)ctx;
	size_t n = strlen(seen);
	snprintf(seen + n, sizeof seen - n, "[%d:%s]", no, line);
	if (!strncmp(line, "bad", 3))
		return snprintf(err, errlen, "a bad line"), -EINVAL;
	return 0;
}

static void word(void *ctx, const char *w)
{
	(void)ctx;
	tree_note(seen, sizeof seen, w);
}

int main(void)
{
	tree_init("test-confdir");
	tree_put("usr/lib/sysctl.d/50-default.conf", "");
	tree_put("usr/lib/sysctl.d/10-early.conf", "");
	tree_put("etc/sysctl.d/50-default.conf", "");
	tree_put("run/sysctl.d/60-run.conf", "");
	tree_put("usr/local/lib/sysctl.d/60-run.conf", "");
	tree_put("lib/sysctl.d/99-lib.conf", "");
	tree_put("lib/sysctl.d/70-masked.conf", "");
	tree_link("/dev/null", "etc/sysctl.d/70-masked.conf");
	tree_put("etc/sysctl.d/README", "");
	tree_put("etc/sysctl.d/.hidden.conf", "");
	char root[300];
	snprintf(root, sizeof root, "%s", tree_root);
	is_int(confdir_each(root, "sysctl.d", ".conf", collect, NULL), 4, "four files");
	is_str(seen,
	       " /usr/lib/sysctl.d/10-early.conf /etc/sysctl.d/50-default.conf "
	       "/run/sysctl.d/60-run.conf /lib/sysctl.d/99-lib.conf",
	       "in name order; /etc over /usr/lib, /run over /usr/local/lib; /dev/null masks; "
	       "other suffixes and hidden files left out");
	is_int(confdir_each(root, "sysctl.d", ".conf", stop, NULL), 7,
	       "a callback's non-zero return stops and is returned");
	is_int(confdir_each(root, "nothing.d", ".conf", collect, NULL), 0, "no directories: none");

	tree_put("f.conf", "  key = value  \n# comment\n; semicolon\n\n\t\nbad line\nlast\tline");
	seen[0] = '\0';
	is_int(confdir_lines(tree_path("f.conf"), "#;", line_cb, NULL), 1, "one line refused");
	is_str(seen, "[1:key = value][6:bad line][7:last\tline]",
	       "trimmed, comments and blanks skipped, numbered, the last line without a newline");
	seen[0] = '\0';
	confdir_lines(tree_path("f.conf"), "#", line_cb, NULL);
	ok(strstr(seen, "[3:; semicolon]") != NULL, "';' is a comment only when asked");
	is_int(confdir_lines(tree_path("none.conf"), "#", line_cb, NULL), -ENOENT,
	       "a missing file: -ENOENT");
	char big[9000];
	memset(big, 'x', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	tree_put("big.conf", big);
	FILE *f = fopen(tree_path("big.conf"), "a");
	fputs("after\n", f);
	fclose(f);
	seen[0] = '\0';
	is_int(confdir_lines(tree_path("big.conf"), "#", line_cb, NULL), 1,
	       "a line longer than the buffer is refused");
	is_str(seen, "[2:after]", "... and the next one read");

	seen[0] = '\0';
	is_int(cmdline_each_word("console=ttyS0 modules-load=a,b,,c x.modules-load=no "
				 "modules-load=d\nmodules-load=",
				 "modules-load=", word, NULL),
	       4, "modules-load= words");
	is_str(seen, " a b c d", "commas split, keys repeat, other keys ignored");
	tree_done();
	return done_testing();
}
