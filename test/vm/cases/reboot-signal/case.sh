#!/bin/sh
# Reboot by SIGTERM (what busybox `reboot` sends). QEMU runs with
# -no-reboot, so a clean reboot ends the VM; the host checks the log.
. /test/tap.sh
check "the ready file exists before shutdown" test -f /run/pact/ready
done_testing
kill -TERM 1
