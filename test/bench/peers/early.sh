# The early part of the workload, sourced by the shell-driven peers (rcs/rcS,
# s6/init) as a site's boot script would do it: pact-init's early mounts
# (init/mounts.c) and its cgroup2 tree with every controller passed down.
# Leaves $cg set to the cgroup2 mount.
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
cg=/sys/fs/cgroup
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 $cg
for d in "" /pact.slice /pact.slice/infra.slice /pact.slice/network.slice \
	/pact.slice/gpu.slice /pact.slice/audit.slice /workload.slice; do
	mkdir -p $cg$d
	echo "+cpu +memory +io +pids" >$cg$d/cgroup.subtree_control
done
mkdir -p /var/log
