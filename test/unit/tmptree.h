/*
 * A scratch directory tree for the unit tests of code that reads files
 * (sysfs, /etc, /lib/modules): tree_init makes /tmp/<name>-<pid>, tree_put
 * writes a file under it (making the directories), tree_link a link,
 * tree_path names one, tree_done removes it all; tree_note collects what
 * a callback was called with.
 */
#ifndef PACT_TMPTREE_H
#define PACT_TMPTREE_H

#include "lib/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tree_root[256];

static inline const char *tree_path(const char *rel)
{
	static char p[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", tree_root, rel);
	return p[i];
}

/* p's parent directories, made */
static inline void tree_parents(const char *p)
{
	char d[512];
	snprintf(d, sizeof d, "%s", p);
	*strrchr(d, '/') = '\0';
	if (mkdir_p(d, 0755) < 0)
		printf("# mkdir %s failed\n", d);
}

static inline void tree_put(const char *rel, const char *text)
{
	const char *p = tree_path(rel);
	tree_parents(p);
	FILE *f = fopen(p, "w");
	if (!f) {
		printf("# cannot write %s\n", p);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static inline void tree_link(const char *target, const char *rel)
{
	const char *p = tree_path(rel);
	tree_parents(p);
	if (symlink(target, p) < 0)
		printf("# symlink %s failed\n", p);
}

/* What a callback saw, for comparing: " word" appended to buf. */
static inline void tree_note(char *buf, size_t cap, const char *word)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, " %s", word);
}

static inline void tree_init(const char *name)
{
	snprintf(tree_root, sizeof tree_root, "/tmp/%s-%d", name, (int)getpid());
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tree_root);
	if (system(cmd) != 0 || mkdir_p(tree_root, 0755) < 0)
		printf("# cannot make %s\n", tree_root);
}

static inline void tree_done(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tree_root);
	if (system(cmd) != 0)
		printf("# cleanup of %s failed\n", tree_root);
}

#endif
