/*
 * The carrier wait: subscribe to RTNLGRP_LINK first, then read the current
 * state with RTM_GETLINK, then wait on notifications, so no change is
 * missed and nothing polls by sleeping. In whole (net_carrier_wait) or in
 * steps for a caller with an event loop (net_carrier_watch_*). Errors as
 * in netdev.h.
 */
#ifndef PACT_NETCARRIER_H
#define PACT_NETCARRIER_H

#include "os/netdev.h"

/*
 * Wait until ifname has carrier (IFF_LOWER_UP, operstate UP or UNKNOWN),
 * at most timeout_ms. Subscribes to RTNLGRP_LINK first, then reads the
 * current state with RTM_GETLINK, then waits on notifications: no polling
 * by sleeps. Returns 0, -ETIMEDOUT, -ENODEV (gone), or another -errno.
 */
int net_carrier_wait(const char *ifname, int timeout_ms, char *err, size_t errlen);

/* The same in steps, for a caller with an event loop (fd = w->sub.fd). */
struct net_carrier_watch {
	struct nl_sock sub;
	int ifindex;
	char ifname[NET_IFNAME_MAX];
};
/* Returns 1 if the carrier is already there, 0 if not yet, or -errno.
 * On 0 or 1 the watch is open: close it with net_carrier_watch_stop. */
int net_carrier_watch_start(struct net_carrier_watch *w, const char *ifname, char *err,
			    size_t errlen);
/* Wait at most timeout_ms (0: only look) for a notification saying carrier.
 * Returns 1 carrier, 0 not yet, or -errno (-ENODEV: the device went away). */
int net_carrier_watch_poll(struct net_carrier_watch *w, int timeout_ms);
void net_carrier_watch_stop(struct net_carrier_watch *w);

/* The wait of net_apply, under one deadline for several devices:
 * left_ms remains of bound_ms (named in the error). 0, or -errno. */
int net__wait_carrier(struct net_carrier_watch *w, const char *ifname, int left_ms,
		      unsigned int bound_ms, char *err, size_t errlen);

#endif
