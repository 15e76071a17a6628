/*
 * `pactctl net`: links, addresses and routes read from the kernel
 * (os/netlist.h), as one JSON object on one line (--json) or a short
 * listing for a human, written to fd. Returns 0 or -errno.
 */
#ifndef PACT_PACTCTL_NET_H
#define PACT_PACTCTL_NET_H

int net_dump_json(int fd);
int net_dump_text(int fd);

#endif
