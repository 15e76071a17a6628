# A private test network on the host, sourced by the network tests:
# a network namespace of its own (unique name) holding a Linux bridge
# with the server's address, tap devices on that bridge for QEMU guests
# (QEMU runs inside the namespace and opens them by name), veth pairs for
# clients in further namespaces, and the servers (dnsmasq, busybox httpd)
# started in it. Nothing is created outside the namespaces: the host's own
# interfaces, routes and firewall are never touched, and no address here
# can reach anything but the namespaces. net_down (run by the EXIT trap
# that net_up installs) ends every process started in the namespaces, by
# pid, and deletes them; deleting a namespace deletes its devices.
#
#   net_up TAG            create the namespace $NET_NS and bridge br0 with
#                         $NET_SERVER/$NET_PREFIX; sets the EXIT trap
#   net_tap NAME          a tap device on br0 (for -netdev tap,ifname=NAME)
#   net_client NAME       a namespace pact-NAME-$$ whose eth0 is a veth on
#                         br0 (its name in $NET_CLIENT): for a client on
#                         the host; net_down deletes it too
#   net_run CMD...        run CMD in $NET_NS
#   net_nic TAP MAC       a new tap TAP on br0; prints QEMU's NIC arguments
#                         for it (virtio-net, MAC) to give boot/qemu.sh as
#                         PACT_NIC; run QEMU in $NET_NS (ip netns exec)
#   net_check             say why this machine cannot run these tests, or
#                         nothing when it can (exit status 1 then)
# Addresses: 192.168.77.0/24 and fd77::/64 (for router advertisements,
# test/net/dhcp/pxe-fast.conf), the server .1 and fd77::1 (fixed: the
# DHCP configs in test/net/dhcp/ name them). Environment: NET_WORK (a
# directory for the servers' files; default a temporary one, removed by
# net_down).
NET_DIR=$(dirname "${BASH_SOURCE[0]}")
NET_SUBNET=192.168.77
NET_SERVER=$NET_SUBNET.1
NET_PREFIX=24
NET_NS=""
NET_EXTRA_NS=()

# Why the machine cannot build the test network (empty: it can). Each
# feature is tried for real in a throwaway namespace.
net_check() {
	local ns="pact-check-$$-$RANDOM" why=""
	[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces, tap devices)"; return 1; }
	command -v ip >/dev/null || { echo "no ip command (iproute2)"; return 1; }
	[ -c /dev/net/tun ] || { echo "no /dev/net/tun: the kernel has no tun/tap"; return 1; }
	ip netns add "$ns" 2>/dev/null || { echo "cannot create a network namespace (ip netns add)"; return 1; }
	if ! ip -n "$ns" link add br0 type bridge 2>/dev/null; then
		why="cannot create a bridge in a network namespace"
	elif ! ip -n "$ns" tuntap add dev tap0 mode tap 2>/dev/null; then
		why="cannot create a tap device in a network namespace"
	elif ! ip -n "$ns" link add v0 type veth peer name v1 2>/dev/null; then
		why="cannot create a veth pair in a network namespace"
	fi
	ip netns del "$ns"
	[ -z "$why" ] || { echo "$why"; return 1; }
}

net_up() { # TAG
	NET_NS="pact-$1-$$"
	if [ -z "${NET_WORK:-}" ]; then
		NET_WORK=$(mktemp -d "/tmp/pact-net.XXXXXX")
		NET_WORK_OWNED=1
	fi
	trap net_down EXIT
	trap 'exit 130' INT TERM
	ip netns add "$NET_NS"
	ip -n "$NET_NS" link set lo up
	ip -n "$NET_NS" link add br0 type bridge
	# no spanning tree, no forwarding delay: ports forward at once
	ip -n "$NET_NS" link set br0 type bridge stp_state 0 forward_delay 0
	ip -n "$NET_NS" addr add "$NET_SERVER/$NET_PREFIX" dev br0
	ip -n "$NET_NS" addr add fd77::1/64 dev br0 nodad
	ip -n "$NET_NS" link set br0 up
}

net_tap() { # NAME
	ip -n "$NET_NS" tuntap add dev "$1" mode tap
	ip -n "$NET_NS" link set "$1" master br0
	ip -n "$NET_NS" link set "$1" up
}

net_client() { # NAME
	local ns="pact-$1-$$"
	ip netns add "$ns"
	NET_EXTRA_NS+=("$ns")
	ip -n "$NET_NS" link add "$1" type veth peer name eth0 netns "$ns"
	ip -n "$NET_NS" link set "$1" master br0
	ip -n "$NET_NS" link set "$1" up
	ip -n "$ns" link set lo up
	NET_CLIENT=$ns
}

net_run() { ip netns exec "$NET_NS" "$@"; }

net_nic() { # TAP MAC
	net_tap "$1"
	echo "-netdev tap,id=net0,ifname=$1,script=no,downscript=no -device virtio-net-pci,netdev=net0,mac=$2"
}

# End what runs in our namespaces (all of it was started by this script),
# then delete them. SIGTERM first; what is left after 5 s gets SIGKILL.
net_down() {
	local ns pids p left deadline
	for ns in "${NET_EXTRA_NS[@]}" $NET_NS; do
		ip netns list 2>/dev/null | grep -qw "^$ns" || continue
		pids=$(ip netns pids "$ns" 2>/dev/null)
		if [ -n "$pids" ]; then
			kill -TERM $pids 2>/dev/null
			deadline=$((SECONDS + 5))
			for p in $pids; do
				left=$((deadline - SECONDS))
				[ "$left" -gt 0 ] || break
				# returns when the process is gone
				timeout "$left" tail -s 0.1 --pid="$p" -f /dev/null 2>/dev/null
			done
			pids=$(ip netns pids "$ns" 2>/dev/null)
			[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
		fi
		ip netns del "$ns"
	done
	NET_EXTRA_NS=()
	[ "${NET_WORK_OWNED:-0}" = 1 ] && rm -rf "$NET_WORK"
	return 0
}
