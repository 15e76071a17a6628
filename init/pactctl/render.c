/*
 * pactctl's human output, derived from the reply's JSON so that every
 * command gets the same look without a renderer of its own: scalars print
 * as they are, objects as aligned "key: value" lines, arrays of objects as
 * tables whose columns are the first object's keys.
 */
#include "pactctl/pactctl.h"

#include <stdio.h>
#include <string.h>

#define CELL_MAX 48
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

static void render_table(const struct json_doc *doc, int arr, int indent)
{
	const char *cols[MAX_COLS];
	char names[MAX_COLS][CELL_MAX];
	int widths[MAX_COLS], ncol = 0;
	int first = json_first(doc, arr);
	for (int k = json_first(doc, first); k >= 0 && ncol < MAX_COLS;
	     k = json_next(doc, first, json_next(doc, first, k))) {
		json_get_string(doc, k, names[ncol], CELL_MAX);
		cols[ncol] = names[ncol];
		widths[ncol] = (int)strlen(names[ncol]);
		ncol++;
	}
	int rows[MAX_ROWS], nrow = 0;
	for (int r = first; r >= 0 && nrow < MAX_ROWS; r = json_next(doc, arr, r))
		rows[nrow++] = r;
	char cell[CELL_MAX];
	for (int r = 0; r < nrow; r++)
		for (int c = 0; c < ncol; c++) {
			int v = json_obj_get(doc, rows[r], cols[c]);
			if (v < 0)
				continue;
			scalar_text(doc, v, cell, sizeof cell);
			int l = (int)strlen(cell);
			if (l > widths[c])
				widths[c] = l;
		}
	printf("%*s", indent, "");
	for (int c = 0; c < ncol; c++) {
		char up[CELL_MAX];
		for (size_t i = 0; i <= strlen(cols[c]); i++)
			up[i] = (char)(cols[c][i] >= 'a' && cols[c][i] <= 'z' ? cols[c][i] - 32
									    : cols[c][i]);
		printf("%-*s%s", c + 1 < ncol ? widths[c] : 0, up, c + 1 < ncol ? "  " : "\n");
	}
	for (int r = 0; r < nrow; r++) {
		printf("%*s", indent, "");
		for (int c = 0; c < ncol; c++) {
			int v = json_obj_get(doc, rows[r], cols[c]);
			if (v >= 0)
				scalar_text(doc, v, cell, sizeof cell);
			else
				snprintf(cell, sizeof cell, "-");
			printf("%-*s%s", c + 1 < ncol ? widths[c] : 0, cell, c + 1 < ncol ? "  " : "\n");
		}
	}
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
	for (int k = json_first(doc, idx); k >= 0; k = json_next(doc, idx, json_next(doc, idx, k))) {
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
