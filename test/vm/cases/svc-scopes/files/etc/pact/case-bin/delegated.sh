#!/bin/sh
# del.service: what slurmd and containerd do in their delegated scope
cg=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
mkdir "$cg/main" "$cg/work" || exit 1
echo $$ >"$cg/main/cgroup.procs" || exit 2
for c in $(cat "$cg/cgroup.controllers"); do
	echo "+$c" >"$cg/cgroup.subtree_control" || exit 3
done
pactctl notify --ready
exec /bin/busybox sleep 2147483647
