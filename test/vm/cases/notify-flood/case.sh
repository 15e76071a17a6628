#!/bin/sh
# Anyone may write to notify.sock: a flood from an unprivileged process
# (uid 65534, 20000 datagrams) must cost PID 1 little and leave a bounded
# number of log lines (PID 1 turns off /dev/kmsg's own rate limit, so one
# line per datagram would wipe the kernel log's boot lines): a few
# warnings, then one summary per interval; the counts are in the metrics.
. /test/tap.sh
pactctl wait-ready --timeout 60 >/dev/null
N=20000
ticks() { awk '{print $14 + $15}' /proc/1/stat; }
notify_lines() { dmesg | grep -c 'pact-init: .*notify:'; }
lines_before=$(notify_lines)
before=$(ticks)
out=$(/test/bin/notifyflood 65534 $N)
ok $? "uid 65534 sent $N datagrams to notify.sock ($out)"
after=$(ticks)
echo "# PID 1's CPU time during the flood: $((after - before)) ticks of 10 ms for $N datagrams ($out)"
check "the flooding uid is summarised" \
	/test/bin/kmsgwait -t 20 'notify: uid 65534: [0-9]+ message\(s\) over the limit'
lines=$(($(notify_lines) - lines_before))
[ "$lines" -le 7 ]; ok $? "the flood left $lines log lines (at most 5 warnings and 2 summaries)"
dmesg | grep 'pact-init: .*notify:' | tail -n 3 | sed 's/^/# /'
metric() { pactctl metrics | sed -n "s/^$1 //p"; }
dropped=$(metric pact_notify_dropped_total)
ignored=$(metric pact_notify_ignored_total)
is "$((dropped + ignored))" $N "every datagram is counted in the metrics (dropped $dropped, ignored $ignored)"
check "the kernel log still has pact-init's first line" sh -c "dmesg | grep -q 'pact-init: starting (pid 1)'"
check "and the kernel's" sh -c "dmesg | grep -q 'Linux version'"
check "the control socket answers" pactctl status
done_testing
