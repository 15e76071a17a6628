#!/bin/sh
# An orderly poweroff with the watchdog armed does not reset: the shutdown
# (held 7 s by a SIGTERM-deaf process, longer than the 5 s timeout) keeps
# petting, disarms with the magic close and powers off; softdog never
# fires. Without pact.debug, `pactctl debug hang` is refused.
. /test/tap.sh
check "PID 1 holds /dev/watchdog open" sh -c 'ls -l /proc/1/fd | grep -q "/dev/watchdog$"'
out=$(pactctl debug hang 2>&1); rc=$?
echo "# $out"
is "$rc" 1 "pactctl debug hang fails without pact.debug"
check "with PermissionDenied" sh -c "echo '$out' | grep -q PermissionDenied"
check "and the loop still answers" sh -c 'pactctl --json status | grep -q "\"node_id\""'
# it prints its pid once it ignores SIGTERM and SIGHUP (and is out of our session)
mkfifo /tmp/pids
/test/bin/stubborn 0 >/tmp/pids &
exec 3</tmp/pids
read -r pid <&3
check "a SIGTERM-deaf process (pid $pid) will hold the shutdown" sh -c "grep -qE '^SigIgn:.*[4567cdef][0-9a-f]{3}\$' /proc/$pid/status"
done_testing
