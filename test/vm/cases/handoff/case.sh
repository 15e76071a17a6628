#!/bin/sh
# The namespace handoff on a booted node, pact-init as the real PID 1:
# pactctl handoff request with a uenv (the contract's bare file name), a
# command run inside the namespaces (pid > 1, only lo and UP, the uenv
# visible), inodes equal to the holder's /proc/<pid>/ns/*, the holder in
# pact.slice/infra.slice (never workload.slice), the repeat, a live
# re-exec, end by message, and WI5: the allocation released when its
# workload cgroup empties.
. /test/tap.sh
pactctl wait-ready --timeout 60 >/dev/null
ok $? "the node is ready"
test -S /run/pact/handoff.sock; ok $? "/run/pact/handoff.sock exists"
is "$(stat -c %a /run/pact/handoff.sock)" 600 "mode 0600"

out=$(pactctl --json handoff request alloc-vm1 --uenv tiny.sqfs 2>&1); ok $? "handoff request alloc-vm1 --uenv tiny.sqfs"
is "$out" '{"NamespaceResponse":{"allocation_id":"alloc-vm1","fd_types":["Pid","Net","Mount"],"uenv_mount_path":"/run/pact/uenv/tiny"}}' "the response, as on the wire"
inside=$(pactctl handoff request alloc-vm1 --uenv tiny.sqfs -- sh -c 'echo "pid=$$"; cat /run/pact/uenv/tiny/env/name; grep -c : /proc/net/dev; ip -o link' 2>&1)
ok $? "a command runs inside the received namespaces"
echo "$inside" | sed 's/^/#   /'
pid=$(echo "$inside" | sed -n 's/^pid=//p')
[ -n "$pid" ] && [ "$pid" -gt 1 ]; ok $? "inside the pid namespace the command is pid $pid (> 1)"
echo "$inside" | grep -qx tiny; ok $? "the uenv is visible at /run/pact/uenv/tiny inside"
is "$(echo "$inside" | grep -x '[0-9]*' | head -n1)" 1 "only one interface (lo) in the net namespace"
echo "$inside" | grep -q '^1: lo: <LOOPBACK,UP'; ok $? "lo is UP"

json=$(pactctl --json allocations)
echo "# $json"
holder=$(echo "$json" | sed -n 's/.*"allocation_id":"alloc-vm1","state":"live","holder_pid":\([0-9]*\).*/\1/p')
[ -n "$holder" ]; ok $? "pactctl allocations lists alloc-vm1 with its holder ($holder)"
for ns in pid net mnt; do
	want=$(readlink /proc/$holder/ns/$ns | tr -dc 0-9)
	echo "$json" | grep -q "\"${ns}_ns\":$want"; ok $? "the ${ns}_ns inode listed is the holder's /proc/$holder/ns/$ns ($want)"
done
grep -qx "$holder" /sys/fs/cgroup/pact.slice/infra.slice/nsholder-alloc-vm1.scope/cgroup.procs
ok $? "the holder lives in pact.slice/infra.slice/nsholder-alloc-vm1.scope"
! grep -rqx "$holder" /sys/fs/cgroup/workload.slice --include=cgroup.procs 2>/dev/null; ok $? "not in workload.slice"
is "$(pactctl --json handoff request alloc-vm1 --uenv tiny.sqfs -- readlink /proc/self/ns/pid 2>/dev/null | tail -n1)" "$(readlink /proc/$holder/ns/pid)" "a repeat: the command is in the holder's pid namespace"
pactctl --json mounts | grep -q '"refcount":1'; ok $? "one mount reference after three requests"
pactctl handoff request alloc-vm1 --uenv other.sqfs >/dev/null 2>&1; is $? 1 "a repeat with another uenv is refused"

# a live re-exec keeps it: same holder, same namespaces, one mount reference
netns=$(readlink /proc/$holder/ns/net)
check "pactctl reexec" pactctl reexec
pactctl wait-ready --timeout 30 >/dev/null
is "$(pactctl --json handoff request alloc-vm1 --uenv tiny.sqfs -- readlink /proc/self/ns/net 2>/dev/null | tail -n1)" "$netns" "after the re-exec: the same net namespace"
pactctl --json allocations | grep -q "\"holder_pid\":$holder,"; ok $? "the same holder ($holder)"
pactctl --json mounts | grep -q '"refcount":1'; ok $? "one mount reference, rebuilt (WI6)"

check "handoff end alloc-vm1" pactctl handoff end alloc-vm1
# killed at once, reaped by pact-init's loop right after
/test/bin/gonewait -t 5 "$holder"; ok $? "the holder is gone"
pactctl --json mounts | grep -q '"refcount":0'; ok $? "the mount reference was released (hold timer)"
is "$(pactctl --json allocations)" "[]" "no allocations left"
pactctl handoff end alloc-vm1 >/dev/null 2>&1; is $? 1 "ending it again: AllocationNotFound, exit 1"

# WI5: the workload manager's cgroup (handoff.cgroup_template, default
# workload.slice/alloc-{allocation_id}.scope) empties
mkdir /sys/fs/cgroup/workload.slice/alloc-vm2.scope
pactctl handoff request vm2 --pid --mnt -- sh -c 'echo $$ > /sys/fs/cgroup/workload.slice/alloc-vm2.scope/cgroup.procs'
ok $? "a workload process joins workload.slice/alloc-vm2.scope inside the namespaces and exits"
# its slot is freed with its holder's scope, once the holder is reaped
/test/bin/gonewait -t 5 /sys/fs/cgroup/pact.slice/infra.slice/nsholder-vm2.scope
pactctl --json allocations | grep -q '"vm2"'; is $? 1 "the allocation was released when its cgroup emptied (WI5)"
rmdir /sys/fs/cgroup/workload.slice/alloc-vm2.scope; ok $? "the workload scope is left to its owner"

# a re-exec whose state is lost (pact.debug damages it): the holders nobody
# can ask for again are destroyed with their scopes
check "request vm3" pactctl handoff request vm3 --pid --net
h3=$(pactctl --json allocations | sed -n 's/.*"allocation_id":"vm3","state":"live","holder_pid":\([0-9]*\).*/\1/p')
check "re-exec with a damaged state" pactctl reexec --corrupt-state
check "the orphaned holder's scope is destroyed" /test/bin/kmsgwait -t 30 "re-exec without state: destroying pact.slice/infra.slice/nsholder-vm3.scope"
/test/bin/gonewait -t 5 "$h3" /sys/fs/cgroup/pact.slice/infra.slice/nsholder-vm3.scope
kill -0 "$h3" 2>/dev/null; is $? 1 "its holder ($h3) is gone"
test -d /sys/fs/cgroup/pact.slice/infra.slice/nsholder-vm3.scope; is $? 1 "and its scope removed"
pactctl wait-ready --timeout 60 >/dev/null; ok $? "the node is ready again"
done_testing
# the console program (this agent) is not adopted after a lost state: power off here
kill -USR2 1
