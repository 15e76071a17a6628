#!/bin/sh
# Limits that keep one service from taking the node, on a real kernel:
# - every pact.slice child and every service without TasksMax= gets the
#   default task limit, 15% of the kernel's (systemd's DefaultTasksMax);
#   TasksMax= is honoured; a fork bomb is capped there, the rest runs on;
# - a RestartSec=0 crash loop is spaced by the minimum restart delay and
#   ended by the start limit (5 starts in 10 s), failed with its reason;
# - a Restart=always service whose restart cannot spawn (pids.max 0 on its
#   slice: EAGAIN) waits to restart with backoff, saying why, and runs
#   again once the shortage passes.
. /test/tap.sh
. /test/svc.sh
pactctl wait-ready --timeout 60 >/dev/null; ok $? "the node is ready"
pm=$(cat /proc/sys/kernel/pid_max) tm=$(cat /proc/sys/kernel/threads-max)
k=$((pm - 1)); [ "$tm" -lt "$k" ] && k=$tm
want=$((k * 15 / 100))
for sl in infra network gpu audit; do
	is "$(cat $CG/pact.slice/$sl.slice/pids.max)" "$want" "$sl.slice: pids.max 15% of the kernel's $k tasks"
done
scope() { echo "$CG/$(svc_get "$1" scope)"; }
steady=$(svc_get steady pid)
is "$(cat "$(scope steady)/pids.max")" "$want" "a service without TasksMax= gets the default"
is "$(cat "$(scope capped)/pids.max")" 20 "TasksMax=20 is its scope's pids.max"

# a fork bomb in one service
check "the fork bomb got to its end" $KW -t 60 'service bomb\.service: ready'
st=$(svc_get bomb status)
case $st in *"capped (EAGAIN)"*) r=0 ;; *) r=1 ;; esac
ok $r "it was capped by EAGAIN: $st"
b=$(scope bomb)
is "$(cat "$b/pids.current")" "$want" "its scope is full at the default limit"
ev=$(sed -n 's/^max //p' "$b/pids.events")
[ "${ev:-0}" -gt 0 ]; ok $? "pids.events counted refused forks ($ev)"
is "$(svc_get steady pid)" "$steady" "steady still runs, same pid"
check "pactctl status answers" pactctl status

# a RestartSec=0 crash loop
check "crashfast ends at the start limit" \
	$KW -t 30 'service crashfast\.service: start limit hit: 5 starts within 10000 ms'
is "$(svc_get crashfast state)" failed "crashfast failed"
case "$(svc_get crashfast why)" in "start limit hit"*) r=0 ;; *) r=1 ;; esac
ok $r "its why says so: $(svc_get crashfast why)"
is "$(dmesg | grep -c 'service crashfast\.service: started')" 5 "it was started 5 times, no more"
check "its restarts wait 100 ms at least (RestartSec=0)" kmsg_has 'service crashfast\.service: restarting in 100 ms'
check "never 0 ms" sh -c "! dmesg | grep -q 'service crashfast\.service: restarting in 0 ms'"

# a passing shortage: no process may start in audit.slice
kp=$(svc_get keepup pid)
echo 0 >$CG/pact.slice/audit.slice/pids.max
kill -9 "$kp"
check "keepup's restart cannot spawn" \
	$KW -t 20 'service keepup\.service: cannot start .*: Resource temporarily unavailable; restarting it'
is "$(svc_get keepup state)" restarting "keepup waits to restart, not failed"
case "$(svc_get keepup why)" in *"Resource temporarily unavailable"*) r=0 ;; *) r=1 ;; esac
ok $r "pactctl services says why: $(svc_get keepup why)"
check "pactctl status names it" sh -c \
	'pactctl --json status | grep -q "\"name\":\"keepup.service\",\"state\":\"restarting\",\"why\""'
check "it tries again with backoff" $KW -t 20 -n 2 'service keepup\.service: cannot start'
n=$(dmesg | grep -c 'service keepup\.service: started')
echo "$want" >$CG/pact.slice/audit.slice/pids.max
check "keepup runs again once the shortage passed" $KW -t 30 -n $((n + 1)) 'service keepup\.service: started'
is "$(svc_get keepup state)" running "keepup is running"
is "$(svc_get steady pid)" "$steady" "steady ran through it all"
done_testing
