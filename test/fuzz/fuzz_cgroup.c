/*
 * Fuzz target: the cgroup manager's pure parsers and judges (flat-keyed
 * files, memory.max, line counts, ownership, scope names) on arbitrary text.
 */
#include "os/cgroup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[4096];
	if (size >= sizeof text)
		size = sizeof text - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	uint64_t v;
	static const char *const keys[] = {"populated", "frozen", "usage_usec", "oom_kill", "oom"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		(void)cg_parse_keyed(text, keys[i], &v);
	(void)cg_parse_max(text, &v);
	(void)cg_count_lines(text);
	const char *why;
	if (cg_validate_name(text, &why) == 0 && (strchr(text, '/') || text[0] == '.'))
		abort(); /* a valid name can never escape its parent */
	enum pact_slice_owner o = cg_slice_owner("/sys/fs/cgroup", text);
	if (o == PACT_OWNER_WORKLOAD && strstr(text, "workload.slice") == NULL)
		abort();
	struct cg_ctx cg;
	char buf[CG_PATH_MAX];
	if (cg_ctx_init(&cg, "/sys/fs/cgroup") == 0)
		(void)cg_abs_path(&cg, text, buf, sizeof buf);
	return 0;
}
