/*
 * libFuzzer target for the control protocol's request parser and reply
 * writer (ctl_reply): the input is a request body as pactctl would frame
 * it, run against a few verbs that read their args and options
 * (ctl_opt), write replies of every JSON kind, and fail. The reply must be
 * a whole frame within its buffer (a heap block of exactly
 * CTL_REPLY_CAP: ASan sees any overrun), its header must say its length,
 * and its body must parse as JSON with an "ok" member.
 */
#include "ctl/control.h"
#include "lib/frame.h"
#include "lib/json.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int cmd_echo(struct ctl_req *req)
{
	json_w_arr_begin(req->w);
	for (int i = 0; i < req->argc; i++)
		json_w_string(req->w, req->argv[i]);
	json_w_arr_end(req->w);
	return 0;
}

static int cmd_opt(struct ctl_req *req)
{
	const char *v = ctl_opt(req, "--lines");
	json_w_obj_begin(req->w);
	json_w_key(req->w, "lines");
	json_w_string_or_null(req->w, v);
	json_w_key(req->w, "uid");
	json_w_u64(req->w, req->uid);
	json_w_obj_end(req->w);
	return 0;
}

static int cmd_fail(struct ctl_req *req)
{
	return ctl_fail(req, "Failed", "%s", req->argc ? req->argv[0] : "no args");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ctl_help_init();
	ctl_register("echo", cmd_echo, "echo ARGS...");
	ctl_register("opt", cmd_opt, "opt [--lines N]");
	ctl_register("fail", cmd_fail, "fail [WHY]");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_node nodes[4096];
	if (size == 0 || size > FRAME_MAX_BODY)
		return 0;
	uint8_t *body = malloc(size); /* no NUL after it: the parser must not need one */
	memcpy(body, data, size);
	uint8_t *frame = malloc(CTL_REPLY_CAP);
	int close_after = 0;
	size_t n = ctl_reply(body, size, 0, frame, CTL_REPLY_CAP, &close_after);
	if (n <= FRAME_HDR_LEN || n > FRAME_MAX_LEN)
		__builtin_trap();
	size_t len =
	    (size_t)frame[0] << 24 | (size_t)frame[1] << 16 | (size_t)frame[2] << 8 | frame[3];
	if (len != n - FRAME_HDR_LEN)
		__builtin_trap();
	struct json_doc doc;
	if (json_parse(&doc, (const char *)frame + FRAME_HDR_LEN, len, nodes, 4096) < 0 ||
	    json_obj_get(&doc, 0, "ok") < 0)
		__builtin_trap();
	free(frame);
	free(body);
	return 0;
}
