#!/bin/sh
# Boot phases run in order, each after the previous one ended, all done,
# and their times are reported by `pactctl status --json`: start, duration,
# and for StartServices the time spent waiting on services (slow-ready
# takes 1 s to notify), which pact-init's own time excludes.
. /test/tap.sh
pactctl status --json >/tmp/status.json
check "pactctl status --json answers" test -s /tmp/status.json
# one phase object per line: name state start duration wait attempts
tr '{' '\n' </tmp/status.json | sed -n \
	's/^"name":"\([A-Za-z]*\)","state":"\([a-z]*\)","start_ms":\([0-9]*\),"duration_ms":\([0-9]*\),"wait_ms":\([0-9]*\),"attempts":\([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' \
	>/tmp/phases
sed 's/^/# /' /tmp/phases
is "$(cut -d' ' -f1 /tmp/phases | tr '\n' ' ')" "InitHardware ConfigureNetwork LoadIdentity StartServices Ready " \
	"the five phases, in order"
is "$(awk '$2 != "done" || $6 != 1' /tmp/phases)" "" "every phase done, in one attempt"
# the "boot" object's figures
sed -n 's/.*"boot":{\([^}]*\)}.*/\1/p' /tmp/status.json | tr ',' '\n' >/tmp/boot
num() { sed -n "s/^\"$1\":\([0-9]*\)\$/\1/p" /tmp/boot; }
started=$(num started_ms) ready=$(num ready_ms) total=$(num total_ms)
own=$(num own_ms) wait=$(num wait_ms) backoff=$(num backoff_ms)
echo "# boot: started $started ready $ready total $total own $own wait $wait backoff $backoff"
check "each phase starts after the previous one ended (and the first after main)" \
	awk -v t0="$started" '{ if ($3 < prev_end || $3 < t0) { print "phase " $1 " starts at " $3 " before " prev_end; exit 1 }
		prev_end = $3 + $4 } END { if (NR != 5) exit 1 }' /tmp/phases
check "start times are real (InitHardware > 0, Ready > InitHardware)" \
	awk '$1 == "InitHardware" { a = $3 } $1 == "Ready" { b = $3 } END { exit !(a > 0 && b > a) }' /tmp/phases
svc_wait=$(awk '$1 == "StartServices" { print $5 }' /tmp/phases)
svc_dur=$(awk '$1 == "StartServices" { print $4 }' /tmp/phases)
check "StartServices waited on slow-ready (most of its 1 s; wait_ms $svc_wait)" \
	test "$svc_wait" -ge 500 -a "$svc_wait" -le "$svc_dur"
is "$(awk '$1 != "StartServices" && $5 != 0 { print $1 }' /tmp/phases)" "" "no other phase waits on services"
is "$ready" "$(awk '$1 == "Ready" { print $3 }' /tmp/phases)" "boot.ready_ms is the Ready phase's start"
is "$total" "$((ready - started))" "boot.total_ms = ready_ms - started_ms"
is "$wait" "$svc_wait" "boot.wait_ms is StartServices' wait"
is "$own" "$((total - wait - backoff))" "boot.own_ms = total - wait - backoff"
check "pact-init's own time is positive and excludes the wait" test "$own" -gt 0 -a "$own" -lt $((total - 500))
dmesg | sed -n 's/.*pact-init: boot: phase \([A-Za-z]*\) done in.*/\1/p' | tr '\n' ' ' >/tmp/order
is "$(cat /tmp/order)" "InitHardware ConfigureNetwork LoadIdentity StartServices " "the kernel log shows the phases done in order"
# no net.* keys and no ip=: ConfigureNetwork brings lo up from PID 1 itself
flags=$(cat /sys/class/net/lo/flags)
check "lo is up after ConfigureNetwork with nothing else configured (flags $flags)" \
	test $((flags & 1)) -eq 1
# devices.wait_drivers = no: the NIC's driver still loads, alongside the boot
check "the coldplug ends after all (devices.wait_drivers = no)" \
	/test/bin/kmsgwait -t 60 'devices: coldplug: [0-9]+ devices'
check "... and loaded the NIC's driver: eth0 exists" test -e /sys/class/net/eth0
dmesg | grep -o "devices: drivers go on loading alongside the boot.*" | sed 's/^/# /'
pactctl status >/tmp/human 2>&1
check "pactctl status (human) lists the phases with their times" \
	sh -c 'for p in InitHardware ConfigureNetwork LoadIdentity StartServices Ready; do grep -q "$p" /tmp/human || exit 1; done'
grep -iE "phase|InitHardware|wait" /tmp/human | head -n 8 | sed 's/^/# /'
done_testing
