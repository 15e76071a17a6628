#!/bin/sh
# A crash-looping service (exit 1 at once, Restart=always, RestartSec=100ms)
# restarts with growing delays, each run in a fresh scope (crash, crash-1,
# crash-2 ...), while another service keeps running with the same pid.
. /test/tap.sh
. /test/svc.sh
steady=$(svc_get steady pid)
check "steady runs" proc_alive "$steady"
# the event: the fourth "restarting in N ms" (100+200+400 ms of backoff)
$KW -t 20 -n 4 'service crash\.service: restarting in [0-9]+ ms' >/tmp/delays
ok $? "crash restarted 4 times within 20 s"
delays=$(sed -nE 's/.*restarting in ([0-9]+) ms.*/\1/p' /tmp/delays | tr '\n' ' ')
is "$delays" "100 200 400 800 " "restart delays start at RestartSec and double"
$KW -t 10 -n 4 'service crash\.service: started' >/tmp/starts
ok $? "crash was started 4 times"
scopes=$(sed -nE 's/.*scope (pact[^)]*)\).*/\1/p' /tmp/starts | tr '\n' ' ')
is "$scopes" "pact.slice/infra.slice/crash.scope pact.slice/infra.slice/crash-1.scope pact.slice/infra.slice/crash-2.scope pact.slice/infra.slice/crash-3.scope " \
	"every restart runs in a fresh scope"
check "crash-1.scope was removed" test ! -e $CG/pact.slice/infra.slice/crash-1.scope
r=$(svc_get crash restarts)
[ "${r:-0}" -ge 3 ]
ok $? "pactctl counts the restarts ($r)"
check "pactctl shows crash's last exit" sh -c "pactctl services --json | grep -q '\"last_exit\":\"exited with status 1\"'"
is "$(svc_get steady pid)" "$steady" "steady keeps its pid"
check "steady still runs" proc_alive "$steady"
is "$(svc_get steady restarts)" 0 "steady was never restarted"
is "$(svc_get steady state)" running "steady is running"
# the loop stays responsive while crash loops: a control round trip
check "pactctl answers during the crash loop" pactctl status
# stop the loop: a restart wait ends in stopped, no further start
check "pactctl stop crash" pactctl stop crash
check "crash ends stopped" $KW -t 10 'service crash\.service: stopped'
is "$(svc_get crash state)" stopped "crash is stopped"
done_testing
