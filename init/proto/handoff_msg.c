/*
 * Parse and encode the four handoff messages (see handoff_msg.h). The
 * parser reads the envelope and the fields by name from the strict JSON
 * DOM; the encoder writes them in serde's declaration order.
 */
#include "proto/handoff_msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/frame.h"
#include "lib/json.h"
#include "lib/utf8.h"

static const char *const ns_names[PACT_NS_COUNT] = {"Pid", "Net", "Mount"};

static const char *const err_names[PACT_ERR_COUNT] = {
    "SocketUnavailable", "CreationFailed",   "AllocationNotFound", "FdPassing",
    "InvalidRequest",	 "PermissionDenied", "NotReady",	   "BootFailed",
};

static const char *const tag_names[] = {
    [PACT_MSG_NAMESPACE_REQUEST] = "NamespaceRequest",
    [PACT_MSG_NAMESPACE_RESPONSE] = "NamespaceResponse",
    [PACT_MSG_ALLOCATION_ENDED] = "AllocationEnded",
    [PACT_MSG_ERROR] = "Error",
};

const char *pact_ns_type_name(enum pact_ns_type t)
{
	return (unsigned)t < PACT_NS_COUNT ? ns_names[t] : NULL;
}

const char *pact_handoff_err_name(enum pact_handoff_err k)
{
	return (unsigned)k < PACT_ERR_COUNT ? err_names[k] : NULL;
}

int handoff_ns_from_name(const char *s, enum pact_ns_type *t)
{
	for (int i = 0; i < PACT_NS_COUNT; i++)
		if (strcmp(s, ns_names[i]) == 0) {
			*t = (enum pact_ns_type)i;
			return 0;
		}
	return -EINVAL;
}

int handoff_err_from_name(const char *s, enum pact_handoff_err *k)
{
	for (int i = 0; i < PACT_ERR_COUNT; i++)
		if (strcmp(s, err_names[i]) == 0) {
			*k = (enum pact_handoff_err)i;
			return 0;
		}
	return -EINVAL;
}

int handoff_check_alloc_id(const char *id, const char **why)
{
	size_t n = strlen(id);
	if (n == 0) {
		*why = "allocation_id is empty";
		return -EINVAL;
	}
	if (n > PACT_HANDOFF_ALLOC_ID_MAX) {
		*why = "allocation_id is longer than 128 bytes";
		return -EINVAL;
	}
	if (id[0] == '.' || id[0] == '-') {
		*why = "allocation_id starts with '.' or '-'";
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		int okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!okc) {
			*why = "allocation_id has a character outside [A-Za-z0-9._-]";
			return -EINVAL;
		}
	}
	if (strstr(id, "..")) {
		*why = "allocation_id contains \"..\"";
		return -EINVAL;
	}
	return 0;
}

void handoff_msg_error(struct pact_handoff_msg *m, const char *allocation_id,
		       enum pact_handoff_err kind, const char *reason)
{
	memset(m, 0, sizeof *m);
	m->type = PACT_MSG_ERROR;
	/* an id that could not be stored whole is better left out than cut */
	if (allocation_id && strlen(allocation_id) <= PACT_HANDOFF_ALLOC_ID_MAX) {
		m->has_allocation_id = 1;
		memcpy(m->allocation_id, allocation_id, strlen(allocation_id) + 1);
	}
	m->kind = kind;
	utf8_copy(m->reason, sizeof m->reason, reason ? reason : "");
}

void handoff_msg_ended(struct pact_handoff_msg *m, const char *allocation_id)
{
	memset(m, 0, sizeof *m);
	m->type = PACT_MSG_ALLOCATION_ENDED;
	m->has_allocation_id = 1;
	utf8_copy(m->allocation_id, sizeof m->allocation_id, allocation_id);
}

/* ---------------------------------------------------------------- parse */

struct pctx {
	struct json_doc doc;
	char *why;
	size_t why_cap;
};

__attribute__((format(printf, 2, 3))) static int bad(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->why && c->why_cap) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->why_cap, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int type_err(struct pctx *c, int idx, const char *field, const char *want)
{
	return bad(c, "invalid type for `%s`: %s, expected %s", field,
		   json_type_name(json_type_of(&c->doc, idx)), want);
}

/* A required string field, copied into out. */
static int get_str(struct pctx *c, int obj, const char *field, char *out, size_t cap)
{
	int v = json_obj_get(&c->doc, obj, field);
	if (v == -ENOENT)
		return bad(c, "missing field `%s`", field);
	if (json_type_of(&c->doc, v) != JSON_STRING)
		return type_err(c, v, field, "a string");
	int r = json_get_string(&c->doc, v, out, cap);
	if (r == -ENAMETOOLONG)
		return bad(c, "`%s` is longer than %zu bytes", field, cap - 1);
	if (r < 0)
		return bad(c, "`%s` contains U+0000", field);
	return 0;
}

/* An Option<String> field: absent or null gives *has = 0. */
static int get_opt_str(struct pctx *c, int obj, const char *field, int *has, char *out, size_t cap)
{
	int v = json_obj_get(&c->doc, obj, field);
	*has = 0;
	out[0] = '\0';
	if (v == -ENOENT || json_is_null(&c->doc, v))
		return 0;
	int r = get_str(c, obj, field, out, cap);
	if (r == 0)
		*has = 1;
	return r;
}

static int get_alloc_id(struct pctx *c, int obj, struct pact_handoff_msg *m)
{
	const char *why;
	int r = get_str(c, obj, "allocation_id", m->allocation_id, sizeof m->allocation_id);
	if (r < 0) {
		m->allocation_id[0] = '\0';
		return r;
	}
	if (handoff_check_alloc_id(m->allocation_id, &why) < 0) {
		m->allocation_id[0] = '\0';
		return bad(c, "%s", why);
	}
	m->has_allocation_id = 1;
	return 0;
}

static int get_ns_list(struct pctx *c, int obj, const char *field, struct pact_handoff_msg *m)
{
	int arr = json_obj_get(&c->doc, obj, field);
	if (arr == -ENOENT)
		return bad(c, "missing field `%s`", field);
	if (json_type_of(&c->doc, arr) != JSON_ARRAY)
		return type_err(c, arr, field, "an array");
	int n = json_length(&c->doc, arr);
	if (n < 1 || n > PACT_NS_COUNT)
		return bad(c, "`%s` must list 1 to 3 namespace types, got %d", field, n);
	unsigned seen = 0;
	m->n_ns = 0;
	for (int e = json_first(&c->doc, arr); e >= 0; e = json_next(&c->doc, arr, e)) {
		char name[16];
		enum pact_ns_type t;
		if (json_type_of(&c->doc, e) != JSON_STRING)
			return type_err(c, e, field, "a namespace type string");
		if (json_get_string(&c->doc, e, name, sizeof name) < 0 ||
		    handoff_ns_from_name(name, &t) < 0)
			return bad(c,
				   "unknown namespace type in `%s`, expected one of "
				   "`Pid`, `Net`, `Mount`",
				   field);
		if (seen & (1u << t))
			return bad(c, "duplicate namespace type `%s` in `%s`", ns_names[t], field);
		seen |= 1u << t;
		m->ns[m->n_ns++] = t;
	}
	return 0;
}

static int parse_request(struct pctx *c, int obj, struct pact_handoff_msg *m)
{
	int r = get_alloc_id(c, obj, m);
	if (r == 0)
		r = get_ns_list(c, obj, "namespaces", m);
	if (r == 0)
		r = get_opt_str(c, obj, "uenv_image", &m->has_uenv, m->uenv, sizeof m->uenv);
	if (r == 0 && m->has_uenv && m->uenv[0] == '\0')
		r = bad(c, "`uenv_image` is empty");
	return r;
}

static int parse_response(struct pctx *c, int obj, struct pact_handoff_msg *m)
{
	int r = get_alloc_id(c, obj, m);
	if (r == 0)
		r = get_ns_list(c, obj, "fd_types", m);
	if (r == 0)
		r = get_opt_str(c, obj, "uenv_mount_path", &m->has_uenv, m->uenv, sizeof m->uenv);
	return r;
}

static int parse_error(struct pctx *c, int obj, struct pact_handoff_msg *m)
{
	char kind[32];
	int r = get_opt_str(c, obj, "allocation_id", &m->has_allocation_id, m->allocation_id,
			    sizeof m->allocation_id);
	if (r < 0)
		return r;
	int v = json_obj_get(&c->doc, obj, "kind");
	if (v == -ENOENT)
		return bad(c, "missing field `kind`");
	if (json_type_of(&c->doc, v) != JSON_STRING)
		return type_err(c, v, "kind", "a string");
	if (json_get_string(&c->doc, v, kind, sizeof kind) < 0 ||
	    handoff_err_from_name(kind, &m->kind) < 0)
		return bad(c, "unknown error kind");
	return get_str(c, obj, "reason", m->reason, sizeof m->reason);
}

int handoff_msg_parse(const void *body, size_t len, struct pact_handoff_msg *m, char *why,
		      size_t why_cap)
{
	struct json_node nodes[HANDOFF_MAX_NODES];
	struct pctx c = {.why = why, .why_cap = why_cap};

	memset(m, 0, sizeof *m);
	if (why && why_cap)
		why[0] = '\0';
	int r = json_parse(&c.doc, body, len, nodes, HANDOFF_MAX_NODES);
	if (r < 0)
		return bad(&c, "malformed JSON at byte %zu: %s", c.doc.err_off, c.doc.err);
	if (json_type_of(&c.doc, 0) != JSON_OBJECT)
		return bad(&c, "message is not an object");
	if (json_length(&c.doc, 0) != 1)
		return bad(&c, "message must be an object with exactly one key, the message type");
	int key = json_first(&c.doc, 0), val = key + 1;
	for (int t = PACT_MSG_NAMESPACE_REQUEST; t <= PACT_MSG_ERROR; t++)
		if (json_str_eq(&c.doc, key, tag_names[t]))
			m->type = (enum pact_handoff_type)t;
	if (m->type == PACT_MSG_NONE)
		return bad(&c, "unknown message type, expected one of `NamespaceRequest`, "
			       "`NamespaceResponse`, `AllocationEnded`, `Error`");
	if (json_type_of(&c.doc, val) != JSON_OBJECT)
		return type_err(&c, val, tag_names[m->type], "an object");
	switch (m->type) {
	case PACT_MSG_NAMESPACE_REQUEST:
		return parse_request(&c, val, m);
	case PACT_MSG_NAMESPACE_RESPONSE:
		return parse_response(&c, val, m);
	case PACT_MSG_ALLOCATION_ENDED:
		return get_alloc_id(&c, val, m);
	case PACT_MSG_ERROR:
		return parse_error(&c, val, m);
	case PACT_MSG_NONE:
	default:
		return -EINVAL;
	}
}

/* --------------------------------------------------------------- encode */

static int check_ns(const struct pact_handoff_msg *m, const char **why)
{
	unsigned seen = 0;
	if (m->n_ns < 1 || m->n_ns > PACT_NS_COUNT) {
		*why = "1 to 3 namespace types required";
		return -EINVAL;
	}
	for (unsigned i = 0; i < m->n_ns; i++) {
		if ((unsigned)m->ns[i] >= PACT_NS_COUNT) {
			*why = "unknown namespace type";
			return -EINVAL;
		}
		if (seen & (1u << m->ns[i])) {
			*why = "duplicate namespace type";
			return -EINVAL;
		}
		seen |= 1u << m->ns[i];
	}
	return 0;
}

static int bounded(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

int handoff_msg_check(const struct pact_handoff_msg *m, const char **why)
{
	int r;
	switch (m->type) {
	case PACT_MSG_NAMESPACE_REQUEST:
	case PACT_MSG_NAMESPACE_RESPONSE:
		if (!bounded(m->allocation_id, sizeof m->allocation_id) ||
		    !bounded(m->uenv, sizeof m->uenv)) {
			*why = "unterminated string";
			return -EINVAL;
		}
		r = handoff_check_alloc_id(m->allocation_id, why);
		if (r == 0)
			r = check_ns(m, why);
		if (r == 0 && m->type == PACT_MSG_NAMESPACE_REQUEST && m->has_uenv && !m->uenv[0]) {
			*why = "`uenv_image` is empty";
			r = -EINVAL;
		}
		return r;
	case PACT_MSG_ALLOCATION_ENDED:
		if (!bounded(m->allocation_id, sizeof m->allocation_id)) {
			*why = "unterminated string";
			return -EINVAL;
		}
		return handoff_check_alloc_id(m->allocation_id, why);
	case PACT_MSG_ERROR:
		if (!bounded(m->allocation_id, sizeof m->allocation_id) ||
		    !bounded(m->reason, sizeof m->reason)) {
			*why = "unterminated string";
			return -EINVAL;
		}
		if ((unsigned)m->kind >= PACT_ERR_COUNT) {
			*why = "unknown error kind";
			return -EINVAL;
		}
		return 0;
	case PACT_MSG_NONE:
	default:
		*why = "unknown message type";
		return -EINVAL;
	}
}

static void write_ns(struct json_writer *w, const char *key, const struct pact_handoff_msg *m)
{
	json_w_key(w, key);
	json_w_arr_begin(w);
	for (unsigned i = 0; i < m->n_ns; i++)
		json_w_string(w, ns_names[m->ns[i]]);
	json_w_arr_end(w);
}

int handoff_msg_encode(const struct pact_handoff_msg *m, char *out, size_t cap)
{
	const char *why;
	struct json_writer w;
	if (handoff_msg_check(m, &why) < 0)
		return -EINVAL;
	json_w_init(&w, out, cap);
	json_w_obj_begin(&w);
	json_w_key(&w, tag_names[m->type]);
	json_w_obj_begin(&w);
	switch (m->type) {
	case PACT_MSG_NAMESPACE_REQUEST:
		json_w_key(&w, "allocation_id");
		json_w_string(&w, m->allocation_id);
		write_ns(&w, "namespaces", m);
		json_w_key(&w, "uenv_image");
		json_w_string_or_null(&w, m->has_uenv ? m->uenv : NULL);
		break;
	case PACT_MSG_NAMESPACE_RESPONSE:
		json_w_key(&w, "allocation_id");
		json_w_string(&w, m->allocation_id);
		write_ns(&w, "fd_types", m);
		json_w_key(&w, "uenv_mount_path");
		json_w_string_or_null(&w, m->has_uenv ? m->uenv : NULL);
		break;
	case PACT_MSG_ALLOCATION_ENDED:
		json_w_key(&w, "allocation_id");
		json_w_string(&w, m->allocation_id);
		break;
	case PACT_MSG_ERROR:
		json_w_key(&w, "allocation_id");
		json_w_string_or_null(&w, m->has_allocation_id ? m->allocation_id : NULL);
		json_w_key(&w, "kind");
		json_w_string(&w, err_names[m->kind]);
		json_w_key(&w, "reason");
		json_w_string(&w, m->reason);
		break;
	case PACT_MSG_NONE:
	default:
		return -EINVAL;
	}
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	return json_w_finish(&w);
}

ssize_t handoff_msg_frame(const struct pact_handoff_msg *m, void *out, size_t cap)
{
	char *o = out;
	if (cap < FRAME_HDR_LEN + 1)
		return -ENOSPC;
	/* the writer NUL-terminates: one byte more than the frame, dropped after */
	int n = handoff_msg_encode(m, o + FRAME_HDR_LEN, cap - FRAME_HDR_LEN);
	if (n < 0)
		return n;
	int r = frame_put_header((uint8_t *)o, (size_t)n);
	if (r < 0)
		return r;
	return (ssize_t)n + FRAME_HDR_LEN;
}
