/*
 * The handoff protocol's test vectors: the one source that the unit tests,
 * the fuzz seed corpus and docs/handoff-protocol.md agree on.
 *
 * - handoff_canonical: bodies exactly as our encoder (and serde_json) writes
 *   them; parse + encode must give the same bytes, and the doc must quote
 *   each body and its frame's hex dump verbatim (test_handoff_msg checks this
 *   when run from the repository root; `PACT_PRINT_VECTORS=1
 *   build/test/unit/test_handoff_msg` prints the doc's blocks).
 * - handoff_accepted: other spellings a peer may send; each must parse and
 *   re-encode to `canonical`.
 * - handoff_rejected: hostile or wrong bodies; each must fail with a reason
 *   containing `reason`.
 */
#ifndef PACT_HANDOFF_VECTORS_H
#define PACT_HANDOFF_VECTORS_H

struct handoff_vector {
	const char *name;
	const char *json;
};

static const struct handoff_vector handoff_canonical[] = {
    {"request-full", "{\"NamespaceRequest\":{\"allocation_id\":\"alloc-42\",\"namespaces\":"
		     "[\"Pid\",\"Net\",\"Mount\"],\"uenv_image\":\"pytorch-2.5.sqfs\"}}"},
    {"request-no-uenv", "{\"NamespaceRequest\":{\"allocation_id\":\"alloc-7\",\"namespaces\":"
			"[\"Mount\",\"Pid\"],\"uenv_image\":null}}"},
    {"response-full",
     "{\"NamespaceResponse\":{\"allocation_id\":\"alloc-42\",\"fd_types\":"
     "[\"Pid\",\"Net\",\"Mount\"],\"uenv_mount_path\":\"/run/pact/uenv/pytorch-2.5\"}}"},
    {"response-no-uenv", "{\"NamespaceResponse\":{\"allocation_id\":\"alloc-7\",\"fd_types\":"
			 "[\"Mount\",\"Pid\"],\"uenv_mount_path\":null}}"},
    {"allocation-ended", "{\"AllocationEnded\":{\"allocation_id\":\"alloc-42\"}}"},
    {"error-not-found", "{\"Error\":{\"allocation_id\":\"alloc-9\",\"kind\":"
			"\"AllocationNotFound\",\"reason\":\"no live allocation alloc-9\"}}"},
    {"error-invalid", "{\"Error\":{\"allocation_id\":null,\"kind\":\"InvalidRequest\","
		      "\"reason\":\"allocation_id contains \\\"..\\\"\"}}"},
    {"error-boot-failed", "{\"Error\":{\"allocation_id\":\"alloc-42\",\"kind\":\"BootFailed\","
			  "\"reason\":\"phase network failed\"}}"},
};

struct handoff_accept_vector {
	const char *name;
	const char *json;
	const char *canonical;
};

static const struct handoff_accept_vector handoff_accepted[] = {
    {"fields reordered",
     "{\"NamespaceRequest\":{\"uenv_image\":\"pytorch-2.5.sqfs\",\"namespaces\":[\"Pid\","
     "\"Net\",\"Mount\"],\"allocation_id\":\"alloc-42\"}}",
     "{\"NamespaceRequest\":{\"allocation_id\":\"alloc-42\",\"namespaces\":[\"Pid\",\"Net\","
     "\"Mount\"],\"uenv_image\":\"pytorch-2.5.sqfs\"}}"},
    {"option absent", "{\"NamespaceRequest\":{\"allocation_id\":\"a1\",\"namespaces\":[\"Net\"]}}",
     "{\"NamespaceRequest\":{\"allocation_id\":\"a1\",\"namespaces\":[\"Net\"],"
     "\"uenv_image\":null}}"},
    {"unknown fields ignored",
     "{\"NamespaceRequest\":{\"allocation_id\":\"a1\",\"priority\":{\"x\":[1,2.5e3,true]},"
     "\"namespaces\":[\"Net\"],\"note\":null}}",
     "{\"NamespaceRequest\":{\"allocation_id\":\"a1\",\"namespaces\":[\"Net\"],"
     "\"uenv_image\":null}}"},
    {"whitespace and escapes",
     " {\r\n\t\"AllocationEnded\" : { \"allocation_id\" : \"\\u0061lloc\\u002d1\" } } ",
     "{\"AllocationEnded\":{\"allocation_id\":\"alloc-1\"}}"},
    {"error without allocation_id", "{\"Error\":{\"kind\":\"NotReady\",\"reason\":\"booting\"}}",
     "{\"Error\":{\"allocation_id\":null,\"kind\":\"NotReady\",\"reason\":\"booting\"}}"},
    {"error reason with controls",
     "{\"Error\":{\"allocation_id\":null,\"kind\":\"CreationFailed\",\"reason\":"
     "\"a\\nb\\u0009c\\\"\\\\\\/\"}}",
     "{\"Error\":{\"allocation_id\":null,\"kind\":\"CreationFailed\",\"reason\":"
     "\"a\\nb\\tc\\\"\\\\/\"}}"},
    {"response uenv path absent",
     "{\"NamespaceResponse\":{\"fd_types\":[\"Net\",\"Pid\"],\"allocation_id\":\"x_1.2\"}}",
     "{\"NamespaceResponse\":{\"allocation_id\":\"x_1.2\",\"fd_types\":[\"Net\",\"Pid\"],"
     "\"uenv_mount_path\":null}}"},
};

struct handoff_reject_vector {
	const char *name;
	const char *json;
	unsigned len; /* 0: strlen(json) */
	const char *reason;
};

/* clang-format off */
static const struct handoff_reject_vector handoff_rejected[] = {
	{"empty body", "", 0, "malformed JSON"},
	{"not JSON", "hello", 0, "malformed JSON"},
	{"truncated JSON", "{\"AllocationEnded\":{\"allocation_id\":\"a\"}", 0, "malformed JSON"},
	{"trailing comma", "{\"AllocationEnded\":{\"allocation_id\":\"a\",}}", 0, "malformed JSON"},
	{"invalid UTF-8", "{\"AllocationEnded\":{\"allocation_id\":\"a\xff\"}}", 0, "malformed JSON"},
	{"overlong UTF-8", "{\"AllocationEnded\":{\"allocation_id\":\"\xc0\xae\"}}", 0, "malformed JSON"},
	{"lone surrogate", "{\"AllocationEnded\":{\"allocation_id\":\"\\ud800\"}}", 0, "malformed JSON"},
	{"duplicate field", "{\"AllocationEnded\":{\"allocation_id\":\"a\",\"allocation_id\":\"b\"}}", 0, "malformed JSON"},
	{"duplicate tag", "{\"AllocationEnded\":{\"allocation_id\":\"a\"},\"AllocationEnded\":{\"allocation_id\":\"a\"}}", 0, "malformed JSON"},
	{"not an object", "[\"NamespaceRequest\"]", 0, "not an object"},
	{"bare string tag", "\"AllocationEnded\"", 0, "not an object"},
	{"empty envelope", "{}", 0, "exactly one key"},
	{"two tags", "{\"AllocationEnded\":{\"allocation_id\":\"a\"},\"Error\":{\"kind\":\"NotReady\",\"reason\":\"x\"}}", 0, "exactly one key"},
	{"unknown tag", "{\"NamespaceDestroy\":{\"allocation_id\":\"a\"}}", 0, "unknown message type"},
	{"lowercase tag", "{\"allocationEnded\":{\"allocation_id\":\"a\"}}", 0, "unknown message type"},
	{"tag with null body", "{\"AllocationEnded\":null}", 0, "invalid type"},
	{"struct as array", "{\"AllocationEnded\":[\"a\"]}", 0, "invalid type"},
	{"missing allocation_id", "{\"AllocationEnded\":{}}", 0, "missing field `allocation_id`"},
	{"null allocation_id", "{\"AllocationEnded\":{\"allocation_id\":null}}", 0, "invalid type"},
	{"number allocation_id", "{\"AllocationEnded\":{\"allocation_id\":42}}", 0, "invalid type"},
	{"empty allocation_id", "{\"AllocationEnded\":{\"allocation_id\":\"\"}}", 0, "empty"},
	{"huge allocation_id", "{\"AllocationEnded\":{\"allocation_id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}", 0, "longer than 128"},
	{"../ in allocation_id", "{\"AllocationEnded\":{\"allocation_id\":\"../etc\"}}", 0, "starts with"},
	{".. inside allocation_id", "{\"AllocationEnded\":{\"allocation_id\":\"a..b\"}}", 0, "\"..\""},
	{"slash in allocation_id", "{\"AllocationEnded\":{\"allocation_id\":\"a/b\"}}", 0, "outside"},
	{"leading dash allocation_id", "{\"AllocationEnded\":{\"allocation_id\":\"-rf\"}}", 0, "starts with"},
	{"space in allocation_id", "{\"AllocationEnded\":{\"allocation_id\":\"a b\"}}", 0, "outside"},
	{"newline in allocation_id", "{\"AllocationEnded\":{\"allocation_id\":\"a\\nb\"}}", 0, "outside"},
	{"NUL in allocation_id", "{\"AllocationEnded\":{\"allocation_id\":\"a\\u0000b\"}}", 0, "U+0000"},
	{"non-ASCII allocation_id", "{\"AllocationEnded\":{\"allocation_id\":\"caf\xc3\xa9\"}}", 0, "outside"},
	{"lowercase pid", "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"namespaces\":[\"pid\"]}}", 0, "unknown namespace type"},
	{"unknown namespace", "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"namespaces\":[\"User\"]}}", 0, "unknown namespace type"},
	{"namespace as number", "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"namespaces\":[1]}}", 0, "invalid type"},
	{"namespaces not array", "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"namespaces\":\"Pid\"}}", 0, "invalid type"},
	{"duplicate types", "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"namespaces\":[\"Pid\",\"Net\",\"Pid\"]}}", 0, "duplicate namespace type"},
	{"no types", "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"namespaces\":[]}}", 0, "1 to 3"},
	{"four types", "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"namespaces\":[\"Pid\",\"Net\",\"Mount\",\"Pid\"]}}", 0, "1 to 3"},
	{"missing namespaces", "{\"NamespaceRequest\":{\"allocation_id\":\"a\"}}", 0, "missing field `namespaces`"},
	{"uenv_image number", "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"namespaces\":[\"Pid\"],\"uenv_image\":7}}", 0, "invalid type"},
	{"uenv_image empty", "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"namespaces\":[\"Pid\"],\"uenv_image\":\"\"}}", 0, "empty"},
	{"error unknown kind", "{\"Error\":{\"allocation_id\":null,\"kind\":\"Oops\",\"reason\":\"x\"}}", 0, "unknown error kind"},
	{"error lowercase kind", "{\"Error\":{\"allocation_id\":null,\"kind\":\"notReady\",\"reason\":\"x\"}}", 0, "unknown error kind"},
	{"error missing reason", "{\"Error\":{\"allocation_id\":null,\"kind\":\"NotReady\"}}", 0, "missing field `reason`"},
	{"nesting in unknown field", "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}", 0, "nested too deep"},
};
/* clang-format on */

#endif
