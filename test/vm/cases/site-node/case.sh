#!/bin/sh
# The whole node, network-booted with no ip=, no node id and no module
# list (see boot): address, routes, name and DNS from its DHCP lease and
# the renewal; drivers by device; the NFS home mounted before the service
# that reads it; sysctl.d, tmpfiles.d and modules-load.d applied, their
# malformed lines named with file:line; logs forwarded (host-check reads
# what rsyslog got); ready.
. /test/tap.sh
kw() { /test/bin/kmsgwait -t "$1" "$2" >/dev/null; }
line() { dmesg | grep -n -m1 -E "$1" | cut -d: -f1; }
echo "# $(cat /proc/cmdline)"
! grep -qE '(^| )(ip|pact\.node_id)=' /proc/cmdline
ok $? "no ip= and no pact.node_id= on the command line"
! grep -qE '^(modules|node_id) *=' /etc/pact/init.conf
ok $? "no module list and no node_id in init.conf"
check "the node is ready" pactctl wait-ready --timeout 120
# network and identity, from the lease (test/net/dhcp/options.conf)
is "$(cat /run/pact/ready)" client1 "the node id is the lease's host name (12)"
is "$(hostname)" client1 "and so is the host name"
check "eth0 has 192.168.77.21/24 from DHCP" sh -c "ip -4 addr show dev eth0 | grep -q 'inet 192.168.77.21/24'"
check "10.77.0.0/16 via 192.168.77.254 (121)" sh -c "ip route | grep -q '^10.77.0.0/16 via 192.168.77.254 dev eth0'"
check "default via 192.168.77.1 (121)" sh -c "ip route | grep -q '^default via 192.168.77.1 dev eth0'"
is "$(grep '^nameserver' /etc/resolv.conf | tr '\n' ' ')" \
	"nameserver 192.168.77.1 nameserver 192.168.77.2 " "resolv.conf has the lease's name servers (6)"
# drivers by device
check "coldplug loaded virtio_net for the NIC" kw 5 'devices: loaded virtio_net for '
check "... and virtio_rng for the rng device" kw 5 'devices: loaded virtio_rng for '
check "modules-load.d loaded loop" test -d /sys/module/loop
# the NFS home before the service
check "/home is the NFS export (NFSv4.2)" sh -c "grep -qE ' /home nfs4 .*vers=4.2' /proc/mounts"
is "$(cat /run/uses-home.out 2>&1)" "uses-home read: from the server" "the service read the home at its start"
m=$(line 'on /home \(nfs4\): mounted'); s=$(line 'service uses-home.service: started')
check "... the mount came first (kernel log lines $m, $s)" test "${m:-999999}" -lt "${s:-0}"
# settings from /etc
is "$(cat /proc/sys/vm/swappiness)" 7 "sysctl.d: vm.swappiness = 7"
is "$(cat /proc/sys/kernel/msgmnb)" 32768 "sysctl.d: the line after the malformed one applied too"
check "sysctl.d: the malformed line is named with file:line" \
	kw 5 '/etc/sysctl.d/50-site.conf:3: want key = value'
is "$(cat /run/site/hello 2>&1)" "hello from tmpfiles" "tmpfiles.d: the file after the malformed line"
is "$(stat -c %a /run/site)" 750 "tmpfiles.d: the directory, mode 0750"
check "tmpfiles.d: the malformed line is named with file:line" \
	kw 5 "/etc/tmpfiles.d/site.conf:3: 'run/site-relative' is not an absolute, plain path"
# logs: forwarded while the node runs (host-check has what arrived)
# it connects once the network is up, after its backoff: wait for that line
check "log.remote connects (TCP)" kw 60 'log\.remote tcp://192\.168\.77\.1:514: connected'
check "log.remote is up (TCP)" sh -c 'pactctl metrics | grep -q "^pact_log_forward_up 1"'
pactctl metrics | grep '^pact_log_forward' | sed 's/^/# /'
check "nothing was dropped" sh -c 'pactctl metrics | grep -q "^pact_log_forward_dropped_total 0"'
check "the service's log file stamps its lines" \
	grep -qE '^20[0-9-]+T[0-9:.]+Z \[ *[0-9]+\.[0-9]{6}\] uses-home read: from the server$' /run/pact/logs/uses-home.log
# the lease is kept
check "the lease is renewed at T1" kw 40 'dhcp: eth0: 192\.168\.77\.21 renewed by 192\.168\.77\.1'
check "the metrics count the renewal" sh -c 'pactctl metrics | grep -qE "pact_dhcp_renewals_total\{interface=\"eth0\"\} [1-9]"'
echo "SITE-NODE-DONE"
done_testing
