#!/bin/sh
# --no-reboot on the machine's PID 1 (the kernel passes the words after
# "--" on its command line to init): its exit at the end of a shutdown
# would panic the kernel, so it is ignored there and the node powers off.
. /test/tap.sh
check "PID 1 was given --no-reboot" sh -c "tr '\0' '\n' </proc/1/cmdline | grep -qx -- --no-reboot"
done_testing
