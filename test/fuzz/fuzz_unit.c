/*
 * libFuzzer target for the unit parser: the input is a unit file, loaded
 * once as a plain unit and once as a template instance (User=/Group=
 * resolved against a root without files: numeric ids pass, names fail),
 * then fed to the dependency graph. Nothing may crash, leak or overrun, and a loaded
 * unit's argv and envp must be well-formed.
 */
#include "units/depgraph.h"
#include "units/unit.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static struct unit units[2];
static struct depgraph graph;

static void check(const struct unit *u)
{
	if (u->load_state != UNIT_LOADED)
		return;
	/* touch every string so ASan sees any dangling pointer */
	size_t sum = strlen(u->name) + strlen(u->start.path);
	for (int i = 0; i < u->start.argc; i++)
		sum += strlen(u->start.argv[i]);
	if (u->start.argc < 1 || u->start.argv[u->start.argc])
		__builtin_trap();
	for (int k = 0; k < u->n_pre; k++)
		for (int i = 0; i < u->pre[k].argc; i++)
			sum += strlen(u->pre[k].argv[i]);
	for (int i = 0; i < u->n_env; i++)
		if (!strchr(u->envp[i], '='))
			__builtin_trap();
	if (u->envp[u->n_env])
		__builtin_trap();
	for (int i = 0; i < u->n_after; i++)
		sum += strlen(u->after[i]);
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct unit_opts opts = {
	    .quiet = 1, .no_userdb = 1, .root = "/nonexistent-pact-fuzz"};
	static const struct unit_opts with_userdb = {.quiet = 1, .root = "/nonexistent-pact-fuzz"};
	if (size > UNIT_FILE_MAX)
		return 0;
	unit_load_buffer("fuzz.service", NULL, (const char *)data, size, &opts, &units[0], NULL);
	check(&units[0]);
	struct unit_diag d;
	unit_diag_clear(&d);
	unit_load_buffer("/x/fuzz_t@.service", "i-1", (const char *)data, size, &with_userdb,
			 &units[1], &d);
	check(&units[1]);
	depgraph_build(&graph, units, 2);
	return 0;
}
