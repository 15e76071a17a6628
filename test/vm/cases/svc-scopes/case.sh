#!/bin/sh
# Scopes: every service's main pid in its own scope (cgroup.procs and
# /proc/PID/cgroup) under the configured slice; limits read back from the
# kernel; only fds 0, 1, 2 inside a service; User=/Group= applied.
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
done_testing
