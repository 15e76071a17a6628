#!/bin/sh
# pact-init started by another stage 1: it kept the mounts it found.
. /test/tap.sh
is "$(cat /proc/1/comm)" pact-init "PID 1 is /sbin/pact-init, as switch_root started it"
is "$(cat /run/stage1-marker 2>/dev/null)" busybox "stage 1's /run is the one in use (not mounted over)"
check "pact-init did not act as stage 1" sh -c '! dmesg | grep -q "switch root:"'
. /test/root-checks.sh
done_testing
