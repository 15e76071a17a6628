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
ok 0 "bench figures printed"
done_testing
