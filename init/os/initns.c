/* Whether pact-init lives in the machine's first namespaces (initns.h). */
#include "os/initns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define PID_INIT_INO	0xeffffffcu /* PROC_PID_INIT_INO */
#define UTS_INIT_INO	0xeffffffeu /* PROC_UTS_INIT_INO */
#define CGROUP_INIT_INO 0xeffffffbu /* PROC_CGROUP_INIT_INO */

static int ns_inode_is(const char *type, unsigned long want)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/self/ns/%s", type);
	if (stat(path, &st) < 0)
		return -errno;
	return st.st_ino == want;
}

int initns_machine_init(void)
{
	if (getpid() != 1)
		return 0;
	return ns_inode_is("pid", PID_INIT_INO) != 0; /* no /proc: the machine */
}

/* Is the caller's namespace of this type the machine's? Test builds take
 * the inode of $<test_env> as the initial one: the host tier runs it in
 * namespaces of its own, and names one "initial" to see it refuse. */
static int ns_initial(const char *type, unsigned long want, const char *test_env)
{
#ifdef PACT_TEST_BUILD
	struct stat st;
	const char *ref = getenv(test_env);
	if (ref && stat(ref, &st) == 0)
		want = st.st_ino;
#else
	(void)test_env;
#endif
	return ns_inode_is(type, want);
}

int initns_uts_initial(void)
{
	return ns_initial("uts", UTS_INIT_INO, "PACT_TEST_INITIAL_UTS");
}

int initns_cgroup_initial(void)
{
	return ns_initial("cgroup", CGROUP_INIT_INO, "PACT_TEST_INITIAL_CGROUP");
}

int initns_may_sethostname(char *why, unsigned long cap)
{
	if (initns_machine_init() || initns_uts_initial() != 1)
		return 1;
	snprintf(why, cap,
		 "the UTS namespace is the machine's and pact-init is not its init "
		 "(run it under unshare --uts)");
	return 0;
}

int initns_may_build_cgroups(char *why, unsigned long cap)
{
	if (initns_machine_init() || initns_cgroup_initial() != 1)
		return 1;
	snprintf(why, cap,
		 "the cgroup namespace is the machine's and pact-init is not its init: "
		 "its slices would land at the machine's cgroup root (run it under "
		 "unshare --cgroup, from a cgroup of its own)");
	return 0;
}
