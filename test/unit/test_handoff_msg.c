/*
 * Unit tests for the handoff messages: the spec's example bytes, the shared
 * test vectors (canonical, accepted, rejected), encoder limits, and the
 * agreement between the vectors and docs/handoff-protocol.md.
 *
 * PACT_PRINT_VECTORS=1: print the doc's vector blocks (markdown) and exit.
 * PACT_WRITE_CORPUS=DIR: write fuzz seeds DIR/json/<name>.json and
 * DIR/frame/<name>.bin (a read-size byte, then the frame twice) from the
 * vectors, then run the tests.
 */
#include "lib/frame.h"
#include "proto/handoff_msg.h"
#include "handoff_vectors.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static char why[256];

/* "00 00 00 74 7b ..." in lines of 16 bytes. */
static size_t hexdump(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02x%s", p[i],
				      i + 1 == n ? "\n" : (i % 16 == 15 ? "\n" : " "));
	out[o] = '\0';
	return o;
}

static size_t vec_frame(const char *json, uint8_t *out, size_t cap)
{
	ssize_t n = frame_encode(json, strlen(json), out, cap);
	return n < 0 ? 0 : (size_t)n;
}

static void print_vectors(void)
{
	static uint8_t frm[2048];
	static char hex[8192];
	for (size_t i = 0; i < N_OF(handoff_canonical); i++) {
		const struct handoff_vector *v = &handoff_canonical[i];
		size_t n = vec_frame(v->json, frm, sizeof frm);
		hexdump(frm, n, hex, sizeof hex);
		printf("### `%s` (%zu-byte body)\n\n```json\n%s\n```\n\n```\n%s```\n\n", v->name,
		       strlen(v->json), v->json, hex);
	}
}

static void write_corpus(const char *dir)
{
	static uint8_t frm[2048];
	char path[512];
	FILE *f;
	for (size_t i = 0; i < N_OF(handoff_canonical); i++) {
		const struct handoff_vector *v = &handoff_canonical[i];
		snprintf(path, sizeof path, "%s/json/%s.json", dir, v->name);
		if ((f = fopen(path, "we"))) {
			fputs(v->json, f);
			fclose(f);
		}
		size_t n = vec_frame(v->json, frm, sizeof frm);
		snprintf(path, sizeof path, "%s/frame/%s.bin", dir, v->name);
		if ((f = fopen(path, "we"))) {
			fputc(7, f); /* fuzz_frame's first byte: read size 8 */
			fwrite(frm, 1, n, f);
			fwrite(frm, 1, n, f); /* two frames back to back */
			fclose(f);
		}
	}
	for (size_t i = 0; i < N_OF(handoff_rejected); i++) {
		const struct handoff_reject_vector *v = &handoff_rejected[i];
		snprintf(path, sizeof path, "%s/json/rejected-%02zu.json", dir, i);
		if ((f = fopen(path, "we"))) {
			fwrite(v->json, 1, v->len ? v->len : strlen(v->json), f);
			fclose(f);
		}
	}
}

static void test_spec_example(void)
{
	struct pact_handoff_msg m;
	memset(&m, 0, sizeof m);
	m.type = PACT_MSG_NAMESPACE_REQUEST;
	strcpy(m.allocation_id, "alloc-42");
	m.n_ns = 3;
	m.ns[0] = PACT_NS_PID;
	m.ns[1] = PACT_NS_NET;
	m.ns[2] = PACT_NS_MOUNT;
	m.has_uenv = 1;
	strcpy(m.uenv, "pytorch-2.5.sqfs");

	char body[512];
	int n = handoff_msg_encode(&m, body, sizeof body);
	is_int(n, 116, "the spec's example request is 116 bytes");
	is_str(body,
	       "{\"NamespaceRequest\":{\"allocation_id\":\"alloc-42\",\"namespaces\":[\"Pid\","
	       "\"Net\",\"Mount\"],\"uenv_image\":\"pytorch-2.5.sqfs\"}}",
	       "the spec's example request, byte for byte");
	uint8_t frm[512];
	ssize_t fn = handoff_msg_frame(&m, frm, sizeof frm);
	static const uint8_t head[] = {0x00, 0x00, 0x00, 0x74, 0x7b, 0x22, 0x4e, 0x61};
	ok(fn == 120 && memcmp(frm, head, sizeof head) == 0,
	   "its frame starts 00 00 00 74 7b 22 4e 61");
	is_int(handoff_msg_frame(&m, frm, 120), -ENOSPC, "frame needs room for the NUL");
	is_int(handoff_msg_frame(&m, frm, 121), 120, "frame fits in 121 bytes");

	struct pact_handoff_msg p;
	is_int(handoff_msg_parse(body, (size_t)n, &p, why, sizeof why), 0, "example parses");
	ok(p.type == PACT_MSG_NAMESPACE_REQUEST && strcmp(p.allocation_id, "alloc-42") == 0 &&
	       p.n_ns == 3 && p.ns[0] == PACT_NS_PID && p.ns[1] == PACT_NS_NET &&
	       p.ns[2] == PACT_NS_MOUNT && p.has_uenv && strcmp(p.uenv, "pytorch-2.5.sqfs") == 0,
	   "example fields parsed in order");

	m.has_uenv = 0;
	n = handoff_msg_encode(&m, body, sizeof body);
	ok(n > 0 && strstr(body, "\"uenv_image\":null}}"), "None is written as null");
}

static void test_canonical(void)
{
	for (size_t i = 0; i < N_OF(handoff_canonical); i++) {
		const struct handoff_vector *v = &handoff_canonical[i];
		struct pact_handoff_msg m;
		char out[2048];
		int r = handoff_msg_parse(v->json, strlen(v->json), &m, why, sizeof why);
		is_int(r, 0, "canonical %s parses %s", v->name, why);
		int n = handoff_msg_encode(&m, out, sizeof out);
		ok(n == (int)strlen(v->json) && strcmp(out, v->json) == 0,
		   "canonical %s re-encodes to the same bytes", v->name);
	}
	struct pact_handoff_msg m;
	handoff_msg_parse(handoff_canonical[2].json, strlen(handoff_canonical[2].json), &m, why,
			  sizeof why);
	ok(m.type == PACT_MSG_NAMESPACE_RESPONSE && m.has_uenv &&
	       strcmp(m.uenv, "/run/pact/uenv/pytorch-2.5") == 0,
	   "response uenv_mount_path parsed");
	handoff_msg_parse(handoff_canonical[6].json, strlen(handoff_canonical[6].json), &m, why,
			  sizeof why);
	ok(m.type == PACT_MSG_ERROR && !m.has_allocation_id && m.kind == PACT_ERR_INVALID_REQUEST &&
	       strcmp(m.reason, "allocation_id contains \"..\"") == 0,
	   "error with null id parsed");
}

static void test_accepted(void)
{
	for (size_t i = 0; i < N_OF(handoff_accepted); i++) {
		const struct handoff_accept_vector *v = &handoff_accepted[i];
		struct pact_handoff_msg m;
		char out[2048];
		int r = handoff_msg_parse(v->json, strlen(v->json), &m, why, sizeof why);
		is_int(r, 0, "accepts %s %s", v->name, why);
		handoff_msg_encode(&m, out, sizeof out);
		is_str(out, v->canonical, "%s re-encodes canonically", v->name);
	}
}

static void test_rejected(void)
{
	for (size_t i = 0; i < N_OF(handoff_rejected); i++) {
		const struct handoff_reject_vector *v = &handoff_rejected[i];
		struct pact_handoff_msg m;
		size_t len = v->len ? v->len : strlen(v->json);
		int r = handoff_msg_parse(v->json, len, &m, why, sizeof why);
		ok(r == -EINVAL && strstr(why, v->reason), "rejects %s: %s", v->name, why);
	}
}

static void test_hostile_sizes(void)
{
	static char buf[FRAME_MAX_BODY + 64];
	struct pact_handoff_msg m;
	int n, r;

	/* allocation_id of 10000 bytes */
	n = snprintf(buf, sizeof buf, "{\"AllocationEnded\":{\"allocation_id\":\"");
	memset(buf + n, 'a', 10000);
	n += 10000;
	n += snprintf(buf + n, sizeof buf - (size_t)n, "\"}}");
	r = handoff_msg_parse(buf, (size_t)n, &m, why, sizeof why);
	ok(r == -EINVAL && strstr(why, "longer than 128"), "10000-byte allocation_id: %s", why);

	/* exactly 128 is fine */
	n = snprintf(buf, sizeof buf, "{\"AllocationEnded\":{\"allocation_id\":\"");
	memset(buf + n, 'b', 128);
	n += 128;
	n += snprintf(buf + n, sizeof buf - (size_t)n, "\"}}");
	is_int(handoff_msg_parse(buf, (size_t)n, &m, why, sizeof why), 0,
	       "128-byte allocation_id accepted");

	/* 10000-deep nesting as the body and inside an unknown field */
	for (int i = 0; i < 10000; i++) {
		buf[i] = '[';
		buf[10000 + i] = ']';
	}
	r = handoff_msg_parse(buf, 20000, &m, why, sizeof why);
	ok(r == -EINVAL && strstr(why, "too deep"), "10000-deep nesting: %s", why);

	/* a body of the maximum frame size with a huge unknown field */
	n = snprintf(buf, sizeof buf, "{\"AllocationEnded\":{\"allocation_id\":\"a\",\"pad\":\"");
	memset(buf + n, 'p', FRAME_MAX_BODY - (size_t)n - 3);
	memcpy(buf + FRAME_MAX_BODY - 3, "\"}}", 3);
	is_int(handoff_msg_parse(buf, FRAME_MAX_BODY, &m, why, sizeof why), 0,
	       "65536-byte body with a huge unknown string accepted");

	/* many values exhaust the node budget cleanly */
	n = snprintf(buf, sizeof buf, "{\"AllocationEnded\":{\"allocation_id\":\"a\",\"pad\":[");
	for (int i = 0; i < 1000; i++)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "0,");
	n += snprintf(buf + n - 1, sizeof buf - (size_t)n, "]}}") - 1;
	r = handoff_msg_parse(buf, (size_t)n, &m, why, sizeof why);
	ok(r == -EINVAL && strstr(why, "too many values"), "1000 values in an unknown field: %s",
	   why);

	/* huge uenv_image */
	n = snprintf(buf, sizeof buf,
		     "{\"NamespaceRequest\":{\"allocation_id\":\"a\",\"namespaces\":[\"Pid\"],"
		     "\"uenv_image\":\"");
	memset(buf + n, 'u', 5000);
	n += 5000;
	n += snprintf(buf + n, sizeof buf - (size_t)n, "\"}}");
	r = handoff_msg_parse(buf, (size_t)n, &m, why, sizeof why);
	ok(r == -EINVAL && strstr(why, "uenv_image") && strstr(why, "longer"),
	   "5000-byte uenv_image: %s", why);
	ok(m.has_allocation_id && strcmp(m.allocation_id, "a") == 0 &&
	       m.type == PACT_MSG_NAMESPACE_REQUEST,
	   "a failed request still names its valid allocation_id");
}

static void test_encode_checks(void)
{
	struct pact_handoff_msg m;
	char out[512];
	memset(&m, 0, sizeof m);
	is_int(handoff_msg_encode(&m, out, sizeof out), -EINVAL, "type NONE refused");
	m.type = PACT_MSG_NAMESPACE_REQUEST;
	strcpy(m.allocation_id, "ok-1");
	is_int(handoff_msg_encode(&m, out, sizeof out), -EINVAL, "no namespace types refused");
	m.n_ns = 2;
	m.ns[0] = PACT_NS_NET;
	m.ns[1] = PACT_NS_NET;
	is_int(handoff_msg_encode(&m, out, sizeof out), -EINVAL, "duplicate types refused");
	m.ns[1] = PACT_NS_PID;
	strcpy(m.allocation_id, "../x");
	is_int(handoff_msg_encode(&m, out, sizeof out), -EINVAL, "bad allocation_id refused");
	strcpy(m.allocation_id, "ok-1");
	int n = handoff_msg_encode(&m, out, sizeof out);
	ok(n > 0, "valid request encodes");
	is_int(handoff_msg_encode(&m, out, (size_t)n), -ENOSPC, "one byte short is -ENOSPC");

	handoff_msg_error(&m, NULL, PACT_ERR_PERMISSION_DENIED, "uid 1000 may not connect");
	n = handoff_msg_encode(&m, out, sizeof out);
	is_str(out,
	       "{\"Error\":{\"allocation_id\":null,\"kind\":\"PermissionDenied\",\"reason\":"
	       "\"uid 1000 may not connect\"}}",
	       "error constructor with null id");
	static char longr[3000];
	memset(longr, 'r', sizeof longr - 1);
	memcpy(longr + PACT_HANDOFF_REASON_MAX - 1, "\xc3\xa9", 2); /* straddles the bound */
	handoff_msg_error(&m, "a", PACT_ERR_CREATION_FAILED, longr);
	is_int((int)strlen(m.reason), PACT_HANDOFF_REASON_MAX - 1,
	       "long reason cut before a split UTF-8 sequence");
	char big[4096];
	ok(handoff_msg_encode(&m, big, sizeof big) > 0, "cut reason still encodes (valid UTF-8)");

	for (int k = 0; k < PACT_ERR_COUNT; k++) {
		enum pact_handoff_err back;
		ok(handoff_err_from_name(pact_handoff_err_name((enum pact_handoff_err)k), &back) ==
			   0 &&
		       back == (enum pact_handoff_err)k,
		   "error kind %s round trips", pact_handoff_err_name((enum pact_handoff_err)k));
	}
	ok(pact_handoff_err_name(PACT_ERR_COUNT) == NULL, "out of range kind has no name");
	ok(pact_ns_type_name(PACT_NS_COUNT) == NULL, "out of range ns has no name");
}

/* Every canonical vector's body and hex dump appear verbatim in the doc. */
static void test_doc_agrees(void)
{
	static char doc[65536];
	static uint8_t frm[2048];
	static char hex[8192];
	ssize_t n = -1;
	FILE *f = fopen("docs/handoff-protocol.md", "re");
	if (f) {
		n = (ssize_t)fread(doc, 1, sizeof doc - 1, f);
		fclose(f);
	}
	if (n < 0) {
		skip("run from the repository root to check the doc", "doc quotes the vectors");
		return;
	}
	doc[n] = '\0';
	for (size_t i = 0; i < N_OF(handoff_canonical); i++) {
		const struct handoff_vector *v = &handoff_canonical[i];
		size_t fl = vec_frame(v->json, frm, sizeof frm);
		hexdump(frm, fl, hex, sizeof hex);
		ok(strstr(doc, v->json) && strstr(doc, hex), "doc quotes vector %s and its frame",
		   v->name);
	}
}

int main(void)
{
	if (getenv("PACT_PRINT_VECTORS")) {
		print_vectors();
		return 0;
	}
	if (getenv("PACT_WRITE_CORPUS"))
		write_corpus(getenv("PACT_WRITE_CORPUS"));
	test_spec_example();
	test_canonical();
	test_accepted();
	test_rejected();
	test_hostile_sizes();
	test_encode_checks();
	test_doc_agrees();
	return done_testing();
}
