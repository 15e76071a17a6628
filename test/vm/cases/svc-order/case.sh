#!/bin/sh
# Start order a -> b -> c (b Requires+After a, c After b) and the reverse
# stop order at shutdown, observed in the kernel log; d, independent,
# starts without waiting for the chain.
. /test/tap.sh
. /test/svc.sh
l() { kmsg_line "service $1\\.service: $2"; }
sa=$(l a started) ra=$(l a 'ready') sb=$(l b started) sc=$(l c started) sd=$(l d started)
[ "$sa" -gt 0 ] && [ "$ra" -gt "$sa" ] && [ "$sb" -gt "$ra" ] && [ "$sc" -gt "$sb" ]
ok $? "start order: a started ($sa), a ready ($ra), b started ($sb), c started ($sc)"
[ "$sd" -gt 0 ] && [ "$sd" -lt "$ra" ]
ok $? "d started ($sd) before a was ready ($ra): independent services start together"
for n in a b c d; do is "$(svc_get $n state)" running "$n is running"; done

# Stop order: shut the node down and watch. This script ignores SIGTERM so
# that it outlives the services (pact-init stops them first, then signals
# every process left and waits shutdown_grace_ms).
trap '' TERM HUP
kill -USR2 1
$KW -t 30 'all services stopped' >/dev/null
ok $? "shutdown stopped every service"
xc=$(l c stopping) yc=$(l c stopped) xb=$(l b stopping) yb=$(l b stopped)
xa=$(l a stopping) ya=$(l a stopped)
[ "$xc" -gt 0 ] && [ "$yc" -gt "$xc" ] && [ "$xb" -gt "$yc" ] && [ "$yb" -gt "$xb" ] &&
	[ "$xa" -gt "$yb" ] && [ "$ya" -gt "$xa" ]
ok $? "stop order c ($xc-$yc), b ($xb-$yb), a ($xa-$ya): each after the one started after it"
done_testing
