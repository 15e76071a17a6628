/*
 * The machine's first namespaces. The kernel gives its initial pid, UTS and
 * cgroup namespaces fixed inode numbers (PROC_PID_INIT_INO,
 * PROC_UTS_INIT_INO, PROC_CGROUP_INIT_INO in include/linux/proc_ns.h), so
 * the inode of /proc/self/ns/<type> says whether a process shares them.
 * pact-init run under test (unshare --pid without --uts or --cgroup) is
 * PID 1 of its own pid namespace in the machine's UTS and cgroup
 * namespaces: setting its hostname would rename the machine, and its
 * slices would be made at the root of the machine's cgroup tree.
 */
#ifndef PACT_INITNS_H
#define PACT_INITNS_H

/* PID 1 of the machine, not of a container. Without /proc: assumed. */
int initns_machine_init(void);
/* Is the caller's UTS namespace the machine's? 1, 0, or -errno (no /proc).
 * Test builds take the inode of $PACT_TEST_INITIAL_UTS as the initial one. */
int initns_uts_initial(void);
/* Is the caller's cgroup namespace the machine's? As initns_uts_initial,
 * with $PACT_TEST_INITIAL_CGROUP. */
int initns_cgroup_initial(void);
/* May pact-init set the hostname: no when it shares the machine's UTS
 * namespace without being the machine's init. 1, or 0 with why set. */
int initns_may_sethostname(char *why, unsigned long cap);
/* May pact-init build its cgroup hierarchy: no when it shares the
 * machine's cgroup namespace without being the machine's init. 1, or 0
 * with why set. */
int initns_may_build_cgroups(char *why, unsigned long cap);

#endif
