# dnsmasq (Debian's, installed by boot/deps.sh) as the DHCP and TFTP
# server of the test network, running in $NET_NS on br0; sourced after
# test/net/netns.sh. Configurations are files under test/net/dhcp/ (see
# its README), given in order: later files add to earlier ones.
#
#   dhcp_start CONF... [-- DNSMASQ-ARG...]   start; returns once it serves
#   dhcp_stop                                stop it; returns once it exited
#   dhcp_mark                                later waits see only newer lines
#   dhcp_wait REGEX [SECONDS]                wait for a log line after the mark
#                                            (default 30 s); prints it
#   dhcp_since_mark                          the log lines after the mark
# dhcp_start leaves the mark where this server's log begins: a client
# already waiting (rebinding) may be answered the moment the server is
# up, before dhcp_start returns, and a wait after it must still see that.
# The mark is a byte offset, taken before the action whose effect is
# awaited (test/net/logwait).
# Files: $DHCP_LOG (dnsmasq's log, with every option it sent: log-dhcp),
# $DHCP_LEASES (its lease file; kept across a restart, as a server's is).
DHCP_PID=""
DHCP_MARK=0

dhcp_start() {
	local confs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do confs+=(--conf-file="$1"); shift; done
	[ "${1:-}" = -- ] && shift
	DHCP_LOG=$NET_WORK/dnsmasq.log DHCP_LEASES=$NET_WORK/dnsmasq.leases
	touch "$DHCP_LOG"
	dhcp_mark
	# --conf-file=/dev/null first: never the host's /etc/dnsmasq.conf;
	# root, so that it reads the TFTP files and writes its lease file
	# in the test's own directories. ip netns exec execs it: $! is its
	# pid (through a shell function it would be a subshell's)
	ip netns exec "$NET_NS" dnsmasq --conf-file=/dev/null "${confs[@]}" "$@" \
		--keep-in-foreground --user=root --group=root --pid-file= \
		--interface=br0 --bind-interfaces \
		--dhcp-leasefile="$DHCP_LEASES" --log-facility="$DHCP_LOG" --log-dhcp \
		>>"$NET_WORK/dnsmasq.out" 2>&1 &
	DHCP_PID=$!
	# dnsmasq logs "started" after binding its sockets; it may also exit
	# at once on a bad configuration, which the wait sees
	if ! dhcp_wait 'dnsmasq\[[0-9]+\]: started, version' 10 >/dev/null; then
		echo "dhcp_start: dnsmasq did not start:" >&2
		tail -n 5 "$NET_WORK/dnsmasq.out" "$DHCP_LOG" >&2
		return 1
	fi
}

dhcp_stop() {
	[ -n "$DHCP_PID" ] || return 0
	kill -TERM "$DHCP_PID" 2>/dev/null
	wait "$DHCP_PID" 2>/dev/null
	DHCP_PID=""
}

dhcp_mark() { DHCP_MARK=$(stat -c %s "$DHCP_LOG"); }

dhcp_wait() { # REGEX [SECONDS]
	"$NET_DIR/logwait" "$DHCP_LOG" "$1" "${2:-30}" "$DHCP_MARK"
}

dhcp_since_mark() { tail -c "+$((DHCP_MARK + 1))" "$DHCP_LOG"; }
