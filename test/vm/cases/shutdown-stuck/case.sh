#!/bin/sh
# Poweroff by signal (SIGUSR2, what busybox `poweroff` sends) with processes
# that ignore SIGTERM: the shutdown must still end, bounded by the grace
# times in init.conf (2 s + 2 s here); the host checks the console log.
. /test/tap.sh
mkfifo /tmp/pids
/test/bin/stubborn 2 >/tmp/pids &
exec 3</tmp/pids
read -r a <&3; read -r b <&3; read -r c <&3
for p in $a $b $c; do
	check "pid $p ignores SIGTERM" sh -c "grep -qE '^SigIgn:.*[4567cdef][0-9a-f]{3}\$' /proc/$p/status"
done
done_testing
kill -USR2 1
