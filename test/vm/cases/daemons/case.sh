#!/bin/sh
# Real Debian daemons from their unmodified vendor units (issue 14): each
# one is asked to do its job. Each check first waits on the unit itself
# (`pactctl start`, which waits until the unit is ready or failed, bounded);
# a daemon whose readiness does not cover its job (Type=simple: "spawned"
# is all pact-init can know; slurmd registering with slurmctld; cron's
# minute) is then asked again until it answers, bounded, never a bare sleep.
# Run time: about 4 minutes, a long case: 1 to 2 on the host to build the
# 114 MiB root image of 39 packages (cached in build/ for the next run:
# see ./boot), then in the guest under TCG the
# daemons' own pace: node_exporter's first scrape (50 s on a busy host),
# Slurm's registration and two jobs, cron's job on the minute.
. /test/tap.sh
. /test/svc.sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
until_ok() { # SECONDS COMMAND...: retry the command (each try bounded too)
	end=$(($(uptime_ms) + $1 * 1000)); shift
	while :; do
		timeout "${TRY:-30}" "$@" >/tmp/until.out 2>&1 && return 0
		[ "$(uptime_ms)" -lt $end ] || break
		sleep 0.5 # between two asks of a daemon that signals nothing: no event to wait on
	done
	cat /tmp/until.out
	return 1
}
show() { # SERVICE: its state, why and log tail as TAP comments
	echo "# $1: state=$(svc_get "$1" state) why=$(svc_get "$1" why)"
	pactctl logs "$1" --lines 8 2>&1 | sed "s/^/#   $1 log: /"
}
# SERVICE RETRY DESCRIPTION COMMAND...: wait for the unit, then ask the
# daemon; RETRY seconds of asking again (0: its readiness covers the job)
daemon_check() {
	s=$1 secs=$2 d=$3
	shift 3
	timeout 90 pactctl start "$s" >/tmp/start.out 2>&1 || cat /tmp/start.out | sed 's/^/#   /'
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

# chronyd writes its PIDFile= before its command socket is up
daemon_check chrony 20 "chronyc tracking answers" sh -c 'chronyc -n tracking | grep -q "^Reference ID"'
daemon_check munge 0 "munge -n | unmunge succeeds" sh -c 'munge -n | unmunge | grep -q "STATUS: *Success"'
daemon_check ssh 0 "ssh to localhost with a key" sh -c \
	'[ "$(ssh -i /root/.ssh/id_ed25519 -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null root@127.0.0.1 echo via-ssh)" = via-ssh ]'
# dbus.service (Requires=dbus.socket) runs on the socket's fd: the bus
# answers through it
daemon_check dbus 0 "dbus-send lists the bus names (dbus.service on dbus.socket's fd)" sh -c \
	'dbus-send --system --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.ListNames | grep -q "string \"org.freedesktop.DBus\""'
env_of() { tr '\0' '\n' <"/proc/$(svc_get "$1" pid)/environ" 2>/dev/null; }
ok "$([ "$(svc_get dbus state)" = running ] && env_of dbus | grep -qx LISTEN_FDS=1; echo $?)" \
	"dbus: dbus.service runs with dbus.socket's fd (LISTEN_FDS=1)"
# its first scrape runs every collector once and may take over 30 s
# under TCG on a busy host; the ones after it take a second
t0=$(uptime_ms)
TRY=120
daemon_check prometheus-node-exporter 0 "/metrics answers on localhost:9100" sh -c \
	'wget -q -O - http://127.0.0.1:9100/metrics | grep -q "^node_boot_time_seconds"'
TRY=30
echo "# node_exporter: the first scrape took $(($(uptime_ms) - t0)) ms"
daemon_check rsyslog 0 "logger reaches /var/log/syslog" sh -c \
	'logger -t pactcheck "hello from the daemons case" &&
		grep -q "pactcheck.*hello from the daemons case" /var/log/syslog'
daemon_check irqbalance 20 "irqbalance runs and listens on its socket" sh -c \
	'pid=$(pidof irqbalance) && [ -S /run/irqbalance/irqbalance$pid.sock ]'
# rasdaemon's ExecStart= and ExecStartPost= (rasdaemon --enable) both mkdir
# its tracing instance; the one that finds it made may open trace_clock
# before the kernel has filled the instance in ("Can't open trace_clock"),
# as it may under systemd. The instance stays: a second start finds it whole.
if [ "$(svc_get rasdaemon state)" = failed ] && grep -q "Can't open trace_clock" "$LOGS/rasdaemon.log"; then
	echo "# rasdaemon lost the race on its tracing instance to its own ExecStartPost=: starting it again"
	timeout 60 pactctl restart rasdaemon >/dev/null 2>&1
fi
daemon_check rasdaemon 20 "rasdaemon runs and its RAS events are enabled" sh -c \
	'pidof rasdaemon && grep -q "mc_event" /sys/kernel/tracing/instances/rasdaemon/set_event'
daemon_check lldpd 0 "lldpcli shows the chassis" sh -c 'lldpcli show chassis | grep -q ChassisID'
daemon_check rpc-statd 0 "rpc.statd is registered with rpcbind (rpcbind.socket's fds)" sh -c \
	'rpcinfo -p | grep -q "^ *100024 "'
ok "$([ "$(svc_get rpcbind state)" = running ] && env_of rpcbind | grep -qx LISTEN_FDS=5; echo $?)" \
	"rpcbind: runs once, with rpcbind.socket's 5 fds (portmap.service is its alias, not a unit)"
ok "$(svc_json portmap >/dev/null; [ $? -ne 0 ]; echo $?)" "rpcbind: no unit named portmap.service"
daemon_check slurmctld 30 "scontrol ping: the controller is UP" sh -c 'scontrol ping | grep -q "is UP"'
# slurmd registers with slurmctld on its own time
daemon_check slurmd 60 "sinfo shows the node idle" sh -c 'sinfo -h -o "%n %t" | grep -q "vm-daemons idle"'
daemon_check slurmd 0 "srun -N1 hostname runs a job" sh -c \
	'[ "$(timeout 25 srun -N1 hostname)" = vm-daemons ]'
# the limit sits on the job's and step's cgroups, above the task's leaf
daemon_check slurmd 0 "srun --mem=64M runs confined (memory.max)" sh -c \
	'timeout 25 srun -N1 --mem=64M sh -c "d=/sys/fs/cgroup\$(cut -d: -f3 /proc/self/cgroup);
		while [ \$d != /sys/fs/cgroup ]; do cat \$d/memory.max; d=\${d%/*}; done" |
		grep -qx 67108864'
# Delegate=yes: slurmd's scope has every controller, cpuset too, which
# Slurm's cgroup/v2 plugin checks in its own cgroup at start
check "slurmd (Delegate=yes): cpuset is available in its scope" \
	grep -qw cpuset "$CG/$(svc_get slurmd scope)/cgroup.controllers"
check "slurmd found every controller it wants in its cgroup" \
	sh -c '! grep -q "Controller .* is not enabled" /var/log/slurm/slurmd.log'
is "$(svc_get slurmd cgroup)" "$(sed -n 's/^0::\///p' /proc/$(svc_get slurmd pid)/cgroup)" \
	"pactctl services shows where slurmd's main process is ($(svc_get slurmd cgroup))"
pactctl status | grep -A6 system_slice | sed 's/^/#   /'
check "pactctl status accounts system.slice (Slurm's stepd scope)" \
	sh -c 'pactctl --json status | grep -qE "\"system_slice\":\{\"memory_bytes\":[0-9]+"'
echo "# cgroup tree after the jobs:"
find /sys/fs/cgroup -maxdepth 4 -type d -name '*slurm*' | sed 's/^/#   /'
for p in $(pidof slurmd); do echo "#   slurmd pid $p is in $(cat /proc/$p/cgroup)"; done
scope=$CG/$(svc_get slurmd scope)
echo "#   $scope holds: $(cat $scope/cgroup.procs 2>&1 | tr '\n' ' ')"
for f in $CG/cgroup.subtree_control $CG/system.slice/cgroup.subtree_control $scope/cgroup.controllers; do
	[ -r $f ] && echo "#   $f: $(cat $f)"
done
daemon_check cron 70 "cron runs its job from /etc/cron.d (on the minute)" test -s /run/cron-ran
# what the daemons said where pact-init does not see it (syslog, own files)
for f in /var/log/syslog /var/log/slurm/slurmd.log /var/log/slurm/slurmctld.log; do
	[ -s $f ] && tail -n 40 $f | sed "s|^|# $f: |"
done
done_testing
