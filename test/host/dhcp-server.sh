#!/bin/bash
# The DHCP server configurations that the DHCP client tests use
# (test/net/dhcp/), each proven with a real client: dnsmasq on the test
# bridge (test/net/netns.sh, dnsmasq.sh) and busybox udhcpc in a
# namespace of its own on a veth (MAC 52:54:00:77:00:21), whose events
# (test/net/udhcpc.script) and log lines are what the checks wait on.
#   options   every option arrives and is applied: 12 6 15 119 42 26 121
#   renew     a renewal (unicast to the server) is answered; T1/T2 are sent
#   rebind    server gone: the renewal goes unanswered, the client
#             broadcasts (rebinding) and keeps its address; server back:
#             the rebinding request is answered, same address
#   nak       server restarted with the client moved: the renewal gets a
#             DHCPNAK and the client takes its new address
#   expire    server gone for good: the address stays while the lease
#             lasts, then goes ("lease lost")
# udhcpc renews on SIGUSR1 (it ignores T1/T2, and with dnsmasq's shortest
# lease, 2 minutes, it would skip renewing for rebinding). The expiry
# check waits out that lease; it runs beside the others in a test network
# of its own, so the whole takes about two minutes.
#   dhcp-server.sh [SCENARIO...]    (default: all of them)
# Prints TAP.
set -uo pipefail
. test/net/netns.sh
. test/net/dnsmasq.sh
. test/net/scenarios.sh
MAC=52:54:00:77:00:21
CLIENT_PID="" CLIENT_LOG="" CLIENT_NS="" CLIENT_MARK=0


client_start() { # NAME
	net_client "$1"
	CLIENT_NS=$NET_CLIENT
	ip -n "$CLIENT_NS" link set eth0 address $MAC
	ip -n "$CLIENT_NS" link set eth0 up
	CLIENT_LOG=$NET_WORK/$1.log
	: >"$CLIENT_LOG"
	CLIENT_MARK=0
	# ip netns exec execs udhcpc: $! is udhcpc's pid (for SIGUSR1)
	ip netns exec "$CLIENT_NS" busybox udhcpc -f -i eth0 -s "$PWD/test/net/udhcpc.script" \
		-O mtu -O ntpsrv -O staticroutes -O search -t 20 -T 1 -A 1 >>"$CLIENT_LOG" 2>&1 &
	CLIENT_PID=$!
}
client_mark() { CLIENT_MARK=$(stat -c %s "$CLIENT_LOG"); }
client_wait() { # REGEX [SECONDS]: a client log line after the mark
	test/net/logwait "$CLIENT_LOG" "$1" "${2:-30}" "$CLIENT_MARK"
}
client_since_mark() { tail -c "+$((CLIENT_MARK + 1))" "$CLIENT_LOG"; }
client_has() { # ADDRESS/PREFIX
	ip -n "$CLIENT_NS" -4 addr show dev eth0 | grep -q "inet $1 "
}
field() { # LINE NAME: the value of NAME=... in an event line
	sed -n "s/.* $2=\\([^=]*\\) [a-z]*=.*/\\1/p" <<<"$1"
}

scenario_options() {
	local ev
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/options.conf || return 1
	client_start c-opt
	ev=$(client_wait 'udhcpc-event: bound ')
	res $? "options: the client is bound (${ev:-no event})"
	[ "$(field "$ev" ip)" = 192.168.77.21 ]; res $? "options: address 192.168.77.21 (dhcp-host)"
	[ "$(field "$ev" hostname)" = client1 ]; res $? "options: 12 host name client1"
	[ "$(field "$ev" dns)" = "192.168.77.1 192.168.77.2" ]; res $? "options: 6 DNS servers"
	[ "$(field "$ev" domain)" = cluster.test ]; res $? "options: 15 domain name"
	[ "$(field "$ev" search)" = "cluster.test example.test" ]; res $? "options: 119 search list"
	[ "$(field "$ev" ntpsrv)" = "192.168.77.1 192.168.77.3" ]; res $? "options: 42 NTP servers"
	[ "$(field "$ev" mtu)" = 1400 ]; res $? "options: 26 MTU"
	[ "$(field "$ev" staticroutes)" = "10.77.0.0/16 192.168.77.254 0.0.0.0/0 192.168.77.1" ]
	res $? "options: 121 classless routes"
	check "options: applied: the address" client_has 192.168.77.21/24
	check "options: applied: MTU 1400" sh -c "ip -n $CLIENT_NS link show eth0 | grep -q 'mtu 1400'"
	check "options: applied: 10.77.0.0/16 via 192.168.77.254 (121)" \
		sh -c "ip -n $CLIENT_NS route | grep -q '^10.77.0.0/16 via 192.168.77.254 dev eth0'"
	check "options: applied: default via 192.168.77.1 (121)" \
		sh -c "ip -n $CLIENT_NS route | grep -q '^default via 192.168.77.1 dev eth0'"
	check "options: dnsmasq logged every option it sent" sh -c "for o in 'option:  6 dns-server' \
		'option: 15 domain-name' 'option: 42 ntp-server' 'option: 26 mtu' \
		'option:121 classless-static-route' 'option: 12 hostname'; do
		grep -q \"sent size: *[0-9]* \$o\" '$DHCP_LOG' || { echo \"missing: \$o\"; exit 1; }; done"
	client_stop
	dhcp_stop
}

client_stop() {
	kill "$CLIENT_PID" 2>/dev/null
	wait "$CLIENT_PID" 2>/dev/null
}

# renew, rebind and nak: one client, one lease, the server changing
scenario_lease() {
	local ev
	rm -f "$NET_WORK/dnsmasq.leases"
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/short-lease.conf || return 1
	client_start c-lease
	ev=$(client_wait 'udhcpc-event: bound ')
	res $? "renew: the client is bound (${ev:-no event})"
	[ "$(field "$ev" lease)" = 120 ]; res $? "renew: a 2-minute lease"
	check "renew: T1 10 s and T2 20 s were sent" sh -c \
		"grep -q 'option: 58 T1  10s' '$DHCP_LOG' && grep -q 'option: 59 T2  20s' '$DHCP_LOG'"

	client_mark
	dhcp_mark
	kill -USR1 "$CLIENT_PID"
	check "renew: the client renews with the server (unicast)" client_wait 'sending renew to server 192.168.77.1'
	check "renew: dnsmasq acknowledges" dhcp_wait "DHCPACK\(br0\) 192.168.77.21 $MAC"
	ev=$(client_wait 'udhcpc-event: renew ')
	[ "$(field "$ev" ip)" = 192.168.77.21 ]; res $? "renew: same address (${ev:-no event})"

	# rebind: the server is gone when the client renews, back once it rebinds
	dhcp_stop
	client_mark
	kill -USR1 "$CLIENT_PID"
	check "rebind: the client renews with the server, which is gone" \
		client_wait 'sending renew to server 192.168.77.1'
	check "rebind: unanswered, the client rebinds (broadcast)" client_wait 'broadcasting renew' 90
	check "rebind: and keeps its address meanwhile" client_has 192.168.77.21/24
	# the client is broadcasting: the server may acknowledge it as soon
	# as it is up; the wait reads from where this server's log begins
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/short-lease.conf || return 1
	check "rebind: the server, back, acknowledges the rebinding client" \
		dhcp_wait "DHCPACK\(br0\) 192.168.77.21 $MAC" 60
	ev=$(client_wait 'udhcpc-event: renew ')
	[ "$(field "$ev" ip)" = 192.168.77.21 ]; res $? "rebind: same address (${ev:-no event})"
	! client_since_mark | grep -q 'udhcpc-event: deconfig'
	res $? "rebind: the address was never dropped"

	# nak: the server comes back with the client moved to .31
	dhcp_stop
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/nak.conf || return 1
	client_mark
	kill -USR1 "$CLIENT_PID"
	check "nak: dnsmasq refuses the renewal of 192.168.77.21" \
		dhcp_wait "DHCPNAK\(br0\) 192.168.77.21 $MAC"
	check "nak: the client gets the NAK" client_wait 'received DHCP NAK'
	ev=$(client_wait 'udhcpc-event: bound ' 60)
	[ "$(field "$ev" ip)" = 192.168.77.31 ]; res $? "nak: it starts over and is bound to 192.168.77.31 (${ev:-no event})"
	check "nak: eth0 has the new address" client_has 192.168.77.31/24
	! client_has 192.168.77.21/24; res $? "nak: and not the old one"
	client_stop
	dhcp_stop
}

scenario_expire() {
	local ev
	dhcp_start test/net/dhcp/client.conf test/net/dhcp/short-lease.conf || return 1
	client_start c-exp
	ev=$(client_wait 'udhcpc-event: bound ')
	res $? "expire: the client is bound (${ev:-no event})"
	dhcp_stop
	client_mark
	check "expire: with the server gone, the client rebinds" client_wait 'broadcasting renew' 120
	check "expire: and keeps its address while the lease lasts" client_has 192.168.77.21/24
	check "expire: the lease runs out" client_wait 'lease lost, entering init state' 120
	check "expire: the client drops the address" client_wait 'udhcpc-event: deconfig'
	! client_has 192.168.77.21/24; res $? "expire: eth0 has no address left"
	client_stop
}

scenarios dhcp expire "options lease" -- "$@"
