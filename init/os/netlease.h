/*
 * netlease: a DHCP lease put on an interface and taken off again, over
 * rtnetlink: the MTU, the address with the lease's lifetime, and the
 * lease's routes (protocol dhcp, preferring the lease's address as their
 * source). Errors as in netdev.h.
 */
#ifndef PACT_NETLEASE_H
#define PACT_NETLEASE_H

#include "os/dhcp_msg.h"

#include <stddef.h>

/*
 * Put lease l on ifname, replacing old (NULL: none): old's routes that l
 * lacks go, and old's address if l's differs. valid_s is what is left of
 * the lease (0: forever): the kernel drops the address when it runs out,
 * whoever else forgets. set_mtu: apply option 26 (init.conf's MTU wins).
 * Returns 0 or -errno when the address could not be set; a route that
 * could not be added is not fatal: 0 with err saying which.
 */
int net_lease_apply(const char *ifname, const struct dhcp_lease *l, const struct dhcp_lease *old,
		    unsigned int valid_s, int set_mtu, char *err, size_t errlen);
/* Take l's routes and address off ifname (what is gone already is fine). */
void net_lease_remove(const char *ifname, const struct dhcp_lease *l);

#endif
