#!/bin/sh
# Ctrl-Alt-Del: pact-init calls reboot(RB_DISABLE_CAD) at start, so the
# kernel turns the key combination into SIGINT for PID 1: a clean reboot.
. /test/tap.sh
check "ctrl-alt-del is routed to PID 1 (ctrl-alt-del sysctl 0)" sh -c '[ "$(cat /proc/sys/kernel/ctrl-alt-del)" = 0 ]'
done_testing
kill -INT 1
