/*
 * pactctl's human output, derived from the reply's JSON so that every
 * command gets the same look without a renderer of its own: scalars print
 * as they are, objects as aligned "key: value" lines, arrays of objects as
 * tables whose columns are the first object's keys. A table fits the
 * terminal: the columns an admin can spare go first, then the widest
 * cells are shortened, marked with '…'.
 */
#include "pactctl/pactctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define CELL_MAX 512
#define MAX_COLS 16
#define MAX_ROWS 512

static void scalar_text(const struct json_doc *doc, int idx, char *out, size_t cap)
{
	const struct json_node *n = &doc->nodes[idx];
	switch ((enum json_type)n->type) {
	case JSON_NULL:
		snprintf(out, cap, "-");
		return;
	case JSON_TRUE:
		snprintf(out, cap, "yes");
		return;
	case JSON_FALSE:
		snprintf(out, cap, "no");
		return;
	case JSON_NUMBER:
		snprintf(out, cap, "%.*s", (int)n->len, doc->buf + n->start);
		return;
	case JSON_STRING:
		if (json_get_string(doc, idx, out, cap) < 0)
			snprintf(out, cap, "%.*s", (int)(n->len < cap - 1 ? n->len : cap - 1),
				 doc->buf + n->start);
		return;
	case JSON_ARRAY:
	case JSON_OBJECT:
		break;
	}
	/* a container inside a cell: its elements, comma separated */
	size_t used = 0;
	out[0] = '\0';
	for (int c = json_first(doc, idx); c >= 0 && used + 1 < cap; c = json_next(doc, idx, c)) {
		if (n->type == JSON_OBJECT)
			continue; /* keys; values follow */
		char part[CELL_MAX];
		scalar_text(doc, c, part, sizeof part);
		used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? "," : "", part);
	}
}

static int is_scalar(const struct json_doc *doc, int idx)
{
	int t = json_type_of(doc, idx);
	return t != JSON_ARRAY && t != JSON_OBJECT;
}

/* The width tables fit: none (0) with --full or when stdout is not a
 * terminal; else $COLUMNS, the terminal's (TIOCGWINSZ), or 80. */
static int table_width(void)
{
	if (opt.full)
		return 0;
	const char *env = getenv("COLUMNS");
	if (env && atoi(env) > 0)
		return atoi(env);
	if (!isatty(STDOUT_FILENO))
		return 0;
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Columns in UTF-8 text (continuation bytes take none). */
static int text_cols(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The byte offset of column col in s. */
static size_t col_offset(const char *s, int col)
{
	size_t i = 0;
	for (int c = 0; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == col)
			break;
	return i;
}

/* cell cut to width columns into out: the longest path in it loses its
 * start to '…' (its end names the thing: "…/vendor/chrony.service"); when
 * that is not enough, the words before the path go too (the reason after
 * it stays: "…chrony.service:4: Type=forking is not…"), then the path
 * itself ("…Type=forking is not supp…"), then the end. A cell without a
 * path loses its end ("exited with status 42 bef…"). */
static void shorten(const char *cell, int width, char *out, size_t cap)
{
	int excess = text_cols(cell) - width;
	const char *best = NULL;
	int best_cols = 0;
	for (const char *t = cell; *t;) {
		size_t len = strcspn(t, " ");
		char word[CELL_MAX];
		snprintf(word, sizeof word, "%.*s", (int)len, t);
		if (memchr(t, '/', len) && text_cols(word) > best_cols)
			best = t, best_cols = text_cols(word);
		t += len + (t[len] == ' ');
	}
	char mid[CELL_MAX + 4];
	if (best) {
		/* the path keeps its end: what fits, or at least its last name */
		const char *name = best;
		for (const char *q = best; *q && *q != ' '; q++)
			if (*q == '/')
				name = q + 1;
		size_t from = col_offset(best, excess + 1);
		if (best + from > name)
			from = (size_t)(name - best);
		snprintf(mid, sizeof mid, "%.*s\u2026%s", (int)(best - cell), cell, best + from);
		if (text_cols(mid) > width) /* then the words before the path go too */
			snprintf(mid, sizeof mid, "\u2026%s", name);
		const char *after = best + strcspn(best, " ");
		if (text_cols(mid) > width && *after) /* then the path: the reason after it */
			snprintf(mid, sizeof mid, "\u2026%s", after + strspn(after, " "));
		if (text_cols(mid) <= width) {
			snprintf(out, cap, "%s", mid);
			return;
		}
		cell = mid;
	}
	snprintf(out, cap, "%.*s\u2026", (int)col_offset(cell, width - 1), cell);
}

/* Print cell in width columns, padded unless last, shortened when longer. */
static void print_cell(const char *cell, int width, int last)
{
	char cut[CELL_MAX + 4];
	if (width > 0 && text_cols(cell) > width) {
		shorten(cell, width, cut, sizeof cut);
		cell = cut;
	}
	fputs(cell, stdout);
	if (!last)
		printf("%*s", width - text_cols(cell) + 2, "");
}

/* The columns a site admin reads first: kept when the table must shrink. */
static int essential(const char *col)
{
	static const char *const keep[] = {"name",	  "command",	  "usage", "state",
					   "ready",	  "restarts",	  "why",   "image_path",
					   "mount_point", "allocation_id"};
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if (strcmp(col, keep[i]) == 0)
			return 1;
	return 0;
}

/* Drop the rightmost columns an admin can spare, then narrow the widest,
 * until the table fits width. Returns how many columns were dropped. */
static int fit_columns(char names[][CELL_MAX], int *widths, int *shown, int ncol, int width)
{
	int total = -2, dropped = 0;
	for (int c = 0; c < ncol; c++)
		total += widths[c] + 2;
	for (int c = ncol - 1; c >= 0 && total > width; c--)
		if (!essential(names[c])) {
			shown[c] = 0;
			total -= widths[c] + 2;
			dropped++;
		}
	while (total > width) {
		int wide = -1;
		for (int c = 0; c < ncol; c++)
			if (shown[c] && (wide < 0 || widths[c] > widths[wide]))
				wide = c;
		if (wide < 0 || widths[wide] <= 8)
			break;
		int cut = total - width < widths[wide] - 8 ? total - width : widths[wide] - 8;
		widths[wide] -= cut;
		total -= cut;
	}
	return dropped;
}

static void render_table(const struct json_doc *doc, int arr, int indent)
{
	static char names[MAX_COLS][CELL_MAX];
	int widths[MAX_COLS], shown[MAX_COLS], ncol = 0;
	int first = json_first(doc, arr);
	for (int k = json_first(doc, first); k >= 0 && ncol < MAX_COLS;
	     k = json_next(doc, first, json_next(doc, first, k))) {
		json_get_string(doc, k, names[ncol], CELL_MAX);
		widths[ncol] = text_cols(names[ncol]);
		shown[ncol++] = 1;
	}
	int rows[MAX_ROWS], nrow = 0;
	for (int r = first; r >= 0 && nrow < MAX_ROWS; r = json_next(doc, arr, r))
		rows[nrow++] = r;
	static char cell[CELL_MAX];
	for (int r = 0; r < nrow; r++)
		for (int c = 0; c < ncol; c++) {
			int v = json_obj_get(doc, rows[r], names[c]);
			if (v < 0)
				continue;
			scalar_text(doc, v, cell, sizeof cell);
			if (text_cols(cell) > widths[c])
				widths[c] = text_cols(cell);
		}
	int width = table_width();
	int dropped = width > 0 ? fit_columns(names, widths, shown, ncol, width - indent) : 0;
	int lastc = ncol - 1;
	while (lastc > 0 && !shown[lastc])
		lastc--;
	printf("%*s", indent, "");
	for (int c = 0; c < ncol; c++) {
		if (!shown[c])
			continue;
		char up[CELL_MAX];
		size_t i = 0;
		for (; names[c][i]; i++)
			up[i] = (char)(names[c][i] >= 'a' && names[c][i] <= 'z' ? names[c][i] - 32
										: names[c][i]);
		up[i] = '\0';
		print_cell(up, widths[c], c == lastc);
	}
	printf("\n");
	for (int r = 0; r < nrow; r++) {
		printf("%*s", indent, "");
		for (int c = 0; c < ncol; c++) {
			if (!shown[c])
				continue;
			int v = json_obj_get(doc, rows[r], names[c]);
			if (v >= 0)
				scalar_text(doc, v, cell, sizeof cell);
			else
				snprintf(cell, sizeof cell, "-");
			print_cell(cell, widths[c], c == lastc);
		}
		printf("\n");
	}
	if (dropped)
		printf("%*s(%d more column%s: pactctl --full, --json, or status NAME)\n", indent,
		       "", dropped, dropped > 1 ? "s" : "");
}

static void render_at(const struct json_doc *doc, int idx, int indent)
{
	char text[1024];
	int t = json_type_of(doc, idx);
	if (t == JSON_ARRAY) {
		int first = json_first(doc, idx);
		if (first < 0) {
			printf("%*s(none)\n", indent, "");
		} else if (json_type_of(doc, first) == JSON_OBJECT) {
			render_table(doc, idx, indent);
		} else {
			scalar_text(doc, idx, text, sizeof text);
			printf("%*s%s\n", indent, "", text);
		}
		return;
	}
	if (t != JSON_OBJECT) {
		scalar_text(doc, idx, text, sizeof text);
		printf("%*s%s\n", indent, "", text);
		return;
	}
	int keyw = 0;
	for (int k = json_first(doc, idx); k >= 0; k = json_next(doc, idx, json_next(doc, idx, k)))
		if ((int)doc->nodes[k].len > keyw)
			keyw = (int)doc->nodes[k].len;
	for (int k = json_first(doc, idx); k >= 0;
	     k = json_next(doc, idx, json_next(doc, idx, k))) {
		char key[64];
		json_get_string(doc, k, key, sizeof key);
		int v = json_next(doc, idx, k);
		if (is_scalar(doc, v) ||
		    (json_type_of(doc, v) == JSON_ARRAY && json_first(doc, v) >= 0 &&
		     is_scalar(doc, json_first(doc, v)))) {
			scalar_text(doc, v, text, sizeof text);
			printf("%*s%-*s  %s\n", indent, "", keyw + 1, strcat(key, ":"), text);
		} else {
			printf("%*s%s:\n", indent, "", key);
			render_at(doc, v, indent + 2);
		}
	}
}

void render_text(const struct json_doc *doc, int idx)
{
	static char text[FRAME_MAX_BODY + 1];
	int n = json_get_string(doc, idx, text, sizeof text);
	if (n > 0)
		fwrite(text, 1, (size_t)n, stdout);
	if (n > 0 && text[n - 1] != '\n')
		putchar('\n'); /* a one-line answer ("re-executing") ends its line */
}

/* The byte offset of column col in text[0..len), or len. */
static size_t col_offset_n(const char *text, size_t len, int col)
{
	int c = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80 && c++ == col)
			return i;
	return len;
}

void render_line(const char *prefix, const char *text, size_t len)
{
	int room = table_width() - text_cols(prefix);
	size_t keep = len;
	if (room > 1 && col_offset_n(text, len, room) < len) /* wider than the room */
		keep = col_offset_n(text, len, room - 1);
	printf("%s%.*s%s\n", prefix, (int)keep, text, keep < len ? "\u2026" : "");
}

void render_human(const struct json_doc *doc, int idx)
{
	render_at(doc, idx, 0);
}

void render_json(const struct json_doc *doc, int idx)
{
	const struct json_node *n = &doc->nodes[idx];
	/* the node's raw text is already valid, compact JSON from the daemon */
	size_t start = n->type == JSON_STRING ? n->start - 1 : n->start;
	size_t end;
	if (n->type == JSON_STRING)
		end = n->start + n->len + 1;
	else if (n->type == JSON_ARRAY || n->type == JSON_OBJECT) {
		/* find the matching bracket: the last descendant's end, then the closer */
		end = doc->len;
		int depth = 0, in_str = 0;
		for (size_t i = start; i < doc->len; i++) {
			char c = doc->buf[i];
			if (in_str) {
				if (c == '\\')
					i++;
				else if (c == '"')
					in_str = 0;
			} else if (c == '"') {
				in_str = 1;
			} else if (c == '[' || c == '{') {
				depth++;
			} else if ((c == ']' || c == '}') && --depth == 0) {
				end = i + 1;
				break;
			}
		}
	} else {
		end = n->start + n->len;
	}
	printf("%.*s\n", (int)(end - start), doc->buf + start);
}
