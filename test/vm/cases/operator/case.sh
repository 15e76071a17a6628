#!/bin/sh
# The operator's interface on a booted node: every pactctl verb, human and
# --json (the JSON is printed between markers and parsed on the host by
# host-check), exit codes, emergency refusals and overrides (RI1, RI3), and
# the metrics text (parsed on the host by a strict Prometheus parser), and
# a unit's tasks as its scope's pids.current.
. /test/tap.sh
pactctl wait-ready --timeout 60 >/dev/null
json() { # json NAME ARGS...: print the --json output between markers
	name=$1; shift
	echo "=== BEGIN $name"
	pactctl --json "$@"
	echo "=== END $name rc=$?"
}
human() { # human DESCRIPTION ARGS...: the human output exits 0 and says something
	d=$1; shift
	out=$(pactctl "$@" 2>&1); r=$?
	[ $r -eq 0 ] && [ -n "$out" ]; ok $? "$d (human, exit $r)"
}
for v in status services scopes mounts allocations help watchdog; do
	json "$v" "$v"
	human "pactctl $v" "$v"
done
json net net
human "pactctl net" net
json logs logs time-sync --lines 5
human "pactctl logs" logs time-sync
pactctl metrics >/tmp/metrics.txt; ok $? "pactctl metrics exits 0"
echo "=== BEGIN metrics"; cat /tmp/metrics.txt; echo "=== END metrics rc=0"

# logs -f: follows the file; read through a fifo with a bound, no sleeps
mkfifo /tmp/follow
pactctl logs time-sync --lines 1 -f >/tmp/follow &
follower=$!
exec 4</tmp/follow
read -r -t 10 first <&4; ok $? "logs -f prints the end of the log first"
pactctl restart time-sync >/dev/null
seen=1
while read -r -t 10 line <&4; do
	case $line in *"-- pact-init: starting"*) seen=0; break ;; esac
done
ok $seen "logs -f shows what is written after it started (the restart's line)"
kill $follower; exec 4<&-

# status UNIT's tasks: the scope's pids.current (the pids controller is on here)
scope=$(pactctl show time-sync -p scope | cut -d= -f2)
if [ -r "/sys/fs/cgroup/$scope/pids.current" ]; then
	is "$(pactctl show time-sync -p tasks)" "tasks=$(cat "/sys/fs/cgroup/$scope/pids.current")" \
		"tasks is the scope's pids.current"
else
	skip "no pids.current in /sys/fs/cgroup/$scope" "tasks is the scope's pids.current"
fi

# start | stop | restart
check "stop time-sync" pactctl stop time-sync
is "$(pactctl --json services | grep -o '"name":"time-sync.service","state":"[a-z]*"')" \
	'"name":"time-sync.service","state":"stopped"' "time-sync is stopped"
check "start time-sync" pactctl start time-sync
pid1=$(pactctl --json services | sed -n 's/.*"name":"node-agent.service","state":"running","pid":\([0-9]*\).*/\1/p')
check "restart node-agent" pactctl restart node-agent
pactctl wait-ready --timeout 5 >/dev/null
json restarted services

# exit codes: 1 failed, 2 usage
pactctl stop no-such-service >/dev/null 2>&1; is $? 1 "an unknown service: exit 1"
pactctl >/dev/null 2>&1; is $? 2 "no command: exit 2"
pactctl nosuchverb >/dev/null 2>&1; is $? 1 "an unknown verb: exit 1 (the daemon says so)"
err=$(pactctl stop no-such-service 2>&1); case $err in *no-such-service*) r=0 ;; *) r=1 ;; esac
ok $r "the error names what failed: $err"

# RI1 / RI3: workload.slice is the workload manager's
mkdir /sys/fs/cgroup/workload.slice/alloc-op.scope
sh -c 'echo $$ > /sys/fs/cgroup/workload.slice/alloc-op.scope/cgroup.procs; exec sleep 100000' &
victim=$!
pactctl freeze workload.slice/alloc-op.scope >/dev/null 2>&1; is $? 1 "freeze in workload.slice refused outside an emergency"
err=$(pactctl freeze workload.slice/alloc-op.scope 2>&1)
case $err in *PermissionDenied*Workload*) r=0 ;; *) r=1 ;; esac
ok $r "the refusal is PermissionDenied naming the owner: $err"
pactctl force-unmount /images/none.sqfs >/dev/null 2>&1; is $? 1 "force-unmount refused outside an emergency"
pactctl emergency on >/dev/null 2>&1; is $? 2 "an emergency without --reason is a usage error" 
check "emergency declared" pactctl emergency on --reason "operator test"
check "the declaration is in the kernel log" sh -c 'dmesg | grep -q "emergency declared: operator test"'
check "and in the emergency log" grep -q "emergency declared: operator test" /run/pact/logs/emergency.log
check "freeze workload.slice/alloc-op.scope in an emergency" pactctl freeze workload.slice/alloc-op.scope
is "$(grep frozen /sys/fs/cgroup/workload.slice/alloc-op.scope/cgroup.events)" "frozen 1" "it is frozen"
check "thaw it" pactctl thaw workload.slice/alloc-op.scope
check "kill it" pactctl kill workload.slice/alloc-op.scope
wait $victim; ok 0 "the victim died (wait returned)"
json emergency-status status
check "emergency ended" pactctl emergency off
pactctl freeze workload.slice/alloc-op.scope >/dev/null 2>&1; is $? 1 "refused again after the emergency"
check "pact.slice scopes are ours: freeze and thaw time-sync" sh -c 'pactctl freeze pact.slice/infra.slice/$(ls /sys/fs/cgroup/pact.slice/infra.slice | grep time-sync) && pactctl thaw pact.slice/infra.slice/$(ls /sys/fs/cgroup/pact.slice/infra.slice | grep time-sync)'
rmdir /sys/fs/cgroup/workload.slice/alloc-op.scope
check "control socket is 0600 root" sh -c '[ "$(stat -c %a:%u /run/pact/control.sock)" = 600:0 ]'
check "a non-root user is refused" sh -c '! su -s /bin/sh nobody -c "pactctl status" 2>/dev/null'
done_testing
