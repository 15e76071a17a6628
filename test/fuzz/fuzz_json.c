/*
 * libFuzzer target: the strict JSON reader and the handoff message parser.
 * Properties checked beyond "no crash": every accessor stays in bounds on
 * any DOM; a message that parses re-encodes, and the encoding parses back
 * to the same bytes (encode is canonical).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/handoff_msg.h"
#include "lib/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct json_doc *d)
{
	char buf[256];
	uint64_t u;
	int64_t i;
	int b;
	for (uint32_t k = 0; k < d->n_nodes; k++) {
		int t = json_type_of(d, (int)k);
		json_get_string(d, (int)k, buf, sizeof buf);
		json_get_u64(d, (int)k, &u);
		json_get_i64(d, (int)k, &i);
		json_get_bool(d, (int)k, &b);
		json_str_eq(d, (int)k, "allocation_id");
		if (t == JSON_OBJECT || t == JSON_ARRAY) {
			int n = 0;
			for (int c = json_first(d, (int)k); c >= 0; c = json_next(d, (int)k, c))
				n++;
			if (n != (int)d->nodes[k].count)
				__builtin_trap();
			json_obj_get(d, (int)k, "kind");
			json_length(d, (int)k);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_node nodes[512];
	struct json_doc d;
	if (json_parse(&d, (const char *)data, size, nodes, 512) == 0) {
		walk(&d);
		if (!json_utf8_valid((const char *)data, size))
			__builtin_trap(); /* accepted JSON is always UTF-8 */
	}

	struct pact_handoff_msg m, m2;
	char why[128], out[8192], out2[8192];
	if (handoff_msg_parse(data, size, &m, why, sizeof why) == 0) {
		int n = handoff_msg_encode(&m, out, sizeof out);
		if (n < 0)
			__builtin_trap(); /* whatever we accept we can write */
		if (handoff_msg_parse(out, (size_t)n, &m2, why, sizeof why) != 0)
			__builtin_trap();
		int n2 = handoff_msg_encode(&m2, out2, sizeof out2);
		if (n2 != n || memcmp(out, out2, (size_t)n) != 0)
			__builtin_trap();
	}
	return 0;
}
