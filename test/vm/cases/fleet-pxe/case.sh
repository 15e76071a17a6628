#!/bin/sh
# One node of the PXE fleet: it must be the node its MAC says (its own
# host name and address from its dnsmasq lease, passed by iPXE on the
# command line), ready, and on the boot network (the server answers).
. /test/tap.sh
mac=$(cat /sys/class/net/eth0/address)
k=${mac##*:1}
name=node$k addr=192.168.77.1$k
echo "# $mac: $(cat /proc/cmdline)"
case $mac in 52:54:00:77:00:1[1-4]) r=0 ;; *) r=1 ;; esac
ok $r "eth0 is one of the fleet's NICs ($mac)"
check "iPXE passed the lease: ip=$addr::192.168.77.1:255.255.255.0:$name:eth0:off" \
	grep -q "ip=$addr::192.168.77.1:255.255.255.0:$name:eth0:off" /proc/cmdline
check "iPXE passed the host name: pact.node_id=$name" grep -qE "pact.node_id=$name( |$)" /proc/cmdline
check "the node is ready" pactctl wait-ready --timeout 60
is "$(cat /run/pact/ready)" "$name" "the ready file holds the node's own name"
is "$(hostname)" "$name" "the host name is the lease's"
check "eth0 has $addr/24" sh -c "ip -4 addr show dev eth0 | grep -q 'inet $addr/24'"
check "default route via the boot server" sh -c "ip route | grep -q '^default via 192.168.77.1 dev eth0'"
check "the boot server answers (ping 192.168.77.1)" ping -c 1 -W 10 192.168.77.1
done_testing
