#!/bin/sh
# The root checks of root-disk, with the image on a loop device.
. /test/tap.sh
ro=/run/pact-root/ro
dev=$(awk -v m=$ro '$5 == m { for (i = 7; $i != "-"; i++); print $(i + 2) }' /proc/self/mountinfo)
check "the image is mounted from a loop device ($dev)" sh -c "echo $dev | grep -q '^/dev/loop[0-9]'"
n=${dev#/dev/loop}
check "the loop device is read-only" grep -qx 1 /sys/block/loop$n/ro
check "the loop device autoclears" grep -qx 1 /sys/block/loop$n/loop/autoclear
. /test/root-checks.sh
done_testing
