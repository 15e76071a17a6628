/*
 * Evaluating a unit's Condition*= and Assert*= (read by unit_cond.c at
 * load) against a node described by struct unit_cond_host: the
 * supervisor fills one from the running system, tests from anything.
 */
#ifndef PACT_UNIT_COND_H
#define PACT_UNIT_COND_H

#include "units/unit.h"

#include <stdint.h>

struct unit_cond_host {
	const char *root;      /* prepended to condition paths; NULL or "" = / */
	const char *cmdline;   /* the kernel command line */
	const char *virt;      /* "none", "qemu", "kvm", "vmware", "microsoft", "xen", "vm-other" */
	const char *container; /* "none" or the container manager's name */
	int private_users;     /* in a user namespace that does not map all ids */
	uint64_t cap_bounding; /* the bounding set services get */
	const char *arch;      /* systemd's name: "x86-64", "arm64", ... */
	uint64_t ncpus;	       /* CPUs in the affinity mask */
	uint64_t memory;       /* bytes of RAM */
	const char *hostname, *machine_id;
	char *const *env; /* the manager's environment */
	int on_ac_power, first_boot;
	const char *security; /* the security modules, blank-separated ("apparmor") */
};

/* 1: every condition and assertion holds; 0: a condition does not (the
 * unit is skipped); -1: an assertion does not (its start fails). why
 * says which. */
int unit_cond_check(const struct unit *u, const struct unit_cond_host *h, char *why, size_t cap);

#endif
