#!/bin/sh
# PID 1 duties: pact-init is PID 1, the early mounts are there with the
# right types and modes, logging reaches the kernel log, pact.* keys are
# read, orphans are reaped, and the node became ready.
. /test/tap.sh
is "$(readlink /proc/1/exe)" "/init" "PID 1 is pact-init (/init)"
mt() { awk -v m="$1" '$5 == m { for (i = 7; $i != "-"; i++); print $(i + 1) }' /proc/self/mountinfo; }
is "$(mt /proc)" proc "/proc is proc"
is "$(mt /sys)" sysfs "/sys is sysfs"
is "$(mt /dev)" devtmpfs "/dev is devtmpfs"
is "$(mt /dev/pts)" devpts "/dev/pts is devpts"
is "$(mt /dev/shm)" tmpfs "/dev/shm is tmpfs"
is "$(mt /run)" tmpfs "/run is tmpfs"
is "$(mt /tmp)" tmpfs "/tmp is tmpfs"
is "$(stat -c %a /run)" 755 "/run mode 0755"
is "$(stat -c %a /tmp)" 1777 "/tmp mode 1777"
is "$(stat -c %a /dev/shm)" 1777 "/dev/shm mode 1777"
is "$(ls -l /proc/1/fd/0 | sed 's/.*-> //')" /dev/console "PID 1's stdin is the console"
check "pact-init logs to the kernel log (dmesg)" sh -c 'dmesg | grep -q "pact-init: starting (pid 1)"'
is "$(hostname)" vm-pid1 "pact.node_id= sets the hostname"
is "$(cat /run/pact/ready)" vm-pid1 "ready file holds the node id"
is "$(cat /proc/1/oom_score_adj)" -1000 "RI4: PID 1 is protected from the OOM killer"
is "$(cat /proc/sys/kernel/printk_devkmsg)" on "kmsg writes are not rate-limited"
check "an orphan is re-parented to PID 1 and reaped" /test/bin/orphan
zombies=$(for s in /proc/[0-9]*/stat; do awk '$3 == "Z" { print $1 }' "$s" 2>/dev/null; done)
is "$zombies" "" "no zombies left"
check "every fd of PID 1 above 2 is close-on-exec" sh -c '
	for f in /proc/1/fdinfo/*; do
		n=${f##*/}; [ "$n" -le 2 ] && continue
		fl=$(sed -n "s/^flags:[[:space:]]*//p" "$f")
		[ $(( 0$fl & 02000000 )) -ne 0 ] || { echo "fd $n flags $fl"; exit 1; }
	done'
done_testing
