#!/bin/sh
# Which units run (docs/units.md): vendor units in /usr/lib/pact/units
# enabled by NAME.wants/ links, the admin's drop-in and mask in
# /etc/pact/units, `units.enable` in init.conf, an alias symlink, a
# legacy service; a socket that starts its service on the first
# connection and hands it the fd (sd_listen_fds); timers that fire.
. /test/tap.sh
. /test/svc.sh
unit_state() { # unit_state NAME.KIND: the state of a unit that is not a service
	pactctl services --json | sed 's/},{"name"/}\n{"name"/g' | grep -F "\"name\":\"$1\"" |
		sed -nE 's/.*"state":"([^"]*)".*/\1/p'
}

check "the legacy service ran" test "$(cat /run/legacy.out 2>/dev/null)" = legacy
is "$(cat /run/over.out 2>/dev/null)" "dropin vendor" \
	"the admin's drop-in replaced ExecStart= (the vendor's Environment= kept)"
is "$(cat /run/by-conf.out 2>/dev/null)" by-conf "a unit enabled by units.enable ran"
check "a unit nothing enables did not run" test ! -e /run/lonely.out
is "$(svc_get lonely state)" "" "and is not loaded"
check "a masked unit did not run" test ! -e /run/masked.out
is "$(svc_get masked state)" "" "and is not loaded"
check "the mask is said" kmsg_has "masked\\.service is masked, not loaded"
is "$(svc_get portmap2 state)" "" "an alias symlink is no unit of its own"
is "$(svc_get rpcb state)" running "its unit runs"
is "$(wc -l </run/rpcb.pids 2>/dev/null)" 1 "once"
is "$(unit_state multi-user.target)" running "multi-user.target is reached"

# socket activation: nothing runs until the first connection
is "$(unit_state echo.socket)" running "echo.socket listens"
is "$(stat -c %a /run/echo/echo.sock 2>/dev/null)" 600 "with SocketMode=0600"
is "$(readlink /run/echo-link/echo.sock)" /run/echo/echo.sock "Symlinks= made its link"
is "$(svc_get echo state)" inactive "echo.service waits for a connection"
answer=$(/test/bin/listenfd ask /run/echo/echo.sock)
echo "# answer: $answer"
is "$answer" "pid=mine fds=1 names=echo.socket fd3=listening" \
	"the first connection started echo.service with the socket on fd 3 (LISTEN_PID its own)"
is "$(svc_get echo state)" running "echo.service runs"
check "PID 1 said why it started it" kmsg_has "socket echo\\.socket: activity, starting echo\\.service"

# timers: tick.service runs from its timer, 1 s after the boot, then every 3 s
check "tick.timer fired twice" $KW -t 30 -n 2 "timer tick\\.timer: due, starting tick\\.service"
check "tick.service ran twice" $KW -t 10 -n 2 "service tick\\.service: finished"
first_start=$(kmsg_line "service tick\\.service: start")
first_due=$(kmsg_line "timer tick\\.timer: due")
ok $([ "$first_due" -gt 0 ] && [ "$first_due" -lt "$first_start" ] && echo 0 || echo 1) \
	"tick.service did not run at boot before its timer was due"
check "cal.timer (every 5 s by the calendar) fired" \
	$KW -t 30 "timer cal\\.timer: due, starting cal\\.service"
check "cal.service ran" $KW -t 10 "service cal\\.service: finished"
is "$(unit_state tick.timer)" running "tick.timer stays armed"
pactctl list-timers | sed 's/^/# /'
check "pactctl list-timers names tick.timer" sh -c "pactctl list-timers | grep -q 'tick\\.timer.*tick\\.service'"
check "pactctl list-sockets names echo.socket" \
	sh -c "pactctl list-sockets | grep -q 'echo\\.socket.*/run/echo/echo\\.sock.*echo\\.service'"
check "boot went on: the node is ready" test -e /run/pact/ready

# run-time enablement (docs/units.md, "Enabling units at run time")
is "$(pactctl is-enabled rpcb)" enabled "is-enabled: a unit linked into the target"
is "$(pactctl is-enabled lonely)" disabled "is-enabled: [Install], no link: disabled"
is "$(pactctl is-enabled masked)" masked "is-enabled: masked"
is "$(pactctl is-enabled portmap2)" alias "is-enabled: an alias symlink"
pactctl is-enabled --quiet no-such
is "$?" 4 "is-enabled of no unit: exit 4"
check "enable --now lonely" pactctl enable --now lonely
check "its link is in /etc/pact/units" test -L /etc/pact/units/multi-user.target.wants/lonely.service
check "--now started it" $KW -t 30 "service lonely\\.service: finished"
is "$(cat /run/lonely.out 2>/dev/null)" ran "and it ran"
is "$(pactctl is-enabled lonely)" enabled "is-enabled: enabled"
check "disable lonely" pactctl disable lonely
check "its link is gone" test ! -e /etc/pact/units/multi-user.target.wants/lonely.service
is "$(pactctl is-enabled lonely)" disabled "is-enabled: disabled again"

# daemon-reload: a unit added, one changed (a new drop-in), one removed (masked)
mkdir -p /etc/pact/units/multi-user.target.wants
printf '[Service]\nExecStart=/bin/sh -c "echo added >/run/added.out; exec sleep 1000000"\n' \
	>/etc/pact/units/added.service
ln -s ../added.service /etc/pact/units/multi-user.target.wants/added.service
printf '[Service]\nEnvironment=WHO=reloaded\n' >/etc/pact/units/over.service.d/20-reload.conf
ln -s /dev/null /etc/pact/units/rpcb.service
rpcb_pid=$(svc_get rpcb pid)
out=$(pactctl daemon-reload)
echo "$out" | sed 's/^/# /'
is "$(echo "$out" | tail -n 1)" "1 added, 1 changed, 1 removed" "daemon-reload: one of each"
check "the added unit started" $KW -t 30 "service added\\.service: started"
is "$(svc_get added state)" running "added.service runs"
check "the masked unit leaves the table" $KW -t 30 "unit rpcb\\.service: removed by daemon-reload"
is "$(svc_get rpcb state)" "" "rpcb.service is no longer listed"
ok "$(proc_alive "$rpcb_pid" && echo 1 || echo 0)" "its process ($rpcb_pid) is stopped"
is "$(pactctl daemon-reload | tail -n 1)" "0 added, 0 changed, 0 removed" "a second reload: nothing"
check "restart over" pactctl restart over
is "$(cat /run/over.out 2>/dev/null)" "dropin reloaded" "the changed unit's next start uses the drop-in"
done_testing
