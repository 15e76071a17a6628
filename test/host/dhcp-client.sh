#!/bin/bash
# pact-init's DHCP client (the sanitized daemon, not PID 1 of the machine:
# PID 1 of fresh pid, mount, UTS and cgroup namespaces, its cgroup root a
# test cgroup named with $PACT_HOST_CG_PREFIX) in a network namespace of
# its own on a veth (MAC 52:54:00:77:00:21) to the test bridge, against
# Debian's dnsmasq (test/net/netns.sh, dnsmasq.sh, dhcp/*.conf). The
# checks wait on the daemon's log lines and dnsmasq's, and read the
# kernel's state with ip(8) and pactctl.
#   options   ip=dhcp: address, MTU (26), routes (121), host name (12) as
#             the node id, resolv.conf (6 15 119), chrony's file (42),
#             pactctl net, the metrics; a live re-exec keeps the lease
#   reboot    INIT-REBOOT for the address given in ip=: one REQUEST; an
#             address the server refuses: NAK, then DISCOVER
#   noanswer  no server: the network phase fails naming eth0 (F28) and is
#             retried with backoff; a server that comes then is used
#   lease     net.eth0.address = dhcp, T1 10 s, T2 20 s: renewal at T1;
#             the server gone: rebinding at T2 with the address kept, the
#             server back: acknowledged; the server moved: NAK, new lease
#   expire    the server gone for good: the address stays while the lease
#             lasts (dnsmasq's shortest, 2 minutes), then goes, loudly
# lease and expire wait on the server's timers (T1, T2, the lease): they
# run beside the others, each in a test network of its own (about 2.5
# minutes in all).
#   dhcp-client.sh [SCENARIO...]    (default: all of them)
# Prints TAP.
set -uo pipefail
. test/net/netns.sh
. test/net/dnsmasq.sh
. test/net/scenarios.sh
MAC=52:54:00:77:00:21
BUILD=${BUILD:-build}
INIT=$(readlink -f "$BUILD/san/pact-init") CTL=$(readlink -f "$BUILD/san/pactctl")
D="" NS="" LOG="" MARK=0 CG=""

# A test cgroup under this script's own cgroup, named as the host tier
# names them: the root of the daemon's cgroup namespace, so the hierarchy
# it builds never lands at the machine's cgroup root.
test_cgroup() { # NAME: its path on stdout
	local mnt self
	mnt=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
		/proc/self/mountinfo)
	self=$(sed -n 's/^0:://p' /proc/self/cgroup)
	echo "$mnt${self%/}/${PACT_HOST_CG_PREFIX:-pact-host}-$$-$1"
}


# node_start NAME CMDLINE INIT.CONF: pact-init on a veth of its own
node_start() {
	net_client "$1"
	NS=$NET_CLIENT
	ip -n "$NS" link set eth0 address $MAC
	D=$NET_WORK/$1
	mkdir -p "$D/etc"
	printf '%s\n' "$2" >"$D/cmdline"
	printf '%b' "$3" >"$D/etc/init.conf"
	LOG=$D/log
	: >"$LOG"
	MARK=0
	CG=$(test_cgroup "$1")
	mkdir "$CG" || return
	(echo "$BASHPID" >"$CG/cgroup.procs" &&
		exec ip netns exec "$NS" unshare -p -m -u -C -f --mount-proc "$INIT" --run-dir="$D/run" \
			--config-dir="$D/etc" --cmdline="$D/cmdline" --cgroup-root="$D/cgroup" \
			--no-mounts --no-kmsg --no-reboot >>"$LOG" 2>&1) &
}
node_stop() { # the pids of its namespace: unshare and pact-init
	local p
	p=$(ip netns pids "$NS" 2>/dev/null)
	[ -z "$p" ] || kill -TERM $p 2>/dev/null
	for p in $p; do timeout 10 tail -s 0.1 --pid="$p" -f /dev/null; done
	# the test cgroup and what the daemon built in it, deepest first
	[ -z "$CG" ] || find "$CG" -depth -type d -exec rmdir {} + 2>/dev/null
	CG=""
}
mark() { MARK=$(stat -c %s "$LOG"); }
waitlog() { # REGEX [SECONDS]: a daemon log line after the mark
	test/net/logwait "$LOG" "$1" "${2:-30}" "$MARK"
}
has_addr() { ip -n "$NS" -4 addr show dev eth0 | grep -q "inet $1 "; }
ctl() { ip netns exec "$NS" "$CTL" --run-dir "$D/run" "$@"; }
since_mark() { tail -c "+$((MARK + 1))" "$LOG"; }
metric() { # NAME VALUE-ERE: eth0's sample of NAME (shown when it does not match)
	local m
	m=$("$CTL" --run-dir "$D/run" metrics | grep "^$1{interface=\"eth0\"")
	[[ $m =~ \}\ ($2)$ ]] || { echo "$m"; return 1; }
}

scenario_options() {
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/options.conf || return 1
	node_start c-opt "ip=dhcp" ""
	check "options: the node is ready" waitlog 'node client1 ready in'
	check "options: its id is the lease's host name (12)" grep -q 'node id client1 (from DHCP)' "$LOG"
	check "options: the lease, by DISCOVER" grep -qE 'dhcp: eth0: 192\.168\.77\.21/24 from 192\.168\.77\.1, lease 3600 s' "$LOG"
	check "options: eth0 has 192.168.77.21/24, with the lease's lifetime" \
		sh -c "ip -n $NS -4 addr show dev eth0 | grep -A1 'inet 192.168.77.21/24' | grep -q 'valid_lft [0-9]*sec'"
	check "options: MTU 1400 (26)" sh -c "ip -n $NS link show eth0 | grep -q 'mtu 1400'"
	check "options: 10.77.0.0/16 via 192.168.77.254 (121)" \
		sh -c "ip -n $NS route | grep -q '^10.77.0.0/16 via 192.168.77.254 dev eth0 proto dhcp src 192.168.77.21'"
	check "options: default via 192.168.77.1 (121, which overrides 3)" \
		sh -c "ip -n $NS route | grep -q '^default via 192.168.77.1 dev eth0 proto dhcp'"
	check "options: resolv.conf is a link to the run directory's" \
		test "$(readlink "$D/resolv.conf")" = "$D/run/resolv.conf"
	check "options: resolv.conf: search (119), name servers (6)" \
		test "$(grep -v '^#' "$D/resolv.conf")" = "search cluster.test example.test
nameserver 192.168.77.1
nameserver 192.168.77.2"
	check "options: chrony's source file (42)" \
		grep -qz 'server 192.168.77.1 iburst.server 192.168.77.3 iburst' "$D/chrony-dhcp/eth0.sources"
	local j
	j=$(ctl net --json)
	echo "$j" | grep -o '"leases".*' | cut -c1-400 | sed 's/^/# /'
	for want in '"ifname":"eth0","state":"bound","address":"192.168.77.21","prefix":24' \
		'"server":"192.168.77.1","how":"discover","lease_s":3600' \
		'"routes":[{"dst":"10.77.0.0/16","gateway":"192.168.77.254"},{"dst":"0.0.0.0/0","gateway":"192.168.77.1"}],"mtu":1400' \
		'"dns":["192.168.77.1","192.168.77.2"],"domain":"cluster.test","search":"cluster.test example.test","ntp":["192.168.77.1","192.168.77.3"],"hostname":"client1"'; do
		[[ $j == *"$want"* ]]
		res $? "options: pactctl net --json: ${want:0:60}..."
	done
	check "options: pactctl net for a human" sh -c "$(declare -f ctl); NS=$NS D=$D CTL=$CTL; ctl net | grep -q 'dhcp eth0: bound 192.168.77.21/24 from 192.168.77.1 (DISCOVER), renews in'"
	check "options: metrics: the time the lease has left" metric pact_dhcp_lease_remaining_seconds '35[0-9][0-9]'
	check "options: metrics: bound (the state's sample)" sh -c "'$CTL' --run-dir '$D/run' metrics |
		grep -q 'pact_dhcp_state{interface=\"eth0\",state=\"bound\"} 1'"
	check "options: the client asked for 121, 26, 42, 119 (option 55)" sh -c "
		grep -q 'requested options:.*26:mtu, 42:ntp-server' '$DHCP_LOG' &&
		grep -q 'requested options:.*119:domain-search' '$DHCP_LOG' &&
		grep -q 'requested options: 121:classless-static-route' '$DHCP_LOG'"
	check "options: and said who it is (vendor class, 60)" grep -q 'vendor class: pact-init' "$DHCP_LOG"
	# a live re-exec: the lease goes on, taken back from its file
	mark
	check "options: pactctl reexec" "$CTL" --run-dir "$D/run" reexec
	check "options: after the re-exec the lease is taken back" waitlog 'dhcp: eth0: lease taken back from'
	! since_mark | grep -q 'looking for a lease\|renewing'
	res $? "options: and nothing asked the server again"
	check "options: still bound" sh -c "'$CTL' --run-dir '$D/run' metrics |
		grep -q 'pact_dhcp_state{interface=\"eth0\",state=\"bound\"} 1'"
	node_stop
	dhcp_stop
}

scenario_reboot() {
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/options.conf || return 1
	dhcp_mark
	node_start c-reb "ip=192.168.77.21:::::eth0:dhcp" ""
	check "reboot: the node is ready" waitlog 'node client1 ready in'
	check "reboot: it asked for 192.168.77.21 again (INIT-REBOOT)" grep -q 'dhcp: eth0: asking for 192.168.77.21 again (INIT-REBOOT)' "$LOG"
	check "reboot: and got it that way" grep -q '192.168.77.21/24 from 192.168.77.1, lease .*, by INIT-REBOOT' "$LOG"
	dhcp_since_mark | grep -q "DHCPREQUEST(br0) 192.168.77.21 $MAC" && ! dhcp_since_mark | grep -q DHCPDISCOVER
	res $? "reboot: one REQUEST, no DISCOVER (dnsmasq)"
	check "reboot: pactctl net says how" sh -c "ip netns exec $NS '$CTL' --run-dir '$D/run' net --json | grep -q '\"how\":\"init-reboot\"'"
	node_stop
	dhcp_stop
	# the address given is not the node's any more: NAK, then DISCOVER
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/nak.conf || return 1
	node_start c-reb2 "ip=192.168.77.21:::::eth0:dhcp" ""
	check "reboot: a refused address: NAK" waitlog 'dhcp: eth0: 192.168.77.21 refused \(DHCPNAK\); looking for a lease' 20
	check "reboot: dnsmasq refused 192.168.77.21" grep -q "DHCPNAK(br0) 192.168.77.21 $MAC" "$DHCP_LOG"
	check "reboot: then the node's own lease, by DISCOVER" waitlog '192\.168\.77\.31/24 from 192\.168\.77\.1, lease [0-9]+ s, renewal in [0-9]+ s \('
	check "reboot: and it is ready" waitlog 'node client1 ready in'
	node_stop
	dhcp_stop
}

scenario_noanswer() {
	node_start c-none "ip=dhcp" 'net.dhcp_timeout_ms = 3000\nboot_retries = 5\n'
	check "noanswer: the network phase fails, naming eth0" \
		waitlog 'boot failed in phase ConfigureNetwork \(ConfigureNetwork: network: eth0: no DHCP lease after 3 s: no DHCP server answered [0-9]+ requests\)' 20
	check "noanswer: and is retried with backoff (F33)" waitlog 'boot: retry 1 of 5 in 1 s'
	check "noanswer: pactctl status shows the failure" sh -c "'$CTL' --run-dir '$D/run' --json status | grep -q 'eth0: no DHCP lease after 3 s'"
	check "noanswer: the retries are counted" metric pact_dhcp_retries_total '[1-9][0-9]*' 
	! grep -q 'node .* ready' "$LOG"
	res $? "noanswer: the node is not ready"
	# a server comes: the next retry gets a lease
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/options.conf || return 1
	check "noanswer: a server up: the next attempt gets a lease and the node is ready" \
		waitlog 'node client1 ready in' 30
	node_stop
	dhcp_stop
}

scenario_lease() {
	local t1
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/short-lease.conf || return 1
	node_start c-lease "" 'net.eth0.address = dhcp\n'
	check "lease: net.eth0.address = dhcp: the node is ready" waitlog 'node client1 ready in'
	check "lease: a 2-minute lease, renewal at T1 = 10 s" grep -q '192.168.77.21/24 from 192.168.77.1, lease 120 s, renewal in 10 s' "$LOG"
	mark
	dhcp_mark
	check "lease: at T1 it renews with the server" waitlog 'dhcp: eth0: renewing 192.168.77.21 with 192.168.77.1 \(T1\)' 20
	check "lease: dnsmasq acknowledges the renewal (unicast: no broadcast flag)" \
		dhcp_wait "DHCPACK\(br0\) 192.168.77.21 $MAC" 10
	check "lease: renewed" waitlog 'dhcp: eth0: 192.168.77.21 renewed by 192.168.77.1 for 120 s' 10
	# rebind: the server is gone at T1, back once the client rebinds
	dhcp_stop
	mark
	check "lease: server gone: the renewal at T1 is not answered" waitlog 'renewing 192.168.77.21 with 192.168.77.1 \(T1\)' 20
	check "lease: at T2 it rebinds with any server" waitlog 'does not answer; rebinding 192.168.77.21 with any server \(T2\)' 30
	check "lease: the address stays meanwhile" has_addr 192.168.77.21/24
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/short-lease.conf || return 1
	check "lease: the server, back, acknowledges the rebinding client" \
		dhcp_wait "DHCPACK\(br0\) 192.168.77.21 $MAC" 90
	check "lease: renewed" waitlog 'dhcp: eth0: 192.168.77.21 renewed by 192.168.77.1' 10
	! since_mark | grep -q 'LEASE LOST'
	res $? "lease: the address was never dropped"
	check "lease: the metrics count the renewals" metric pact_dhcp_renewals_total 2
	check "lease: and the retries" metric pact_dhcp_retries_total '[1-9][0-9]*' 
	# nak: the server comes back with the client moved to .31; the mark
	# before the restart: the renewal may come as soon as the server is up
	mark
	dhcp_stop
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/nak.conf || return 1
	check "lease: the renewal is refused (DHCPNAK), loudly" \
		waitlog 'LEASE LOST: 192.168.77.21 is gone, 192.168.77.1 refused it \(DHCPNAK: address not available\)' 30
	check "lease: it starts over and takes 192.168.77.31" waitlog '192\.168\.77\.31/24 from 192\.168\.77\.1' 30
	check "lease: eth0 has the new address" has_addr 192.168.77.31/24
	! has_addr 192.168.77.21/24
	res $? "lease: and not the old one"
	check "lease: the NAK is counted" metric pact_dhcp_naks_total 1
	node_stop
	dhcp_stop
}

scenario_expire() {
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/short-lease.conf || return 1
	node_start c-exp "ip=:::::eth0:dhcp" ""
	check "expire: the node is ready" waitlog 'node client1 ready in'
	dhcp_stop
	mark
	check "expire: with the server gone, it rebinds at T2" waitlog 'rebinding 192.168.77.21 with any server \(T2\), the lease ends in' 40
	check "expire: and keeps its address while the lease lasts" has_addr 192.168.77.21/24
	check "expire: the lease runs out: said loudly" \
		waitlog 'LEASE LOST: 192.168.77.21 is gone, it expired with no answer from any server' 120
	! has_addr 192.168.77.21/24
	res $? "expire: eth0 has no address left"
	! ip -n "$NS" route | grep -q '^default'
	res $? "expire: and no default route"
	check "expire: the client looks for a lease again" sh -c "grep -q '^pact-dhcp1 selecting' '$D/run/dhcp/eth0.lease'"
	check "expire: the loss is counted" metric pact_dhcp_leases_lost_total 1
	node_stop
}

scenarios dhcpc expire lease "options reboot noanswer" -- "$@"
