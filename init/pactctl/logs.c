/*
 * pactctl logs, as journalctl users type it: options anywhere, -u UNIT,
 * -n N, -f, --since and --until (lib/logbound.h's forms), -o short|cat|json
 * (--json is -o json: one object per line).
 * The daemon sends the end of the unit's log (the control socket: a member
 * of control.group may ask too); the lines are filtered and printed here.
 * -f then reads the file itself (follow.c; control.group may read it).
 */
#include "lib/logbound.h"
#include "lib/logline.h"
#include "pactctl/pactctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_LINES "50"
#define ALL_LINES     "1000000000" /* with --since/--until: every line the reply holds */

enum logs_output { OUT_SHORT, OUT_CAT, OUT_JSON };

struct logs_query {
	const char *unit;
	const char *lines; /* NULL: the default (all with a bound) */
	struct log_bound since, until;
	enum logs_output out;
	int follow;
	int last_kept;	     /* a line without the bound's clock goes with the one before */
	char unit_name[256]; /* the daemon's name, for -o json */
};

static struct pactctl_reply reply;

/* argv[*i]'s value when it is option s or l ("-n 5", "-n5", "--lines 5",
 * "--lines=5"), else NULL; *missing when the value is not there. */
static const char *value_of(int argc, char **argv, int *i, const char *s, const char *l,
			    int *missing)
{
	const char *a = argv[*i];
	size_t ln = strlen(l);
	if (strcmp(a, s) == 0 || strcmp(a, l) == 0) {
		if (*i + 1 < argc)
			return argv[++*i];
		*missing = 1;
		return NULL;
	}
	if (strncmp(a, l, ln) == 0 && a[ln] == '=')
		return a + ln + 1;
	if (strncmp(a, s, 2) == 0 && a[2] && a[1] != '-')
		return a + 2;
	return NULL;
}

static int bad_value(const char *option, const char *what)
{
	fprintf(stderr, "pactctl: logs %s %s\n", option, what);
	return 2;
}

static int parse_bound(const char *option, const char *spec, struct log_bound *b)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char err[512];
	if (log_bound_parse(spec, (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000, b, err,
			    sizeof err) < 0)
		return bad_value(option, err);
	return 0;
}

static int parse_output(const char *v, enum logs_output *out)
{
	static const char *const names[] = {"short", "cat", "json"};
	for (int i = 0; i < 3; i++)
		if (strcmp(v, names[i]) == 0)
			return *out = (enum logs_output)i, 0;
	char what[300];
	snprintf(what, sizeof what, "'%s': want short, cat or json", v);
	return bad_value("-o", what);
}

/* 0, or the exit status of a usage error (said on stderr) */
static int parse_args(int argc, char **argv, struct logs_query *q)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v;
		int missing = 0, rc = 0;
		if ((v = value_of(argc, argv, &i, "-n", "--lines", &missing)))
			q->lines = v;
		else if ((v = value_of(argc, argv, &i, "-u", "--unit", &missing)))
			q->unit = v;
		else if ((v = value_of(argc, argv, &i, "-S", "--since", &missing)))
			rc = parse_bound("--since", v, &q->since);
		else if ((v = value_of(argc, argv, &i, "-U", "--until", &missing)))
			rc = parse_bound("--until", v, &q->until);
		else if ((v = value_of(argc, argv, &i, "-o", "--output", &missing)))
			rc = parse_output(v, &q->out);
		else if (!missing && (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0))
			q->follow = 1;
		else if (missing || a[0] == '-' || q->unit)
			return pactctl_bad_usage("logs");
		else
			q->unit = a;
		if (rc)
			return rc;
	}
	char *end;
	if (!q->unit || (q->lines && (!q->lines[0] || strtol(q->lines, &end, 10) < 0 || *end)))
		return pactctl_bad_usage("logs");
	/* the daemon's name: "chronyd" is chronyd.service */
	snprintf(q->unit_name, sizeof q->unit_name, strchr(q->unit, '.') ? "%s" : "%s.service",
		 q->unit);
	return 0;
}

/* Is the line inside --since and --until? */
static int wanted(struct logs_query *q, const char *line, size_t n, struct logline *l)
{
	logline_parse(line, n, l);
	int in = log_bound_within(&q->since, &q->until, l);
	if (in < 0) /* a line without that clock: like the one before */
		return q->last_kept;
	return q->last_kept = in;
}

static void print_line(const struct logs_query *q, const char *line, size_t n,
		       const struct logline *l)
{
	static char buf[6 * 65536 + 1024]; /* a line escaped, at worst \u00XX per byte */
	struct json_writer w;
	switch (q->out) {
	case OUT_SHORT:
		fwrite(line, 1, n, stdout);
		break;
	case OUT_CAT:
		fwrite(l->text, 1, l->text_len, stdout);
		break;
	case OUT_JSON:
		json_w_init(&w, buf, sizeof buf);
		logline_json(&w, q->unit_name, l);
		if (json_w_finish(&w) > 0)
			fwrite(buf, 1, w.len, stdout);
		break;
	}
	putchar('\n');
}

/* follow.c's callback: a whole line written after the daemon's tail */
static void follow_line(void *ctx, const char *line, size_t n)
{
	struct logs_query *q = ctx;
	struct logline l;
	if (n && line[n - 1] == '\n')
		n--;
	if (wanted(q, line, n, &l))
		print_line(q, line, n, &l);
	fflush(stdout);
}

/* text's lines in the bounds, the last q->lines of them */
static void print_text(struct logs_query *q, const char *text)
{
	long total = 0, skip = 0;
	struct logline l;
	for (int pass = 0; pass < 2; pass++) {
		q->last_kept = 0;
		long seen = 0;
		for (const char *p = text, *nl; *p; p = nl ? nl + 1 : p + strlen(p)) {
			nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			if (!wanted(q, p, n, &l))
				continue;
			if (pass == 0)
				total++;
			else if (seen++ >= skip)
				print_line(q, p, n, &l);
		}
		long want = q->lines ? atol(q->lines) : total;
		skip = total > want ? total - want : 0;
	}
}

int pactctl_logs(int argc, char **argv)
{
	struct logs_query q = {.out = opt.json ? OUT_JSON : OUT_SHORT};
	int rc = parse_args(argc, argv, &q);
	if (rc)
		return rc;
	int bounded = q.since.set || q.until.set;
	const char *ask = bounded ? ALL_LINES : q.lines ? q.lines : DEFAULT_LINES;
	if (!bounded && !q.lines)
		q.lines = DEFAULT_LINES;
	char *args[] = {(char *)q.unit, (char *)"--lines", (char *)ask};
	rc = pactctl_call(&reply, "logs", 3, args);
	if (rc || reply.data < 0)
		return rc;
	static char text[FRAME_MAX_BODY + 1];
	if (json_get_string(&reply.doc, reply.data, text, sizeof text) < 0)
		return fprintf(stderr, "pactctl: logs: unexpected reply\n"), 1;
	print_text(&q, text);
	if (!q.follow)
		return 0;
	fflush(stdout);
	return pactctl_follow(opt.run_dir, q.unit, follow_line, &q);
}
