#!/bin/sh
# ip=dhcp against QEMU's user-mode network, which answers DHCP: the
# address, route and name server of its lease; pact.node_id= on the
# command line wins over the lease's host name; while bound, PID 1 has
# no DHCP socket open and nothing to wake it before T1 (12 h here).
. /test/tap.sh
check "the node is ready" pactctl wait-ready --timeout 60
line=$(/test/bin/kmsgwait -t 5 'dhcp: eth0: 10\.0\.2\.15/24 from 10\.0\.2\.2')
echo "# $line"
ms=$(echo "$line" | sed -n 's/.*(\([0-9]*\) ms).*/\1/p')
echo "BENCH dhcp_user_bound_ms ${ms:-null}"
ok $([ -n "$ms" ]; echo $?) "pact-init's client got QEMU's lease (first DISCOVER to bound: ${ms:-?} ms)"
check "eth0 has 10.0.2.15/24" sh -c "ip -4 addr show dev eth0 | grep -q 'inet 10.0.2.15/24'"
check "default via 10.0.2.2" sh -c "ip route | grep -q '^default via 10.0.2.2 dev eth0'"
is "$(grep '^nameserver' /etc/resolv.conf)" "nameserver 10.0.2.3" "resolv.conf: QEMU's name server"
is "$(readlink /etc/resolv.conf)" /run/pact/resolv.conf "/etc/resolv.conf is a link into /run"
is "$(cat /run/pact/ready)" vm-dhcp "pact.node_id= wins over the lease's host name"
pactctl net --json >/tmp/net.json
check "the lease's host name is QEMU's (12)" grep -q '"hostname":"slirp-name"' /tmp/net.json
check "pactctl net: bound, 24 h lease from 10.0.2.2" \
	grep -q '"state":"bound","address":"10.0.2.15","prefix":24,"server":"10.0.2.2","how":"discover","lease_s":86400' /tmp/net.json
# quiet while bound: the socket is closed (port 68, 0044 in hex), and PID 1
# does not wake for DHCP before T1; its wakeups over a few seconds are
# reported (other work of the test image may wake it too)
! grep -q ':0044 ' /proc/net/udp
ok $? "no socket on port 68 while bound"
v0=$(sed -n 's/^voluntary_ctxt_switches:[^0-9]*//p' /proc/1/status)
sleep 5 # a window to count in, not a wait for an event
v1=$(sed -n 's/^voluntary_ctxt_switches:[^0-9]*//p' /proc/1/status)
echo "BENCH dhcp_bound_pid1_wakeups_5s $((v1 - v0))"
echo "# PID 1 woke $((v1 - v0)) times in 5 s with the lease held"
done_testing
