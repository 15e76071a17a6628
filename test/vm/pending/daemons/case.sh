#!/bin/sh
# Real Debian daemons from their unmodified vendor units (issue 14): each
# one is asked to do its job. Waits are bounded polls of the daemon's own
# answer (a daemon gives no event to wait on), never a bare sleep.
. /test/tap.sh
. /test/svc.sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
until_ok() { # SECONDS COMMAND...: retry the command (each try bounded too)
	end=$(($(uptime_ms) + $1 * 1000)); shift
	while :; do
		timeout 20 "$@" >/tmp/until.out 2>&1 && return 0
		[ "$(uptime_ms)" -lt $end ] || break
		sleep 0.5
	done
	cat /tmp/until.out
	return 1
}
show() { # SERVICE: its state, why and log tail as TAP comments
	echo "# $1: state=$(svc_get "$1" state) why=$(svc_get "$1" why)"
	pactctl logs "$1" --lines 8 2>&1 | sed "s/^/#   $1 log: /"
}
daemon_check() { # SERVICE SECONDS DESCRIPTION COMMAND...
	s=$1 secs=$2 d=$3
	shift 3
	# a unit that did not load will not come: ask once
	[ "$(svc_get "$s" state)" = load-error ] && secs=1
	until_ok "$secs" "$@" >/tmp/check.out 2>&1
	r=$?
	ok $r "$s: $d"
	if [ $r -ne 0 ]; then
		sed 's/^/#   /' /tmp/check.out | head -n 8
		show "$s"
	fi
}

pactctl wait-ready --timeout 120 >/dev/null
echo "# hostname $(hostname); services:"
pactctl services 2>&1 | sed 's/^/#   /'

daemon_check chrony 20 "chronyc tracking answers" sh -c 'chronyc -n tracking | grep -q "^Reference ID"'
daemon_check munge 20 "munge -n | unmunge succeeds" sh -c 'munge -n | unmunge | grep -q "STATUS: *Success"'
daemon_check ssh 20 "ssh to localhost with a key" sh -c \
	'[ "$(ssh -i /root/.ssh/id_ed25519 -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null root@127.0.0.1 echo via-ssh)" = via-ssh ]'
daemon_check dbus 20 "dbus-send lists the bus names" sh -c \
	'dbus-send --system --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.ListNames | grep -q "string \"org.freedesktop.DBus\""'
daemon_check prometheus-node-exporter 20 "/metrics answers on localhost:9100" sh -c \
	'wget -q -O - http://127.0.0.1:9100/metrics | grep -q "^node_boot_time_seconds"'
daemon_check rsyslog 20 "logger reaches /var/log/syslog" sh -c \
	'logger -t pactcheck "hello from the daemons case" &&
		grep -q "pactcheck.*hello from the daemons case" /var/log/syslog'
daemon_check irqbalance 20 "irqbalance runs and listens on its socket" sh -c \
	'pid=$(pidof irqbalance) && [ -S /run/irqbalance/irqbalance$pid.sock ]'
daemon_check rasdaemon 20 "rasdaemon runs" pidof rasdaemon
daemon_check lldpd 20 "lldpcli shows the chassis" sh -c 'lldpcli show chassis | grep -q ChassisID'
daemon_check rpc-statd 20 "rpc.statd is registered with rpcbind" sh -c 'rpcinfo -p | grep -q "^ *100024 "'
daemon_check slurmctld 30 "scontrol ping: the controller is UP" sh -c 'scontrol ping | grep -q "is UP"'
daemon_check slurmd 60 "sinfo shows the node idle" sh -c 'sinfo -h -o "%n %t" | grep -q "vm-daemons idle"'
daemon_check slurmd 60 "srun -N1 hostname runs a job" sh -c \
	'[ "$(timeout 18 srun -N1 hostname)" = vm-daemons ]'
# the limit sits on the job's and step's cgroups, above the task's leaf
daemon_check slurmd 60 "srun --mem=64M runs confined (memory.max)" sh -c \
	'timeout 18 srun -N1 --mem=64M sh -c "d=/sys/fs/cgroup\$(cut -d: -f3 /proc/self/cgroup);
		while [ \$d != /sys/fs/cgroup ]; do cat \$d/memory.max; d=\${d%/*}; done" |
		grep -qx 67108864'
echo "# cgroup tree after the jobs:"
find /sys/fs/cgroup -maxdepth 4 -type d -name '*slurm*' | sed 's/^/#   /'
for p in $(pidof slurmd); do echo "#   slurmd pid $p is in $(cat /proc/$p/cgroup)"; done
echo "#   slurmd.scope holds: $(cat $CG/pact.slice/infra.slice/slurmd.scope/cgroup.procs 2>&1 | tr '\n' ' ')"
for f in /sys/fs/cgroup/cgroup.subtree_control /sys/fs/cgroup/system.slice/cgroup.subtree_control; do
	[ -r $f ] && echo "#   $f: $(cat $f)"
done
daemon_check cron 70 "cron runs its job from /etc/cron.d" test -s /run/cron-ran
# what the daemons said where pact-init does not see it (syslog, own files)
for f in /var/log/syslog /var/log/slurm/slurmd.log /var/log/slurm/slurmctld.log; do
	[ -s $f ] && tail -n 40 $f | sed "s|^|# $f: |"
done
done_testing
