#!/bin/sh
# The node network-booted with no ip=: pact-init's DHCP client gave it
# its address, routes, MTU, name and name servers (test/net/dhcp/
# options.conf), and keeps the lease: the renewal at T1 (10 s) is awaited.
. /test/tap.sh
echo "# $(cat /proc/cmdline)"
! grep -qE '(^| )ip=' /proc/cmdline
ok $? "no ip= on the command line"
check "the node is ready" pactctl wait-ready --timeout 60
is "$(cat /run/pact/ready)" client1 "the node id is the lease's host name (12), not init.conf's"
is "$(hostname)" client1 "and so is the host name"
check "eth0 has 192.168.77.21/24 with the lease's lifetime" \
	sh -c "ip -4 addr show dev eth0 | grep -A1 'inet 192.168.77.21/24' | grep -q 'valid_lft [0-9]*sec'"
check "eth0's MTU is 1400 (26)" sh -c "ip link show eth0 | grep -q 'mtu 1400'"
check "10.77.0.0/16 via 192.168.77.254 (121)" sh -c "ip route | grep -q '^10.77.0.0/16 via 192.168.77.254 dev eth0'"
check "default via 192.168.77.1 (121)" sh -c "ip route | grep -q '^default via 192.168.77.1 dev eth0'"
is "$(readlink /etc/resolv.conf)" /run/pact/resolv.conf "/etc/resolv.conf is a link into /run"
is "$(grep -v '^#' /etc/resolv.conf | tr '\n' ' ')" \
	"search cluster.test example.test nameserver 192.168.77.1 nameserver 192.168.77.2 " \
	"resolv.conf: search list (119) and name servers (6)"
is "$(cat /run/chrony-dhcp/eth0.sources | tr '\n' ' ')" \
	"server 192.168.77.1 iburst server 192.168.77.3 iburst " "NTP servers (42) for chrony"
pactctl net >/tmp/net.txt
sed 's/^/# /' /tmp/net.txt | grep dhcp -A2
check "pactctl net shows the lease" grep -q 'dhcp eth0: bound 192.168.77.21/24 from 192.168.77.1 (DISCOVER)' /tmp/net.txt
check "the metrics say bound" sh -c 'pactctl metrics | grep -q "pact_dhcp_state{interface=\"eth0\",state=\"bound\"} 1"'
check "the lease is renewed at T1" /test/bin/kmsgwait -t 40 'dhcp: eth0: 192\.168\.77\.21 renewed by 192\.168\.77\.1'
check "the metrics count the renewal" sh -c 'pactctl metrics | grep -qE "pact_dhcp_renewals_total\{interface=\"eth0\"\} [1-9]"'
check "the boot server answers (ping 192.168.77.1)" ping -c 1 -W 10 192.168.77.1
done_testing
