#!/bin/sh
# The cgroup hierarchy pact-init builds: pact.slice with its four slices,
# workload.slice for the workload manager with cpu memory io pids enabled
# in its subtree_control (so it can set limits on its scopes), nothing of
# pact-init's inside workload.slice (RI1), and PID 1 OOM-protected (RI4).
. /test/tap.sh
. /test/svc.sh
has_ctrls() { # has_ctrls FILE: every one of cpu memory io pids listed
	for c in cpu memory io pids; do
		grep -qw "$c" "$1" || { echo "$1 lacks $c: $(cat $1)"; return 1; }
	done
}
check "cgroup2 is mounted on /sys/fs/cgroup" sh -c "grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts"
check "nsdelegate is on" sh -c "grep ' /sys/fs/cgroup cgroup2 ' /proc/mounts | grep -q nsdelegate"
for s in pact.slice/infra.slice pact.slice/network.slice pact.slice/gpu.slice pact.slice/audit.slice workload.slice; do
	check "$s exists" test -d $CG/$s
done
check "the root enables cpu memory io pids for its children" has_ctrls $CG/cgroup.subtree_control
check "pact.slice enables them for its slices" has_ctrls $CG/pact.slice/cgroup.subtree_control
check "workload.slice enables cpu memory io pids in its subtree_control" \
	has_ctrls $CG/workload.slice/cgroup.subtree_control
check "a slice has the controllers (memory.max in infra.slice)" test -f $CG/pact.slice/infra.slice/memory.max
is "$(find $CG/workload.slice -mindepth 1 -type d | wc -l)" 0 "pact-init made nothing inside workload.slice (RI1)"
is "$(cat $CG/workload.slice/cgroup.procs | wc -l)" 0 "no process of pact-init's in workload.slice"
p=$(svc_get w1 pid)
is "$(cat /proc/$p/cgroup)" "0::/pact.slice/infra.slice/w1.scope" "a service runs under pact.slice, not workload.slice"
is "$(cat /proc/1/oom_score_adj)" -1000 "PID 1 is OOM-protected (RI4)"
is "$(cat /proc/1/cgroup)" "0::/" "PID 1 stays in the root cgroup"
done_testing
