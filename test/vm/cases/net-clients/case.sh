#!/bin/sh
# The guest as a client of real servers, by hand (pact-init's DHCP client
# and syslog forwarding come later): busybox udhcpc against dnsmasq on the
# test bridge and against QEMU's user network (the NICs are told apart by
# their MACs: the kernel numbers them in probe order), then
# util-linux's logger sending RFC 5424 over UDP and TCP to rsyslog on the
# bridge (host-check looks at what rsyslog received). util-linux logger by
# its path: busybox sh runs its own applet for a bare "logger".
. /test/tap.sh
nonce=$(sed -n 's/.*net_clients\.nonce=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "# nonce $nonce"
iface() { # MAC
	for a in /sys/class/net/*/address; do
		[ "$(cat "$a")" = "$1" ] && basename "$(dirname "$a")"
	done
}
br=$(iface 52:54:00:77:00:21) user=$(iface 52:54:00:77:00:22)
ok $([ -n "$br" ] && [ -n "$user" ]; echo $?) "both NICs are there (bridge: $br, user network: $user)"
dhcp() { # IFACE
	udhcpc -f -q -n -t 10 -T 1 -i "$1" -s /test/net/udhcpc.script \
		-O mtu -O ntpsrv -O staticroutes -O search >"/tmp/$1.dhcp" 2>&1
}
check "udhcpc gets a lease on $br (dnsmasq)" dhcp "$br"
sed 's/^/# /' "/tmp/$br.dhcp"
ev=$(grep 'udhcpc-event: bound' "/tmp/$br.dhcp")
for want in ip=192.168.77.21 hostname=client1 "dns=192.168.77.1 192.168.77.2" domain=cluster.test \
	"search=cluster.test example.test" "ntpsrv=192.168.77.1 192.168.77.3" mtu=1400 \
	"staticroutes=10.77.0.0/16 192.168.77.254 0.0.0.0/0 192.168.77.1"; do
	case $ev in *" $want "*) r=0 ;; *) r=1 ;; esac
	ok $r "$br lease: $want"
done
check "$br has 192.168.77.21/24 and MTU 1400" sh -c "ip -4 addr show dev $br | grep -q 'inet 192.168.77.21/24' &&
	ip link show $br | grep -q 'mtu 1400'"
check "the route of option 121 is in place" sh -c "ip route | grep -q '^10.77.0.0/16 via 192.168.77.254 dev $br'"
check "udhcpc gets a lease on $user (QEMU's user network)" dhcp "$user"
sed 's/^/# /' "/tmp/$user.dhcp"
check "$user lease: 10.0.2.15, router 10.0.2.2, DNS 10.0.2.3" \
	grep -q 'udhcpc-event: bound ip=10.0.2.15 mask=24 router=10.0.2.2 dns=10.0.2.3 ' "/tmp/$user.dhcp"
check "logger sends RFC 5424 over UDP to 192.168.77.1:514" /usr/bin/logger -i -n 192.168.77.1 -P 514 -d --rfc5424 \
	--msgid NETUDP --sd-id pact@32473 --sd-param 'node="client1"' -t pact-test "hello over udp $nonce"
check "logger sends RFC 5424 over TCP to 192.168.77.1:514" /usr/bin/logger -i -n 192.168.77.1 -P 514 -T --rfc5424 \
	--msgid NETTCP -t pact-test "hello over tcp $nonce"
done_testing
