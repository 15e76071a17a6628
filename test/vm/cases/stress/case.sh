#!/bin/sh
# Everything at once on one node: a fork bomb (one service), a crash loop
# (another), a flood of sd_notify datagrams from outside every service, 8
# silent control clients (all the control slots) and 64 idle handoff
# clients (the whole handoff table, uid 65534). Through it: every other
# service runs on with the same pid, pactctl status answers within a
# bounded time, 100 pactctl status at once all succeed, a root handoff
# client is served, and the node stays ready.
. /test/tap.sh
. /test/svc.sh
pactctl wait-ready --timeout 60 >/dev/null; ok $? "the node is ready"
steady=$(svc_get steady pid) netd=$(svc_get netd pid)
check "the fork bomb hit its limit" $KW -t 60 'service bomb\.service: ready'
check "the crash loop runs" $KW -t 30 -n 3 'service crash\.service: restarting in'
/test/bin/notifystorm /run/pact/notify.sock 65534 >/tmp/flood.out &
flood=$!
# each holder says on its fifo when it holds its connections: read waits
# for that line (or for the holder's end)
mkfifo /tmp/ctl.fifo /tmp/handoff.fifo
/test/bin/holdconns /run/pact/control.sock 8 silent >/tmp/ctl.fifo &
ctlhold=$!
/test/bin/holdconns /run/pact/handoff.sock 64 handoff 65534 >/tmp/handoff.fifo &
hohold=$!
read -r ctl_line </tmp/ctl.fifo
read -r handoff_line </tmp/handoff.fifo
is "$ctl_line" "holdconns: 8 connected" "8 silent control clients hold the slots"
is "$handoff_line" "holdconns: 64 connected" "64 idle handoff clients (uid 65534) hold the table"

t0=$(uptime_ms)
timeout 20 pactctl status >/dev/null; r=$?
t1=$(uptime_ms)
ok $r "pactctl status answers ($((t1 - t0)) ms)"
[ $((t1 - t0)) -lt 15000 ]; ok $? "within 15 s (the silent clients' deadline is 2 s)"
i=0 pids=""
while [ $i -lt 100 ]; do
	( timeout 60 pactctl status >/dev/null 2>&1; echo $? >/tmp/st.$i ) &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids # each bounded by its timeout
is "$(cat /tmp/st.* | grep -c '^0$')" 100 "100 pactctl status at once all succeed"
out=$(timeout 30 pactctl handoff request stress-1 --net -- true 2>&1); r=$?
ok $r "a root handoff client is served past the full table: $out"
timeout 30 pactctl handoff end stress-1 >/dev/null 2>&1
is "$(svc_get steady pid)" "$steady" "steady still runs, same pid"
is "$(svc_get netd pid)" "$netd" "netd still runs, same pid"
is "$(svc_get steady state) $(svc_get netd state)" "running running" "both running"
timeout 20 pactctl wait-ready --timeout 10 >/dev/null; ok $? "the node is still ready"
test -e /run/pact/ready; ok $? "the ready file is there"
kill $flood $ctlhold $hohold
wait $flood
echo "# $(cat /tmp/flood.out)"
done_testing
