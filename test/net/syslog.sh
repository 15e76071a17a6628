# rsyslog (Debian's, staged from its package by images/debpkg.sh into
# $BUILD/net/rsyslog: not installed on the host) as the test network's
# syslog server, in $NET_NS; sourced after test/net/netns.sh. It takes
# RFC 5424 (and RFC 3164) messages over UDP and TCP on $NET_SERVER:514
# and writes every one it gets to $SYSLOG_OUT, a line each:
#   INPUT VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG
# (INPUT: udp or tcp; "-" for a field the message did not have).
#   syslog_start               returns once it listens
#   syslog_stop                returns once it exited
#   syslog_wait REGEX [SECONDS]   wait for a received message; prints it
SYSLOG_PID=""

syslog_start() {
	local root mods=/usr/lib/x86_64-linux-gnu/rsyslog m files=()
	# absolute: rsyslogd loads its modules after a chdir to /
	root=$(readlink -f "$BUILD")/net/rsyslog
	for m in imudp imtcp lmnet lmnetstrms lmnsd_ptcp lmtcpsrv; do files+=("$mods/$m.so"); done
	images/debpkg.sh "$BUILD" "$root" "rsyslog libestr0 libfastjson4 libsystemd0 zlib1g libuuid1
		libcap2 libgcrypt20 libgpg-error0 liblz4-1 liblzma5 libzstd1" \
		/usr/sbin/rsyslogd "${files[@]}" || return 1
	SYSLOG_OUT=$NET_WORK/syslog.messages
	: >"$SYSLOG_OUT"
	mkdir -p "$NET_WORK/rsyslog"
	cat >"$NET_WORK/rsyslog.conf" <<-CONF
		# its own messages ("start") go through the rules, not to syslog(3)
		global(workDirectory="$NET_WORK/rsyslog" processInternalMessages="on")
		module(load="imudp")
		module(load="imtcp")
		input(type="imudp" address="$NET_SERVER" port="514" name="udp")
		input(type="imtcp" address="$NET_SERVER" port="514" name="tcp")
		template(name="fields" type="list") {
			property(name="inputname") constant(value=" ")
			property(name="protocol-version") constant(value=" ")
			property(name="timereported" dateFormat="rfc3339") constant(value=" ")
			property(name="hostname") constant(value=" ")
			property(name="app-name") constant(value=" ")
			property(name="procid") constant(value=" ")
			property(name="msgid") constant(value=" ")
			property(name="structured-data") constant(value=" ")
			property(name="msg" droplastlf="on") constant(value="\n")
		}
		*.* action(type="omfile" file="$SYSLOG_OUT" template="fields")
	CONF
	# ip netns exec execs rsyslogd: $! is its pid
	ip netns exec "$NET_NS" env LD_LIBRARY_PATH="$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu" \
		"$root/usr/sbin/rsyslogd" -n -f "$NET_WORK/rsyslog.conf" -i "$NET_WORK/rsyslog.pid" \
		-M "$root$mods" >>"$NET_WORK/rsyslog.out" 2>&1 &
	SYSLOG_PID=$!
	# its own "start" message goes through the same action, once the
	# inputs listen
	if ! syslog_wait 'rsyslogd .*\] start' 20 >/dev/null; then
		echo "syslog_start: rsyslogd did not start:" >&2
		tail -n 5 "$NET_WORK/rsyslog.out" >&2
		return 1
	fi
}

syslog_stop() {
	[ -n "$SYSLOG_PID" ] || return 0
	kill -TERM "$SYSLOG_PID" 2>/dev/null
	wait "$SYSLOG_PID" 2>/dev/null
	SYSLOG_PID=""
}

syslog_wait() { # REGEX [SECONDS]
	"$NET_DIR/logwait" "$SYSLOG_OUT" "$1" "${2:-30}"
}
