#!/bin/sh
# Stop of a service that ignores SIGTERM and has forked grandchildren:
# after TimeoutStopSec (1 s) its scope is killed (cgroup.kill, PS3); every
# pid is gone, the scope directory removed, within the grace plus a bound;
# Restart=always does not bring back a service stopped on request.
. /test/tap.sh
. /test/svc.sh
scope=$CG/pact.slice/infra.slice/stub.scope
pids=$(svc_log stub | grep -E '^[0-9]+$' | tr '\n' ' ')
main=$(svc_get stub pid)
set -- $pids
is "$#" 4 "stubborn printed 4 pids (main + 3 grandchildren): $pids"
all_in=0
for p in $pids; do grep -qx "$p" $scope/cgroup.procs || all_in=1; done
ok $all_in "every pid is in stub's scope"
calm=$(svc_get calm pid)

t0=$(uptime_ms)
check "pactctl stop stub" pactctl stop stub
# the event: pact-init logs the stop's end once the scope is removed
check "stop finished within 1 s + 10 s" $KW -t 11 'service stub\.service: stopped \(scope pact\.slice/infra\.slice/stub\.scope removed\)'
t1=$(uptime_ms)
el=$((t1 - t0))
[ $el -ge 1000 ] && [ $el -le 8000 ]
ok $? "stop took $el ms: at least TimeoutStopSec (1000), at most 8000"
left=""
for p in $pids; do proc_alive $p && left="$left $p"; done
is "$left" "" "no process of stub is left"
check "stub's scope directory is removed" test ! -e $scope
check "the log says the scope was killed after the grace" \
	kmsg_has 'service stub\.service: still running 1000 ms after signal 15: killing its scope'
is "$(svc_get stub state)" stopped "stub is stopped"
is "$(svc_get stub pid)" "" "stub has no pid"
is "$(svc_get stub restarts)" 0 "Restart=always does not restart a stop on request"
is "$(svc_get calm pid)" "$calm" "calm keeps its pid"
check "calm still runs" proc_alive $calm

# a start after the stop gets a fresh scope (the killed one is never reused)
check "pactctl start stub" pactctl start stub
check "stub started again" $KW -t 10 -n 2 'service stub\.service: ready \(READY=1\)'
is "$(svc_get stub scope)" pact.slice/infra.slice/stub-1.scope "the new start runs in stub-1.scope"
done_testing
