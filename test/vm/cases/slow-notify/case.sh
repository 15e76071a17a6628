#!/bin/sh
# Readiness waits for every boot service: the ready file appears only once
# the slow Type=notify service said READY=1; clients that connected to
# ready.sock before that (early-probe.service, 5 connections) are answered
# at readiness, and ready.sock answers at once afterwards.
. /test/tap.sh
# its log, without the time stamped on each line
. /test/svc.sh
log=/tmp/early-probe.log
svc_log early-probe >"$log"
sed 's/^/# early-probe: /' "$log"
status=$(pactctl status --json)
ready_ms=$(echo "$status" | sed -n 's/.*"boot":{[^}]*"ready_ms":\([0-9]*\).*/\1/p')
notify_ms=$(awk '{ printf "%d", $1 * 1000 }' /run/slow-notify.uptime)
conn_ms=$(sed -n 's/^connected_ms=\([0-9]*\) .*/\1/p' "$log")
echo "# early client connected at $conn_ms ms, slow service notified at ~$notify_ms ms, ready at $ready_ms ms"
check "the early client connected while the node was not ready (no ready file)" \
	grep -q '^connected_ms=[0-9]* ready_file_at_connect=0 clients=5$' "$log"
check "it connected before the slow service notified" test "$conn_ms" -lt "$notify_ms"
# /proc/uptime has 10 ms steps: the notify moment is known to within 10 ms
check "the node became ready only after the slow service notified" test "$ready_ms" -ge "$notify_ms"
is "$(grep -c '^answer_[0-9]=READY vm-slow answer_ms=[0-9]* ready_file_at_answer=1$' "$log")" 5 \
	"all 5 early clients got READY vm-slow, with the ready file in place"
check "they were answered at readiness (within 1 s of it)" awk -v r="$ready_ms" -F'answer_ms=' \
	'/^answer_/ { split($2, a, " "); if (a[1] < r || a[1] > r + 1000) exit 1; n++ } END { exit n != 5 }' "$log"
check "the kernel log has the slow service ready before the node" sh -c \
	'dmesg | grep -E "slow-notify.service: ready|node vm-slow ready" | head -n1 | grep -q slow-notify'
is "$(cat /run/pact/ready)" vm-slow "the ready file holds the node id"
/test/bin/readyprobe -n 1 -t 5 >/tmp/late 2>&1
sed 's/^/# late: /' /tmp/late
check "a client after readiness gets READY at once (under 500 ms)" awk -F'[= ]' \
	'/^connected_ms/ { c = $2 } /^answer_1=READY vm-slow/ { for (i = 1; i < NF; i++) if ($i == "answer_ms") a = $(i + 1) }
	END { exit !(a && a - c < 500) }' /tmp/late
out=$(pactctl wait-ready --timeout 5); rc=$?
is "$rc:$out" "0:READY vm-slow" "pactctl wait-ready exits 0 with READY vm-slow"
done_testing
