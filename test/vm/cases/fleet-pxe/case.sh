#!/bin/sh
# One node of the PXE fleet: it must be the node its MAC says (its own
# host name and address from its dnsmasq lease), ready, and on the boot
# network (the server answers). The lease reaches pact-init one of the
# two documented ways (docs/fleet.md), which the command line tells:
#   ip=ADDR::::::dhcp BOOTIF=...  pact-init's DHCP client took iPXE's
#                                 lease again (INIT-REBOOT) and keeps it
#                                 (fleet-pxe)
#   ip=ADDR::GW:MASK:NAME:eth0:off pact.node_id=NAME
#                                 iPXE's lease as a static configuration
#                                 (fleet-uefi-http)
. /test/tap.sh
mac=$(cat /sys/class/net/eth0/address)
k=${mac##*:1}
name=node$k addr=192.168.77.1$k
echo "# $mac: $(cat /proc/cmdline)"
case $mac in 52:54:00:77:00:1[1-4]) r=0 ;; *) r=1 ;; esac
ok $r "eth0 is one of the fleet's NICs ($mac)"
if grep -q ":dhcp" /proc/cmdline; then
	check "iPXE passed its address for pact-init's client: ip=$addr::::::dhcp" \
		grep -q "ip=$addr::::::dhcp" /proc/cmdline
	check "and the boot NIC: BOOTIF=01-52-54-00-77-00-1$k" grep -q "BOOTIF=01-52-54-00-77-00-1$k" /proc/cmdline
	! grep -q "pact.node_id" /proc/cmdline
	ok $? "no pact.node_id=: the name comes from the node's own lease"
	check "the node is ready" pactctl wait-ready --timeout 60
	pactctl net --json >/tmp/net.json
	grep -o '"leases".*' /tmp/net.json | cut -c1-300 | sed 's/^/# /'
	check "pact-init holds the lease: $addr, by INIT-REBOOT" \
		grep -q "\"ifname\":\"eth0\",\"state\":\"bound\",\"address\":\"$addr\",\"prefix\":24,\"server\":\"192.168.77.1\",\"how\":\"init-reboot\"" /tmp/net.json
	check "its host name is the lease's ($name)" grep -q "\"hostname\":\"$name\"" /tmp/net.json
	check "pact-init took the node id from DHCP" /test/bin/kmsgwait -t 5 "node id $name \\(from DHCP\\)"
else
	check "iPXE passed the lease: ip=$addr::192.168.77.1:255.255.255.0:$name:eth0:off" \
		grep -q "ip=$addr::192.168.77.1:255.255.255.0:$name:eth0:off" /proc/cmdline
	check "iPXE passed the host name: pact.node_id=$name" grep -qE "pact.node_id=$name( |$)" /proc/cmdline
	check "the node is ready" pactctl wait-ready --timeout 60
fi
is "$(cat /run/pact/ready)" "$name" "the ready file holds the node's own name"
is "$(hostname)" "$name" "the host name is the lease's"
check "eth0 has $addr/24" sh -c "ip -4 addr show dev eth0 | grep -q 'inet $addr/24'"
check "default route via the boot server" sh -c "ip route | grep -q '^default via 192.168.77.1 dev eth0'"
check "the boot server answers (ping 192.168.77.1)" ping -c 1 -W 10 192.168.77.1
done_testing
