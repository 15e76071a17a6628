#!/bin/sh
# A service that exceeds MemoryMax is OOM-killed inside its scope, and the
# kill is reported: kernel log, pactctl services (oom_kills, why), its log.
. /test/tap.sh
. /test/svc.sh
check "pact-init reports the OOM kill" \
	$KW -t 30 'error: service hog\.service: OOM-killed \(memory\.max 8388608\)'
check "the kernel's OOM killer did it, in hog's memory cgroup" \
	kmsg_has 'Memory cgroup out of memory: Killed process [0-9]+ \(memhog\)'
o=$(svc_get hog oom_kills)
[ "${o:-0}" -ge 1 ]
ok $? "pactctl services: hog oom_kills >= 1 ($o)"
is "$(svc_get hog state)" failed "hog failed"
is "$(svc_get hog why)" "OOM-killed: killed by signal 9 (Killed)" "hog's why says OOM-killed"
check "hog's log has the OOM kill" grep -q -- '-- pact-init: OOM-killed' $LOGS/hog.log
check "memhog never got past 8 MiB" sh -c "! grep -q survived $LOGS/hog.log"
is "$(svc_get lean state)" running "lean (same limit, small) still runs"
is "$(svc_get lean oom_kills)" 0 "lean has no OOM kills"
done_testing
