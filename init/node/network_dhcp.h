/*
 * The DHCP clients of ConfigureNetwork, one per interface whose address
 * comes from DHCP, living in PID 1's event loop (not in the phase's
 * child): a socket only while an exchange is on, one timer at the
 * client's next deadline, the lease put in place over netlink, and what
 * it says published for the node's programs (resolv.conf, NTP servers,
 * <run_dir>/dhcp/<ifname>.lease, which also carries a lease across a
 * live re-exec).
 */
#ifndef PACT_NETWORK_DHCP_H
#define PACT_NETWORK_DHCP_H

#include "os/dhcp.h"
#include "os/netplan.h"

typedef void (*network_dhcp_done_fn)(int r, const char *why);

/*
 * Get a lease on every DHCP interface of ifs (the others are skipped):
 * each client starts, INIT-REBOOT when the interface's addr is set (a
 * hint), or is kept when it holds a lease already. done(0, "") once all
 * are bound, at once when there are none; else after timeout_ms
 * done(-ETIMEDOUT, why), why naming each interface without a lease and
 * what it lacked; those clients stop (a boot retry starts them again).
 */
void network_dhcp_acquire(const struct net_iface *ifs, int n, unsigned timeout_ms,
			  network_dhcp_done_fn done);
/* What ip= adds for the node's programs (its dns0, dns1, ntp0 and the
 * device they are for) and the host name clients send (NULL: none). */
void network_dhcp_set_static(const struct net_plan *p, const char *ifname, const char *hostname);
/* Write resolv.conf and the NTP files from ip= and every lease (only
 * what changed is written). */
void network_dhcp_publish(void);
/* The host name (option 12) of the first lease that has one, or NULL. */
const char *network_dhcp_hostname(void);
/* The clients, in order, for the metrics. NULL past the last. */
const struct dhcp_client *network_dhcp_client(int i, const char **ifname);
/* After a live re-exec that kept the boot: take back the clients of the
 * DHCP interfaces of ifs from their lease files. */
void network_dhcp_restore(const struct net_iface *ifs, int n);

#endif
