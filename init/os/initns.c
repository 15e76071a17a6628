/* Whether pact-init lives in the machine's first namespaces (initns.h). */
#include "os/initns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define PID_INIT_INO 0xeffffffcu /* PROC_PID_INIT_INO */
#define UTS_INIT_INO 0xeffffffeu /* PROC_UTS_INIT_INO */

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

int initns_uts_initial(void)
{
	unsigned long want = UTS_INIT_INO;
#ifdef PACT_TEST_BUILD
	/* the host tier runs it in a UTS namespace of its own, and names
	 * that one "initial" to see it refuse */
	struct stat st;
	const char *ref = getenv("PACT_TEST_INITIAL_UTS");
	if (ref && stat(ref, &st) == 0)
		want = st.st_ino;
#endif
	return ns_inode_is("uts", want);
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
