/*
 * `pactctl net`: links, addresses and routes read from the kernel
 * (os/netlist.h), and the DHCP leases of pact-init's lease files under
 * run_dir (NULL: none), as one JSON object on one line (--json) or a
 * short listing for a human, written to fd. Returns 0 or -errno.
 */
#ifndef PACT_PACTCTL_NET_H
#define PACT_PACTCTL_NET_H

int net_dump_json(int fd, const char *run_dir);
int net_dump_text(int fd, const char *run_dir);

#endif
