/*
 * A strict, bounded JSON reader (RFC 8259) and a bounded JSON writer, for the
 * handoff and control sockets. Nothing here allocates.
 *
 * Reader: json_parse() checks the whole input and builds a flat DOM in a
 * caller-supplied node array, in document order. A container's children
 * follow it; `end` is the index one past its last descendant, so the next
 * sibling of node i is nodes[i].end. An object's children alternate key
 * (a string node), value. Strings are validated while parsing (UTF-8,
 * escapes) and decoded only when extracted. The parser is iterative: depth
 * is limited by JSON_MAX_DEPTH with a fixed stack, so hostile nesting costs
 * nothing but an error.
 *
 * Limits: input JSON_MAX_INPUT bytes, depth JSON_MAX_DEPTH, values max_nodes
 * (the caller's array; 20 bytes each). A string may be as long as the input;
 * extracting it is bounded by the caller's buffer (-ENAMETOOLONG). Duplicate
 * key detection costs O(keys^2) per object, bounded by max_nodes.
 *
 * Strictness: no trailing commas, comments, NaN/Infinity, leading zeros,
 * leading '+', raw control characters in strings, invalid UTF-8 (overlong
 * forms, surrogates, > U+10FFFF), lone surrogate escapes, BOM, or trailing
 * garbage. Duplicate keys in one object are rejected (serde rejects a
 * duplicate field of a struct; rejecting every duplicate is the safe superset).
 *
 * Writer: struct json_writer appends to a caller buffer; the first error
 * sticks (-ENOSPC when the buffer is too small, -EINVAL for misuse), and
 * json_w_finish() reports it. Output is compact, escaped the way serde_json
 * escapes, and always valid UTF-8: a byte of a string that is not part of a
 * valid sequence is written as U+FFFD (as String::from_utf8_lossy does), so
 * no name the kernel or a client hands us can make a reply unencodable.
 */
#ifndef PACT_JSON_H
#define PACT_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_INPUT 65536 /* bytes: the largest frame body */
#define JSON_MAX_DEPTH 32    /* nested arrays/objects */

enum json_type {
	JSON_NULL = 0,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_node {
	uint8_t type;	 /* enum json_type */
	uint8_t escaped; /* string: contains a backslash escape */
	uint16_t pad;
	uint32_t start; /* offset of the token; strings: first byte after the quote */
	uint32_t len;	/* raw token length; strings: raw bytes between the quotes */
	uint32_t end;	/* index one past the last descendant (i + 1 for scalars) */
	uint32_t count; /* containers: number of direct children (keys + values) */
};

struct json_doc {
	const char *buf;
	size_t len;
	struct json_node *nodes;
	uint32_t n_nodes;
	uint32_t max_nodes;
	/* After a failed parse: what and where (byte offset). Static strings. */
	const char *err;
	size_t err_off;
};

/*
 * Parse buf[0..len) into nodes[0..max_nodes). Returns 0, -EINVAL (not JSON,
 * doc->err says why), -E2BIG (input larger than JSON_MAX_INPUT, deeper than
 * JSON_MAX_DEPTH, or more than max_nodes values). Node 0 is the root.
 */
int json_parse(struct json_doc *doc, const char *buf, size_t len, struct json_node *nodes,
	       uint32_t max_nodes);

/* Type of node idx, or -EINVAL if idx is out of range. */
int json_type_of(const struct json_doc *doc, int idx);
const char *json_type_name(int type);
/* First child of a container (for objects: the first key), -ENOENT if empty. */
int json_first(const struct json_doc *doc, int container);
/* The sibling after child inside container, -ENOENT at the end. */
int json_next(const struct json_doc *doc, int container, int child);
/* Number of elements of an array or members of an object, or -EINVAL. */
int json_length(const struct json_doc *doc, int idx);
/* Value for key in object obj: index, -ENOENT if absent, -EINVAL if obj is not an object. */
int json_obj_get(const struct json_doc *doc, int obj, const char *key);
/* 1 if string node idx decodes to exactly s, else 0. */
int json_str_eq(const struct json_doc *doc, int idx, const char *s);
/*
 * Decode string node idx into out (NUL-terminated). Returns the length,
 * -EINVAL if not a string or it contains U+0000, -ENAMETOOLONG if it does not
 * fit in cap - 1 bytes.
 */
int json_get_string(const struct json_doc *doc, int idx, char *out, size_t cap);
/* Integers only (no fraction/exponent); -EINVAL wrong type, -ERANGE out of range. */
int json_get_u64(const struct json_doc *doc, int idx, uint64_t *out);
int json_get_i64(const struct json_doc *doc, int idx, int64_t *out);
int json_get_bool(const struct json_doc *doc, int idx, int *out);
int json_is_null(const struct json_doc *doc, int idx);

/* 1 if s[0..len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int json_utf8_valid(const char *s, size_t len);

struct json_writer {
	char *buf;
	size_t cap; /* includes room for a terminating NUL */
	size_t len;
	int err;
	uint8_t depth;
	uint8_t after_key;
	uint64_t in_object; /* bit d: level d is an object */
	uint64_t has_item;  /* bit d: level d already has an element (0: top level) */
};

void json_w_init(struct json_writer *w, char *buf, size_t cap);
void json_w_obj_begin(struct json_writer *w);
void json_w_obj_end(struct json_writer *w);
void json_w_arr_begin(struct json_writer *w);
void json_w_arr_end(struct json_writer *w);
void json_w_key(struct json_writer *w, const char *key);
void json_w_string(struct json_writer *w, const char *s);
void json_w_string_n(struct json_writer *w, const char *s, size_t n);
/* The bytes s[0..n) takes inside a JSON string's quotes, escaped. */
size_t json_escaped_len(const char *s, size_t n);
/* A string, or null when s is NULL (serde's Option<String>). */
void json_w_string_or_null(struct json_writer *w, const char *s);
void json_w_u64(struct json_writer *w, uint64_t v);
void json_w_i64(struct json_writer *w, int64_t v);
void json_w_bool(struct json_writer *w, int v);
void json_w_null(struct json_writer *w);
/* Length of the output (NUL-terminated in buf), or the first error. */
int json_w_finish(struct json_writer *w);

#endif
