/*
 * The DHCP clients' metrics (node/network_dhcp.c): the state of each
 * interface's client, the time its lease has left, and its counters.
 * The lease itself is shown by `pactctl net`, from the lease files.
 */
#include "ctl/metrics.h"
#include "ctl/verbs.h"
#include "lib/loop.h"
#include "node/network_dhcp.h"

#include <stddef.h>

static void dhcp_metrics(struct metrics_out *m)
{
	const char *ifname;
	const struct dhcp_client *d;
	metrics_family(m, "pact_dhcp_state", "gauge",
		       "1 for the state of each interface's DHCP client (a sample per state)");
	for (int i = 0; (d = network_dhcp_client(i, &ifname)); i++)
		for (int s = DHCP_STOPPED; s <= DHCP_REBINDING; s++) {
			const char *l[] = {"interface", ifname, "state",
					   dhcp_state_name((enum dhcp_state)s), NULL};
			metrics_sample_u64(m, "pact_dhcp_state", l, d->state == (enum dhcp_state)s);
		}
	metrics_family(m, "pact_dhcp_lease_remaining_seconds", "gauge",
		       "seconds until the lease ends (interfaces with a lease that ends)");
	uint64_t now = now_ms();
	for (int i = 0; (d = network_dhcp_client(i, &ifname)); i++) {
		const char *l[] = {"interface", ifname, NULL};
		if (d->has_lease && d->expiry_ms)
			metrics_sample_u64(m, "pact_dhcp_lease_remaining_seconds", l,
					   d->expiry_ms > now ? (d->expiry_ms - now) / 1000 : 0);
	}
	static const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
	    {"pact_dhcp_retries_total", "DHCP messages sent again for want of an answer",
	     offsetof(struct dhcp_client, retries)},
	    {"pact_dhcp_naks_total", "DHCPNAKs received", offsetof(struct dhcp_client, naks)},
	    {"pact_dhcp_renewals_total", "leases renewed", offsetof(struct dhcp_client, renewed)},
	    {"pact_dhcp_leases_lost_total", "leases that ended with no server answering",
	     offsetof(struct dhcp_client, lost)},
	};
	for (size_t k = 0; k < sizeof counters / sizeof counters[0]; k++) {
		metrics_family(m, counters[k].name, "counter", counters[k].help);
		for (int i = 0; (d = network_dhcp_client(i, &ifname)); i++) {
			const char *l[] = {"interface", ifname, NULL};
			metrics_sample_u64(
			    m, counters[k].name, l,
			    *(const unsigned long *)((const char *)d + counters[k].off));
		}
	}
}

int ctl_net_init(void)
{
	return metrics_register(dhcp_metrics);
}
