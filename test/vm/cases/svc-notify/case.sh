#!/bin/sh
# Notify gating: a dependent (Requires= + After=) starts only after its
# Type=notify requirement said READY=1, whether the main process sends it
# or a child of it (pactctl notify --ready from the script); a notify
# service that never gets ready fails at TimeoutStartSec and its dependent
# never starts; a message from outside any service's scope is ignored.
. /test/tap.sh
. /test/svc.sh
r=$(kmsg_line 'service gate\.service: ready \(READY=1\)')
s=$(kmsg_line 'service dep\.service: started')
[ "$r" -gt 0 ] && [ "$s" -gt "$r" ]
ok $? "dep started (dmesg line $s) after gate's READY=1 (line $r)"
g=$(kmsg_line 'service gate\.service: started')
[ "$g" -gt 0 ] && [ "$g" -lt "$r" ]
ok $? "gate started (line $g) before it was ready"
check "gate's log: the notify came after its setup" sh -c "grep -A1 'gate: notifying' $LOGS/gate.log | grep -q 'gate: notified'"
check "dep's own log says it started" grep -q 'dep: started' $LOGS/dep.log
is "$(svc_get gate state)" running "gate is running"
is "$(svc_get gate ready)" true "gate is ready"
is "$(svc_get gate status)" serving "gate's STATUS= is shown"
is "$(svc_get dep state)" running "dep is running"

r=$(kmsg_line 'service self\.service: ready \(READY=1\)')
s=$(kmsg_line 'service dep2\.service: started')
[ "$r" -gt 0 ] && [ "$s" -gt "$r" ]
ok $? "dep2 started (line $s) after self's own READY=1 (line $r)"

is "$(svc_get mute state)" failed "mute (never ready) failed"
check "mute's why names the start timeout" sh -c "pactctl services --json | grep -q 'not ready within 2000 ms'"
is "$(svc_get dep3 state)" failed "dep3 (Requires=mute) failed"
is "$(svc_get dep3 pid)" "" "dep3 never ran"
check "dep3 never started" sh -c "! dmesg | grep -q 'service dep3.service: started'"
echo "# dep3: $(svc_get dep3 why)"

# the admin's table: one row per service, the STATUS= text among the columns
pactctl services >/tmp/table 2>&1
ok $? "pactctl services (the human table) works"
check "its header has the slice, scope, status and why columns" \
	sh -c "head -n 1 /tmp/table | grep -q 'SLICE.*SCOPE.*STATUS.*WHY'"
check "gate's row shows its STATUS=" sh -c "grep '^gate.service ' /tmp/table | grep -q serving"
sed 's/^/# /' /tmp/table

NOTIFY_SOCKET=/run/pact/notify.sock pactctl notify --ready >/dev/null 2>&1
check "READY=1 from outside every scope is ignored (and logged)" \
	$KW -t 5 'notify: message from pid [0-9]+, which is in no service.s scope: ignored'
done_testing
