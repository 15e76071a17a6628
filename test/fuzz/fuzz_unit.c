/*
 * libFuzzer target for the unit parser and the passwd/group parser behind
 * User=/Group=. The input is a unit file, loaded once as a plain unit
 * (User=/Group= not resolved) and once as a template instance, resolved
 * against a root of its own with /etc/passwd and /etc/group: fixed ones
 * (users, groups, memberships, comments, odd lines), or, when the input
 * holds two record separators (0x1e), its first part as /etc/passwd, its
 * second as /etc/group and the rest as the unit. Then the units go to the
 * dependency graph. Nothing may crash, leak or overrun, and a loaded
 * unit's argv, envp and credentials must be well-formed.
 */
#include "units/depgraph.h"
#include "units/unit.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct unit units[2];
static struct depgraph graph;
static char root[128], passwd_path[160], group_path[160];
static int files_are_fixed;

static const char fixed_passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
				   "# a comment\n"
				   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
				   "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n"
				   "short:x:5\n"
				   "bob::1001:100::/:\n"
				   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char fixed_group[] = "root:x:0:\n"
				  "daemon:x:1:alice\n"
				  "staff:x:50:alice,bob,,daemon\n"
				  "users:x:100:bob\n"
				  "broken\n"
				  "nogroup:x:65534:\n";

static void put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (len)
		(void)!write(fd, data, len);
	close(fd);
}

static void fixed_files(void)
{
	if (files_are_fixed)
		return;
	put(passwd_path, fixed_passwd, sizeof fixed_passwd - 1);
	put(group_path, fixed_group, sizeof fixed_group - 1);
	files_are_fixed = 1;
}

static void remove_root(void)
{
	char etc[150];
	unlink(passwd_path);
	unlink(group_path);
	snprintf(etc, sizeof etc, "%s/etc", root);
	rmdir(etc);
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(root, sizeof root, "%s/pact-fuzz-unit-%d", base, (int)getpid());
	char etc[150];
	snprintf(etc, sizeof etc, "%s/etc", root);
	mkdir(root, 0755);
	mkdir(etc, 0755);
	snprintf(passwd_path, sizeof passwd_path, "%s/passwd", etc);
	snprintf(group_path, sizeof group_path, "%s/group", etc);
	fixed_files();
	atexit(remove_root);
	return 0;
}

static void check(const struct unit *u)
{
	if (u->load_state != UNIT_LOADED)
		return;
	/* touch every string so ASan sees any dangling pointer */
	size_t sum = strlen(u->name);
	for (int kind = 0; kind < UNIT_CMD_KINDS; kind++)
		for (int k = 0; k < u->n_exec[kind]; k++) {
			const struct unit_exec *x = &u->exec[kind][k];
			sum += strlen(x->path);
			if (x->argc < 1 || x->argv[x->argc])
				__builtin_trap();
			for (int i = 0; i < x->argc; i++)
				sum += strlen(x->argv[i]);
		}
	for (int i = 0; i < u->n_cond; i++)
		sum += strlen(u->cond[i].value);
	for (int i = 0; i < u->n_env; i++)
		if (!strchr(u->envp[i], '='))
			__builtin_trap();
	if (u->envp[u->n_env])
		__builtin_trap();
	for (int i = 0; i < u->n_after; i++)
		sum += strlen(u->after[i]);
	if (u->has_cred) {
		const struct userdb_cred *c = &u->cred;
		if (c->ngroups < 0 || c->ngroups > USERDB_GROUPS_MAX ||
		    strnlen(c->home, sizeof c->home) >= sizeof c->home ||
		    strnlen(c->shell, sizeof c->shell) >= sizeof c->shell)
			__builtin_trap();
	}
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct unit_opts opts = {.quiet = 1, .no_userdb = 1, .root = "/nonexistent"};
	const struct unit_opts with_userdb = {.quiet = 1, .root = root};
	if (size > UNIT_FILE_MAX)
		return 0;
	const uint8_t *s1 = memchr(data, 0x1e, size);
	const uint8_t *s2 = s1 ? memchr(s1 + 1, 0x1e, size - (size_t)(s1 + 1 - data)) : NULL;
	if (s2) { /* the input brings its own passwd and group */
		put(passwd_path, data, (size_t)(s1 - data));
		put(group_path, s1 + 1, (size_t)(s2 - s1 - 1));
		files_are_fixed = 0;
		size -= (size_t)(s2 + 1 - data);
		data = s2 + 1;
	} else {
		fixed_files();
	}
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
