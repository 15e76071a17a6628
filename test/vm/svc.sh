# Helpers for the service cases (busybox sh): source /test/svc.sh
# after /test/tap.sh. Every wait here waits on an event (a kernel log
# record, via kmsgwait) with a bound, never on a sleep.
CG=/sys/fs/cgroup
LOGS=/run/pact/logs
KW=/test/bin/kmsgwait

svc_json() { # svc_json NAME: its object from `pactctl services --json` (NAME.service)
	pactctl services --json | sed 's/},{"name"/}\n{"name"/g' | grep -F "\"name\":\"${1%.service}.service\""
}
svc_get() { # svc_get NAME FIELD: a field's value, strings unquoted, null as ""
	svc_json "$1" | sed -nE 's/.*"'"$2"'":("([^"\\]|\\.)*"|[^,}]*).*/\1/p' |
		sed -e 's/^"//' -e 's/"$//' -e 's/^null$//'
}
svc_log() { # svc_log NAME: its log file without the times stamped on each line
	sed -E 's/^[0-9]{4}-[0-9-]+T[0-9:.]+Z (\[ *[0-9]+\.[0-9]{6}\] )?//' "$LOGS/$1.log"
}
kmsg_has() { # kmsg_has ERE: the kernel log holds a matching line now
	$KW -t 0 "$1" >/dev/null 2>&1
}
kmsg_line() { # kmsg_line ERE: number of the first matching dmesg line (0: none)
	dmesg | grep -nE -m1 -- "$1" | cut -d: -f1 | grep . || echo 0
}
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
proc_alive() { # proc_alive PID: it exists and is not a zombie
	[ -r "/proc/$1/stat" ] || return 1
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
