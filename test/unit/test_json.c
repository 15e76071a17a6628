/*
 * Unit tests for the strict JSON reader and the bounded writer.
 */
#include "lib/json.h"
#include "lib/utf8.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define MAXN 256
static struct json_node nodes[MAXN];

static int parse(struct json_doc *d, const char *s, size_t len)
{
	return json_parse(d, s, len, nodes, MAXN);
}

static int parse_s(struct json_doc *d, const char *s)
{
	return parse(d, s, strlen(s));
}

/* Inputs that must parse. */
static const char *const valid[] = {
    "{}",
    "[]",
    "0",
    "-0",
    "1.5e10",
    "-12.25E-3",
    "1E+2",
    "\"\"",
    "true",
    "false",
    "null",
    " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
    "{\"a\":{\"b\":{\"c\":[[],{}]}}}",
    "\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
    "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"",
    "\"\xef\xbf\xbf\"",			 /* U+FFFF */
    "\"\xf4\x8f\xbf\xbf\"",		 /* U+10FFFF */
    "{\"a\":1,\"b\":1}",		 /* same value, different keys */
    "{\"a\":{\"x\":1},\"b\":{\"x\":1}}", /* same key in different objects */
    "[\"\x7f\"]",
};

struct bad {
	const char *in;
	size_t len; /* 0: strlen */
	const char *what;
};

/* Inputs that must be rejected, with why. */
static const struct bad invalid[] = {
    {"", 0, "empty"},
    {"   ", 0, "whitespace only"},
    {"[1,]", 0, "trailing comma in array"},
    {"{\"a\":1,}", 0, "trailing comma in object"},
    {"[,1]", 0, "leading comma"},
    {"[1 2]", 0, "missing comma"},
    {"{\"a\" 1}", 0, "missing colon"},
    {"{a:1}", 0, "unquoted key"},
    {"{1:1}", 0, "number key"},
    {"['a']", 0, "single quotes"},
    {"/* c */ 1", 0, "comment"},
    {"[1] // c", 0, "line comment"},
    {"NaN", 0, "NaN"},
    {"Infinity", 0, "Infinity"},
    {"-Infinity", 0, "-Infinity"},
    {"01", 0, "leading zero"},
    {"-01", 0, "negative leading zero"},
    {"+1", 0, "leading plus"},
    {"1.", 0, "bare decimal point"},
    {".5", 0, "no integer part"},
    {"1e", 0, "empty exponent"},
    {"1e+", 0, "empty signed exponent"},
    {"-", 0, "minus alone"},
    {"0x10", 0, "hex number"},
    {"tru", 0, "truncated literal"},
    {"True", 0, "capitalised literal"},
    {"nul", 0, "truncated null"},
    {"\"abc", 0, "unterminated string"},
    {"\"a\tb\"", 0, "raw tab in string"},
    {"\"a\nb\"", 0, "raw newline in string"},
    {"\"a\x01\"", 0, "raw control char"},
    {"\"\\x41\"", 0, "bad escape \\x"},
    {"\"\\'\"", 0, "bad escape \\'"},
    {"\"\\u12\"", 0, "short \\u escape"},
    {"\"\\u12G4\"", 0, "non-hex \\u escape"},
    {"\"\\ud800\"", 0, "lone high surrogate escape"},
    {"\"\\udc00\"", 0, "lone low surrogate escape"},
    {"\"\\ud800\\u0041\"", 0, "high surrogate + non-low escape"},
    {"\"\\ud800x\"", 0, "high surrogate + raw char"},
    {"\"\\ude00\\ud83d\"", 0, "reversed surrogate pair"},
    {"\"\xc3\"", 0, "truncated 2-byte UTF-8"},
    {"\"\xc0\xaf\"", 0, "overlong '/' (C0 AF)"},
    {"\"\xc1\xbf\"", 0, "overlong (C1)"},
    {"\"\xe0\x80\xaf\"", 0, "overlong 3-byte"},
    {"\"\xf0\x80\x80\xaf\"", 0, "overlong 4-byte"},
    {"\"\xed\xa0\x80\"", 0, "encoded surrogate U+D800"},
    {"\"\xed\xbf\xbf\"", 0, "encoded surrogate U+DFFF"},
    {"\"\xf4\x90\x80\x80\"", 0, "above U+10FFFF"},
    {"\"\xf5\x80\x80\x80\"", 0, "F5 lead byte"},
    {"\"\xff\"", 0, "FF byte"},
    {"\"\x80\"", 0, "stray continuation"},
    {"\"\xe2\x82\"", 0, "truncated 3-byte"},
    {"\xef\xbb\xbf{}", 0, "UTF-8 BOM"},
    {"{} {}", 0, "two top-level values"},
    {"{}x", 0, "trailing garbage"},
    {"[1]]", 0, "extra close"},
    {"[1}", 0, "mismatched close"},
    {"{\"a\":1]", 0, "mismatched close in object"},
    {"{\"a\":1,\"a\":2}", 0, "duplicate key"},
    {"{\"a\":1,\"\\u0061\":2}", 0, "duplicate key via escape"},
    {"{\"k\":{\"x\":1},\"b\":2,\"k\":3}", 0, "duplicate key after a nested object"},
    {"{\"a\":1", 0, "unclosed object"},
    {"[", 0, "unclosed array"},
    {"\"a\0b\"", 5, "raw NUL in string"},
    {"[1]\0", 4, "NUL after value"},
};

static void test_valid(void)
{
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		struct json_doc d;
		int r = parse_s(&d, valid[i]);
		ok(r == 0, "valid %zu parses: %s", i, r ? d.err : "");
	}
}

static void test_invalid(void)
{
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		struct json_doc d;
		const struct bad *b = &invalid[i];
		int r = parse(&d, b->in, b->len ? b->len : strlen(b->in));
		ok(r == -EINVAL && d.err && d.n_nodes == 0, "rejects %s (%s)", b->what,
		   d.err ? d.err : "?");
	}
}

static void test_depth(void)
{
	static char buf[20001];
	struct json_doc d;
	for (int i = 0; i < 10000; i++) {
		buf[i] = '[';
		buf[10000 + i] = ']';
	}
	int r = parse(&d, buf, 20000);
	is_int(r, -E2BIG, "10000-deep nesting rejected cleanly (%s)", d.err ? d.err : "");
	for (int i = 0; i < 10000; i++)
		buf[i] = '{';
	r = parse(&d, buf, 10000);
	ok(r == -EINVAL || r == -E2BIG, "10000 open braces rejected");

	/* exactly JSON_MAX_DEPTH is fine, one more is not */
	char b2[2 * JSON_MAX_DEPTH + 3];
	for (int i = 0; i < JSON_MAX_DEPTH; i++) {
		b2[i] = '[';
		b2[JSON_MAX_DEPTH + i] = ']';
	}
	is_int(parse(&d, b2, 2 * JSON_MAX_DEPTH), 0, "depth %d accepted", JSON_MAX_DEPTH);
	memmove(b2 + 1, b2, 2 * JSON_MAX_DEPTH);
	b2[0] = '[';
	b2[2 * JSON_MAX_DEPTH + 1] = ']';
	is_int(parse(&d, b2, 2 * JSON_MAX_DEPTH + 2), -E2BIG, "depth %d rejected",
	       JSON_MAX_DEPTH + 1);
}

static void test_limits(void)
{
	struct json_doc d;
	static char big[JSON_MAX_INPUT + 2];
	/* a string filling exactly the maximum input */
	memset(big, 'a', sizeof big);
	big[0] = '"';
	big[JSON_MAX_INPUT - 1] = '"';
	is_int(parse(&d, big, JSON_MAX_INPUT), 0, "string of %d bytes accepted",
	       JSON_MAX_INPUT - 2);
	char out[64];
	is_int(json_get_string(&d, 0, out, sizeof out), -ENAMETOOLONG,
	       "huge string does not fit a bounded buffer");
	big[JSON_MAX_INPUT] = '"';
	big[JSON_MAX_INPUT - 1] = 'a';
	is_int(parse(&d, big, JSON_MAX_INPUT + 1), -E2BIG, "input over %d bytes rejected",
	       JSON_MAX_INPUT);

	/* node array exhaustion */
	char arr[2 * MAXN + 8];
	size_t n = 0;
	arr[n++] = '[';
	for (int i = 0; i < MAXN; i++) {
		arr[n++] = '1';
		arr[n++] = ',';
	}
	arr[n - 1] = ']';
	is_int(parse(&d, arr, n), -E2BIG, "more values than nodes rejected");
	arr[n - 3] = ']'; /* MAXN-1 elements + the array = MAXN nodes */
	is_int(parse(&d, arr, n - 2), 0, "exactly max_nodes values accepted");
}

static void test_dom(void)
{
	struct json_doc d;
	const char *s = "{\"name\":\"a\\\"b\\u00e9\",\"n\":[1,2,{\"x\":null}],\"t\":true,"
			"\"big\":18446744073709551615,\"over\":18446744073709551616,"
			"\"neg\":-9223372036854775808,\"f\":1.5,\"nul\":\"a\\u0000b\"}";
	int r = parse_s(&d, s);
	is_int(r, 0, "DOM sample parses");
	is_int(json_type_of(&d, 0), JSON_OBJECT, "root is an object");
	is_int(json_length(&d, 0), 8, "8 members");
	char buf[32];
	int v = json_obj_get(&d, 0, "name");
	is_int(json_get_string(&d, v, buf, sizeof buf), 5, "decoded length");
	is_str(buf, "a\"b\xc3\xa9", "escapes decoded to UTF-8");
	ok(json_str_eq(&d, v, "a\"b\xc3\xa9"), "str_eq on escaped string");
	ok(!json_str_eq(&d, v, "a\"b"), "str_eq rejects a prefix");
	is_int(json_get_string(&d, v, buf, 5), -ENAMETOOLONG, "cap exactly one short");
	is_int(json_get_string(&d, v, buf, 7), 5, "cap with room for NUL");

	int arr = json_obj_get(&d, 0, "n");
	is_int(json_length(&d, arr), 3, "array length");
	int e = json_first(&d, arr);
	uint64_t u;
	ok(json_get_u64(&d, e, &u) == 0 && u == 1, "first element 1");
	e = json_next(&d, arr, e);
	ok(json_get_u64(&d, e, &u) == 0 && u == 2, "second element 2");
	e = json_next(&d, arr, e);
	is_int(json_type_of(&d, e), JSON_OBJECT, "third element object");
	ok(json_is_null(&d, json_obj_get(&d, e, "x")), "nested null");
	is_int(json_next(&d, arr, e), -ENOENT, "end of array");
	is_int(json_obj_get(&d, e, "y"), -ENOENT, "absent key");

	int b;
	ok(json_get_bool(&d, json_obj_get(&d, 0, "t"), &b) == 0 && b == 1, "bool");
	ok(json_get_u64(&d, json_obj_get(&d, 0, "big"), &u) == 0 && u == UINT64_MAX, "u64 max");
	is_int(json_get_u64(&d, json_obj_get(&d, 0, "over"), &u), -ERANGE, "u64 overflow");
	int64_t i64;
	ok(json_get_i64(&d, json_obj_get(&d, 0, "neg"), &i64) == 0 && i64 == INT64_MIN, "i64 min");
	is_int(json_get_u64(&d, json_obj_get(&d, 0, "neg"), &u), -ERANGE, "negative as u64");
	is_int(json_get_u64(&d, json_obj_get(&d, 0, "f"), &u), -EINVAL, "fraction as u64");
	is_int(json_get_u64(&d, json_obj_get(&d, 0, "name"), &u), -EINVAL, "string as u64");
	is_int(json_get_string(&d, json_obj_get(&d, 0, "t"), buf, sizeof buf), -EINVAL,
	       "bool as string");
	is_int(json_get_string(&d, json_obj_get(&d, 0, "nul"), buf, sizeof buf), -EINVAL,
	       "string with U+0000 refused as C string");
	is_int(json_obj_get(&d, arr, "x"), -EINVAL, "obj_get on an array");
	is_int(json_type_of(&d, 9999), -EINVAL, "out of range index");

	/* object iteration: key, value, key, value */
	int k = json_first(&d, 0), n = 0;
	while (k >= 0) {
		n++;
		k = json_next(&d, 0, k);
	}
	is_int(n, 16, "iteration visits 8 keys and 8 values");

	is_int(parse_s(&d, "\"\\ud83d\\ude00\""), 0, "surrogate pair parses");
	is_int(json_get_string(&d, 0, buf, sizeof buf), 4, "surrogate pair decodes to 4 bytes");
	is_str(buf, "\xf0\x9f\x98\x80", "U+1F600");
	is_int(parse_s(&d, "\"\\u002F\\/\""), 0, "escaped solidus");
	is_int(json_get_string(&d, 0, buf, sizeof buf), 2, "two solidi");
	is_str(buf, "//", "solidus decoded");
}

static void test_writer(void)
{
	char buf[128];
	struct json_writer w;
	json_w_init(&w, buf, sizeof buf);
	json_w_obj_begin(&w);
	json_w_key(&w, "s");
	json_w_string(&w, "q\"b\\n\n\t\r\b\f\x01\x1f\x7f\xc3\xa9/");
	json_w_key(&w, "a");
	json_w_arr_begin(&w);
	json_w_u64(&w, 18446744073709551615ull);
	json_w_i64(&w, -5);
	json_w_bool(&w, 1);
	json_w_bool(&w, 0);
	json_w_null(&w);
	json_w_arr_begin(&w);
	json_w_arr_end(&w);
	json_w_obj_begin(&w);
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_key(&w, "o");
	json_w_string_or_null(&w, NULL);
	json_w_obj_end(&w);
	int n = json_w_finish(&w);
	const char *want = "{\"s\":\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\xc3\xa9/\","
			   "\"a\":[18446744073709551615,-5,true,false,null,[],{}],\"o\":null}";
	is_int(n, (int)strlen(want), "writer length");
	is_str(buf, want, "writer output escaped like serde_json");

	/* the output reads back */
	struct json_doc d;
	is_int(parse(&d, buf, (size_t)n), 0, "writer output parses");
	char s[64];
	json_get_string(&d, json_obj_get(&d, 0, "s"), s, sizeof s);
	is_str(s, "q\"b\\n\n\t\r\b\f\x01\x1f\x7f\xc3\xa9/", "string round trip");

	/* overflow at every size is detected and never writes past cap */
	int all = 1;
	for (size_t cap = 0; cap <= (size_t)n; cap++) {
		char small[128];
		memset(small, 'Z', sizeof small);
		json_w_init(&w, small, cap);
		json_w_obj_begin(&w);
		json_w_key(&w, "s");
		json_w_string(&w, "q\"b\\n\n\t\r\b\f\x01\x1f\x7f\xc3\xa9/");
		json_w_key(&w, "a");
		json_w_arr_begin(&w);
		json_w_u64(&w, 18446744073709551615ull);
		json_w_i64(&w, -5);
		json_w_bool(&w, 1);
		json_w_bool(&w, 0);
		json_w_null(&w);
		json_w_arr_begin(&w);
		json_w_arr_end(&w);
		json_w_obj_begin(&w);
		json_w_obj_end(&w);
		json_w_arr_end(&w);
		json_w_key(&w, "o");
		json_w_null(&w);
		json_w_obj_end(&w);
		if (json_w_finish(&w) != -ENOSPC || small[cap] != 'Z')
			all = 0;
	}
	ok(all, "-ENOSPC for every cap up to the exact length, no byte written past cap");

	/* bytes that are not UTF-8: one U+FFFD each, the rest as it is */
	static const struct {
		const char *in, *out, *what;
	} lossy[] = {
	    {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"", "an overlong '/'"},
	    {"a\xff"
	     "b",
	     "\"a\xef\xbf\xbd"
	     "b\"",
	     "a byte that never starts a character"},
	    {"caf\xc3", "\"caf\xef\xbf\xbd\"", "a character cut at the end"},
	    {"\xed\xa0\x80x", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx\"", "a surrogate"},
	    {"\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
	     "above U+10FFFF"},
	    {"\x80\"\xe2\x82\xac\xf0\x9f\x98\x80",
	     "\"\xef\xbf\xbd\\\"\xe2\x82\xac\xf0\x9f\x98\x80\"",
	     "a stray continuation byte before valid ones"},
	};
	for (size_t i = 0; i < sizeof lossy / sizeof lossy[0]; i++) {
		json_w_init(&w, buf, sizeof buf);
		json_w_string(&w, lossy[i].in);
		int r = json_w_finish(&w);
		is_str(r > 0 ? buf : "(error)", lossy[i].out, "writer replaces %s", lossy[i].what);
		ok(r > 0 && parse(&d, buf, (size_t)r) == 0, "and its output parses");
	}
	json_w_init(&w, buf, sizeof buf);
	json_w_obj_begin(&w);
	json_w_string(&w, "x");
	is_int(json_w_finish(&w), -EINVAL, "value without key refused");
	json_w_init(&w, buf, sizeof buf);
	json_w_arr_begin(&w);
	json_w_obj_end(&w);
	is_int(json_w_finish(&w), -EINVAL, "mismatched end refused");
	json_w_init(&w, buf, sizeof buf);
	json_w_arr_begin(&w);
	is_int(json_w_finish(&w), -EINVAL, "unclosed array refused");
	json_w_init(&w, buf, sizeof buf);
	json_w_null(&w);
	json_w_null(&w);
	is_int(json_w_finish(&w), -EINVAL, "two top-level values refused");
	json_w_init(&w, buf, sizeof buf);
	is_int(json_w_finish(&w), -EINVAL, "empty output refused");

	/* every control character escapes and reads back */
	char ctl[33], big2[256];
	for (int i = 0; i < 32; i++)
		ctl[i] = (char)(i + 1 == 32 ? 0x7f : i + 1);
	ctl[32] = '\0';
	json_w_init(&w, big2, sizeof big2);
	json_w_string(&w, ctl);
	n = json_w_finish(&w);
	ok(n > 0 && parse(&d, big2, (size_t)n) == 0, "control characters escaped validly");
	char back[64];
	json_get_string(&d, 0, back, sizeof back);
	is_str(back, ctl, "control characters round trip");
}

/* Cutting on a character boundary (lib/utf8.h). */
static void test_utf8_cut(void)
{
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* a é € 😀: 1+2+3+4 bytes */
	static const size_t want[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10};
	int all = 1;
	for (size_t n = 0; n <= 10; n++)
		if (utf8_cut(s, n) != want[n]) {
			printf("# utf8_cut(%zu) = %zu, want %zu\n", n, utf8_cut(s, n), want[n]);
			all = 0;
		}
	ok(all, "utf8_cut never ends inside a character, and keeps whole ones");
	is_int(utf8_cut("ab\xff", 3), 3, "a byte that is not UTF-8 is left for the writer");
	is_int(utf8_cut("\x80\x80", 2), 2, "stray continuation bytes too");
	char out[8];
	is_int(utf8_copy(out, sizeof out, "x\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), 5,
	       "utf8_copy cuts before the character that does not fit");
	is_str(out, "x\xf0\x9f\x98\x80", "and keeps the one that does");
	char small[6];
	is_int(utf8_fmt(small, sizeof small, "%s%d", "abc\xe2\x82\xac", 42), 3,
	       "utf8_fmt cuts a truncated result on a boundary");
	ok(utf8_valid(small, strlen(small)), "its output is valid UTF-8 (%s)", small);
}

/* json_escaped_len counts what the writer writes, byte for byte */
static void test_escaped_len(void)
{
	static const char *const strs[] = {"plain",
					   "\x1b[31mred\x1b[0m\n",
					   "tab\tquote\"back\\",
					   "\xc3\xa9t\xc3\xa9 \xe2\x80\xa6",
					   "bad \xff\xc0\xaf end",
					   "\x01\x02\x7f\xf0\x9f\x98\x80",
					   ""};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		char buf[256];
		struct json_writer w;
		json_w_init(&w, buf, sizeof buf);
		json_w_string(&w, strs[i]);
		int n = json_w_finish(&w);
		is_int((long long)json_escaped_len(strs[i], strlen(strs[i])), n - 2,
		       "json_escaped_len of string %zu: what the writer writes between the quotes",
		       i);
	}
}

int main(void)
{
	test_escaped_len();
	test_utf8_cut();
	test_valid();
	test_invalid();
	test_depth();
	test_limits();
	test_dom();
	test_writer();
	return done_testing();
}
