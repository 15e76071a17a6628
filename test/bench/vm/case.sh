#!/bin/sh
# In-guest side of `make bench`: figures only the booted node can give,
# printed as `BENCH <name> <value>` lines for test/bench/run.
. /test/tap.sh
pactctl wait-ready --timeout 60 >/dev/null 2>&1
# smaps_rollup walks the page tables; VmRSS in status lags (per-cpu counters)
rss=$(awk '/^Rss:/ { print $2 }' /proc/1/smaps_rollup)
echo "BENCH idle_rss_kib $rss"
grep -E "^(Rss|Pss|Anonymous)" /proc/1/smaps_rollup | sed "s/^/# /"
# the kernel's own time to start us: the first pact-init line in dmesg
t=$(dmesg | awk -F'[][]' '/pact-init: starting/ { gsub(/ /, "", $2); print $2 * 1000; exit }')
echo "BENCH kernel_to_init_ms ${t%.*}"
# boot-to-ready from pact-init's own clock (CLOCK_BOOTTIME ms, `status`):
# total = first instruction (main) to Ready; own = total minus the time
# StartServices spent waiting on services (and any retry backoff)
pactctl status --json >/tmp/status.json
boot=$(sed -n 's/.*"boot":{\([^}]*\)}.*/\1/p' /tmp/status.json | tr ',' '\n')
bnum() { echo "$boot" | sed -n "s/^\"$1\":\([0-9]*\)\$/\1/p"; }
echo "BENCH boot_to_ready_ms $(bnum own_ms)"
echo "BENCH boot_to_ready_total_ms $(bnum total_ms)"
echo "BENCH boot_wait_ms $(bnum wait_ms)"
# per phase: own time = duration - wait
tr '{' '\n' </tmp/status.json | sed -n \
	's/^"name":"\([A-Za-z]*\)","state":"[a-z]*","start_ms":[0-9]*,"duration_ms":\([0-9]*\),"wait_ms":\([0-9]*\).*/\1 \2 \3/p' |
	while read -r name dur wait; do
		echo "BENCH boot_phase_$(echo "$name" | sed 's/\([a-z]\)\([A-Z]\)/\1_\2/g' | tr A-Z a-z)_ms $((dur - wait))"
	done
ok 0 "bench figures printed"
done_testing
