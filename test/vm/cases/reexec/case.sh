#!/bin/sh
# Live re-exec: services keep running in their scopes and stay supervised,
# the sockets keep listening, the ready state and the emergency carry over,
# and a damaged state still ends with a working node.
. /test/tap.sh
pactctl wait-ready --timeout 60 >/dev/null
snap() { pactctl --json services | sed -e 's/"memory_bytes":[0-9]*,"cpu_usec":[0-9]*,//g' -e 's/"since_ms":[0-9]*,//g'; }
before=$(snap)
pid_before=$(cat /proc/1/stat | awk '{print $1}')
boot_before=$(pactctl --json status | sed -nE 's/.*"boot":(\{[^}]*\}).*/\1/p')
check "declare an emergency to carry across" pactctl emergency on --reason "upgrade window"
exec 3</run/pact/ready   # keep a handle: the file must not be recreated
check "pactctl reexec" pactctl reexec
check "the new image says it restored the ready state" /test/bin/kmsgwait -t 30 -n 1 "ready state carried across"
check "status answers after the re-exec" pactctl status
pactctl wait-ready --timeout 10 >/dev/null; ok $? "still ready"
is "$(snap)" "$before" "same services, pids, scopes, restart counts"
check "the re-exec is in the kernel log" sh -c 'dmesg | grep -q "re-exec: restoring from"'
check "the emergency carried over" sh -c 'pactctl --json status | grep -q "\"emergency\":\"upgrade window\""'
# the carried emergency reaches the cgroup manager too (RI3): workload.slice
# may be frozen, thawed and killed after the re-exec, as before it
mkdir /sys/fs/cgroup/workload.slice/alloc-rx.scope
sh -c 'echo $$ > /sys/fs/cgroup/workload.slice/alloc-rx.scope/cgroup.procs; exec sleep 100000' &
victim=$!
check "freeze under workload.slice after the re-exec (the emergency holds)" pactctl freeze workload.slice/alloc-rx.scope
is "$(grep frozen /sys/fs/cgroup/workload.slice/alloc-rx.scope/cgroup.events)" "frozen 1" "it is frozen"
check "thaw it" pactctl thaw workload.slice/alloc-rx.scope
pactctl kill workload.slice/alloc-rx.scope; r=$?
ok $r "kill it"
[ $r -eq 0 ] || kill -9 $victim # refused: end it here, or the wait below never returns
wait $victim; ok $r "the victim died of pactctl kill (wait returned)"
rmdir /sys/fs/cgroup/workload.slice/alloc-rx.scope
# the boot's figures carried whole: ready_ms, wait, backoff, retries
is "$(pactctl --json status | sed -nE 's/.*"boot":(\{[^}]*\}).*/\1/p')" "$boot_before" "the boot figures are the same after the re-exec"
check "a service stopped after the re-exec is really stopped (still supervised)" pactctl stop time-sync
is "$(pactctl --json services | grep -o '"name":"time-sync.service","state":"[a-z]*"')" \
	'"name":"time-sync.service","state":"stopped"' "time-sync stopped"
check "and starts again" pactctl start time-sync
pactctl wait-ready --timeout 10 >/dev/null
check "SIGHUP re-executes too" kill -HUP 1
check "and the new image restored the ready state" /test/bin/kmsgwait -t 30 -n 2 "ready state carried across"
pactctl wait-ready --timeout 10 >/dev/null; ok $? "ready after SIGHUP"
n=$(dmesg | grep -c "re-exec: restoring from"); is "$n" 2 "two re-execs restored their state"
# a damaged state: the debug verb corrupts the handed-over state on purpose
check "re-exec with a damaged state (pact.debug)" pactctl reexec --corrupt-state
check "the node boots again and is ready" /test/bin/kmsgwait -t 60 -n 2 "node test-node ready in"
pactctl wait-ready --timeout 30 >/dev/null; ok $? "the node is ready again"
check "running services were adopted, not started twice" /test/bin/kmsgwait -t 5 "service node-agent.service adopted"
check "the damage was noticed" sh -c 'dmesg | grep -q "handed-over state is damaged"'
is "$(pactctl --json services | grep -o '"state":"running"' | wc -l)" \
	"$(echo "$before" | grep -o '"state":"running"' | wc -l)" "as many services run as before"
done_testing
# the console program (this agent) could not be adopted after the damaged
# state, so its exit would not power the node off: do it here
kill -USR2 1
