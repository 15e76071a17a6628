#!/bin/sh
# Scopes: every service's main pid in its own scope (cgroup.procs and
# /proc/PID/cgroup) under the configured slice; limits read back from the
# kernel; only fds 0, 1, 2 inside a service; User=/Group= applied;
# Delegate=yes (controllers, ownership, untouched across a re-exec); a
# main process that leaves its scope for system.slice, followed and
# accounted; FinalKillSignal=.
. /test/tap.sh
. /test/svc.sh
for spec in lim:gpu net:network aud:audit inf:infra; do
	n=${spec%%:*} sl=${spec#*:}
	rel=pact.slice/$sl.slice/$n.scope
	pid=$(svc_get $n pid)
	is "$(svc_get $n state)" running "$n is running"
	is "$(svc_get $n scope)" "$rel" "$n: pactctl shows scope $rel"
	check "$n: pid $pid is in $rel/cgroup.procs" grep -qx "$pid" "$CG/$rel/cgroup.procs"
	is "$(cat /proc/$pid/cgroup 2>&1)" "0::/$rel" "$n: /proc/$pid/cgroup names its scope"
done
# one scope per service: no pid of another service in lim's scope
is "$(wc -l <$CG/pact.slice/gpu.slice/lim.scope/cgroup.procs)" 1 "lim's scope holds one process"

s=$CG/pact.slice/gpu.slice/lim.scope
is "$(cat $s/memory.max)" 33554432 "MemoryMax=32M -> memory.max"
is "$(cat $s/cpu.weight)" 250 "CPUWeight=250 -> cpu.weight"
is "$(cat $s/pids.max)" 7 "TasksMax=7 -> pids.max"
is "$(cat $CG/pact.slice/infra.slice/inf.scope/memory.max)" max "no MemoryMax: memory.max stays max"
if [ -b /dev/loop0 ] && [ -f $s/io.max ]; then
	mm=$(stat -c '%t:%T' /dev/loop0) # hex
	mm=$(printf '%d:%d' 0x${mm%:*} 0x${mm#*:})
	check "IOReadBandwidthMax/IOWriteBandwidthMax -> io.max ($mm)" \
		grep -qE "^$mm rbps=1048576 wbps=2097152 riops=max wiops=max\$" $s/io.max
	[ $? -eq 0 ] || sed 's/^/#   io.max: /' $s/io.max
else
	skip "no /dev/loop0 or no io controller in this guest" "io.max read back"
fi

pid=$(svc_get lim pid)
check "lim runs as User=nobody (uid 65534)" grep -qE '^Uid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$' /proc/$pid/status
check "lim runs as Group=nogroup (gid 65534)" grep -qE '^Gid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$' /proc/$pid/status
check "lim has no supplementary groups of root" grep -qE '^Groups:[[:space:]]*(65534[[:space:]]*)?$' /proc/$pid/status
pid=$(svc_get net pid)
check "net runs as User=1" grep -qE '^Uid:[[:space:]]+1[[:space:]]+1[[:space:]]+1[[:space:]]+1$' /proc/$pid/status
check "net runs as Group=5" grep -qE '^Gid:[[:space:]]+5[[:space:]]+5[[:space:]]+5[[:space:]]+5$' /proc/$pid/status
pid=$(svc_get aud pid)
check "aud (no User=) runs as root" grep -qE '^Uid:[[:space:]]+0[[:space:]]+0[[:space:]]+0[[:space:]]+0$' /proc/$pid/status

# the oneshot finished before boot was ready (boot waits for it)
is "$(svc_get fds state)" exited "fds (oneshot) exited"
fds=$(svc_log fds | sed -n '/^fds of/,/^end of fds/p' | grep -E '^[0-9]+$' | sort -n | tr '\n' ' ')
is "$fds" "0 1 2 " "a service sees fds 0, 1, 2 and nothing else"
[ "$fds" = "0 1 2 " ] || sed 's/^/#   /' $LOGS/fds.log

# Delegate=yes (del.service, User=nobody): every controller the kernel has,
# cpuset too, is available in its scope, the scope is the service's, and
# what it made below stays as it made it across a re-exec
dsc=$CG/$(svc_get del scope)
is "$(svc_get del state)" running "del (Delegate=yes) made its own cgroups and is running"
[ "$(svc_get del state)" = running ] || sed 's/^/#   /' $LOGS/del.log
for c in cpuset cpu io memory pids; do
	if grep -qw $c $CG/cgroup.controllers; then
		check "Delegate=yes: controller $c is available in the scope" grep -qw $c $dsc/cgroup.controllers
	else
		skip "the kernel has no $c controller" "Delegate=yes: controller $c"
	fi
done
is "$(stat -c %U $dsc $dsc/cgroup.procs $dsc/cgroup.subtree_control | sort -u)" nobody \
	"Delegate=yes: the scope and its cgroup.procs and subtree_control belong to User="
sub_before=$(cat $dsc/cgroup.subtree_control)
check "del's scope passes the controllers down ($sub_before)" grep -qw memory $dsc/cgroup.subtree_control
is "$(cat $dsc/main/cgroup.procs)" "$(svc_get del pid)" "del's main process is in the leaf it made"
# leaver.service moved itself to system.slice/leaver: followed by pidfd
lp=$(svc_get leaver pid)
is "$(svc_get leaver state)" running "leaver is running outside its scope"
is "$(svc_get leaver cgroup)" system.slice/leaver "pactctl services: leaver's main process is in system.slice/leaver"
is "$(svc_get leaver scope)" pact.slice/infra.slice/leaver.scope "... started in its own scope"
is "$(svc_get lim cgroup)" pact.slice/gpu.slice/lim.scope "pactctl services: lim's main process is in its scope"
pactctl --json status >/tmp/status.json
check "pactctl status: system.slice lists leaver.service" \
	grep -qE '"system_slice":\{[^}]*"services":\["leaver.service"\]' /tmp/status.json
check "pactctl status: system.slice counts its process" \
	grep -qE '"system_slice":\{[^}]*"processes":[1-9]' /tmp/status.json
pactctl status | grep -i -A6 system | sed 's/^/#   /'
check "metrics: pact_system_slice_processes" sh -c 'pactctl metrics | grep -qE "^pact_system_slice_processes [1-9]"'
check "metrics: pact_system_slice_memory_bytes" sh -c 'pactctl metrics | grep -qE "^pact_system_slice_memory_bytes [1-9]"'

check "pactctl reexec" pactctl reexec
check "the new image is up" /test/bin/kmsgwait -t 30 -n 1 "ready state carried across"
is "$(cat $dsc/cgroup.subtree_control)" "$sub_before" "after a re-exec: del's subtree_control is as it made it"
check "after a re-exec: del's own cgroups are still there" test -d $dsc/main -a -d $dsc/work
is "$(svc_get del state) $(cat $dsc/main/cgroup.procs)" "running $(svc_get del pid)" "after a re-exec: del still runs in its leaf"
is "$(svc_get leaver cgroup)" system.slice/leaver "after a re-exec: leaver still followed in system.slice"

# a stop reaches the main process that left its scope (control-group kill)
check "pactctl stop leaver" timeout 30 pactctl stop leaver
is "$(svc_get leaver state)" stopped "leaver stopped"
proc_alive $lp; ok $((! $?)) "leaver's main process (pid $lp) is gone"
check "a stop removes del's scope with the cgroups it made" sh -c "timeout 30 pactctl stop del && ! test -d $dsc"

# FinalKillSignal=SIGQUIT after TimeoutStopSec=1s: fk answers it, fk2
# ignores it and is killed all the same
rm -f /run/fk-quit /run/fk2-quit
check "pactctl stop fk" timeout 30 pactctl stop fk
is "$(cat /run/fk-quit 2>&1)" got-QUIT "fk got FinalKillSignal=SIGQUIT after ignoring SIGTERM"
check "the log says FinalKillSignal was sent" kmsg_has "service fk.service: still running .* FinalKillSignal=3"
fk2=$(svc_get fk2 pid)
check "pactctl stop fk2" timeout 30 pactctl stop fk2
is "$(svc_get fk2 state)" stopped "fk2 (ignores SIGQUIT too) stopped"
proc_alive $fk2; ok $((! $?)) "fk2's main process (pid $fk2) was killed"
check "fk2 did not answer SIGQUIT" test ! -e /run/fk2-quit
done_testing
