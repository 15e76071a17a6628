/*
 * Unit tests of the live re-exec state (node/reexec.c) without the exec:
 * the state is rendered by the savers as reexec_now would hand it over,
 * loaded again through PACT_REEXEC_FD as the new image does, and read
 * back record by record. Records as long as the bounds allow survive
 * whole; one too long is refused when written and reported when read,
 * never lost without a word; states of an older version are read, of a
 * newer one refused; no "fd" record names an fd that is not carried.
 */
#include "tap.h"
#include "node/reexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char state[256 * 1024];
static char longword[REEXEC_LINE_MAX];

/* Hand text to reexec_load as the previous image would. */
static int load(const char *text, size_t len)
{
	reexec_finish();
	int fd = memfd_create("state", 0);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return -100;
	char env[16];
	snprintf(env, sizeof env, "%d", fd);
	setenv("PACT_REEXEC_FD", env, 1);
	return reexec_load();
}

/* The checksum line the state needs, from the real writer's render. */
static int with_checksum(const char *body, char *out, size_t cap)
{
	unsigned long c = 0xffffffffu;
	size_t n = strlen(body);
	for (size_t i = 0; i < n; i++) {
		c ^= (unsigned char)body[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return snprintf(out, cap, "%send %lu\n", body, (unsigned long)(~c & 0xffffffffu));
}

static int saved_words; /* what the saver wrote into "big" */

static void saver(struct reexec_out *o)
{
	/* as long as a record may be: words that are all escapes */
	reexec_begin(o, "big");
	size_t room = REEXEC_LINE_MAX - 1 - 4 - 2 * REEXEC_WORD_MAX(0);
	size_t w = room / 3 / 2;
	memset(longword, '%', w);
	longword[w] = '\0';
	reexec_word(o, longword);
	memset(longword, ' ', w);
	reexec_word(o, longword);
	reexec_end(o);
	saved_words = 3;
	/* one byte more than a line holds: refused, and the rest goes on */
	reexec_begin(o, "huge");
	memset(longword, 'x', REEXEC_LINE_MAX - 5); /* "huge " + word + newline */
	longword[REEXEC_LINE_MAX - 5] = '\0';
	reexec_word(o, longword);
	reexec_end(o);
	reexec_begin(o, "after");
	reexec_word(o, "ok");
	reexec_end(o);
}

struct got {
	int calls, n;
	size_t len[4];
	char first[8];
};

static void collect(void *ctx, char **w, int n)
{
	struct got *g = ctx;
	g->calls++;
	g->n = n;
	for (int i = 0; i < n && i < 4; i++)
		g->len[i] = strlen(w[i]);
	if (n > 1)
		snprintf(g->first, sizeof g->first, "%s", w[1]);
}

static void test_round_trip(void)
{
	is_int(reexec_register_saver(saver), 0, "a saver");
	int nfds = -1;
	int len = reexec_render(state, sizeof state, &nfds);
	ok(len > REEXEC_LINE_MAX, "rendered %d bytes", len);
	ok(strncmp(state, "pact-reexec ", 12) == 0 && atoi(state + 12) == REEXEC_VERSION,
	   "the header names version %d", REEXEC_VERSION);
	ok(strstr(state, "\nhuge ") == NULL, "the record longer than a line was not written");
	ok(strstr(state, "\nafter ok\n") != NULL, "the records after it were");
	is_int(load(state, (size_t)len), 1, "the new image takes the state");
	is_int(reexec_version(), REEXEC_VERSION, "of this version");
	struct got g = {0};
	is_int(reexec_each("big", collect, &g), 0, "the longest record is read back");
	ok(g.calls == 1 && g.n == saved_words, "whole (%d words)", g.n);
	size_t w = (REEXEC_LINE_MAX - 1 - 4 - 2 * REEXEC_WORD_MAX(0)) / 3 / 2;
	ok(g.len[1] == w && g.len[2] == w, "its words unescaped to %zu bytes each", w);
}

static void test_reading(void)
{
	static char body[3 * REEXEC_LINE_MAX], text[3 * REEXEC_LINE_MAX + 64];
	/* version 1, a line too long, one with too many words, then a good one */
	int n = snprintf(body, sizeof body, "pact-reexec 1\nrec ");
	memset(body + n, 'y', REEXEC_LINE_MAX);
	n += REEXEC_LINE_MAX;
	n += snprintf(body + n, sizeof body - (size_t)n, "\nrec");
	for (int i = 0; i < REEXEC_MAX_WORDS + 1; i++)
		n += snprintf(body + n, sizeof body - (size_t)n, " w%d", i);
	snprintf(body + n, sizeof body - (size_t)n, "\nrec good one\n");
	int len = with_checksum(body, text, sizeof text);
	is_int(load(text, (size_t)len), 1, "a version 1 state is taken");
	is_int(reexec_version(), 1, "and said to be version 1");
	struct got g = {0};
	is_int(reexec_each("rec", collect, &g), 2,
	       "two records that cannot be read are counted (and logged)");
	ok(g.calls == 1 && strcmp(g.first, "good") == 0, "the good one is read");

	/* a newer version than this image knows: refused, adopt from the kernel */
	snprintf(body, sizeof body, "pact-reexec %d\nrec a\n", REEXEC_VERSION + 1);
	len = with_checksum(body, text, sizeof text);
	is_int(load(text, (size_t)len), -1, "a state of a newer version is refused");
	is_int(reexec_version(), 0, "nothing is restored");
	reexec_finish();
}

/* More fds than can be carried: every one recorded is one kept open. */
static int fds_offered;

static void fd_saver(struct reexec_out *o)
{
	for (fds_offered = 0; fds_offered < REEXEC_MAX_FDS + 8; fds_offered++)
		reexec_save_fd(o, "many", 0);
}

static void test_fd_cap(void)
{
	is_int(reexec_register_saver(fd_saver), 0, "a saver of %d fds", REEXEC_MAX_FDS + 8);
	int nfds = -1, records = 0;
	int len = reexec_render(state, sizeof state, &nfds);
	ok(len > 0, "rendered");
	for (const char *p = state; (p = strstr(p, "\nfd many ")); p++)
		records++;
	is_int(nfds, REEXEC_MAX_FDS, "as many fds carried as the table holds");
	is_int(records, nfds, "and no record for one that is not carried");
}

int main(void)
{
	test_round_trip();
	test_reading();
	test_fd_cap();
	return done_testing();
}
