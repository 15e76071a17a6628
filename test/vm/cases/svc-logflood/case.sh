#!/bin/sh
# A service writing megabytes to stdout is never blocked: the oneshot
# finishes (boot waits for it), and its log is capped with one rotation.
. /test/tap.sh
. /test/svc.sh
is "$(svc_get flood state)" exited "flood (12 MB to stdout) finished"
is "$(svc_get flood last_exit)" "exited with status 0" "flood exited 0"
s0=$(stat -c %s $LOGS/flood.log)
[ "$s0" -le 1048576 ]
ok $? "flood.log is capped at 1 MiB ($s0 bytes)"
check "flood.log.1 exists (one rotation kept)" test -f $LOGS/flood.log.1
s1=$(stat -c %s $LOGS/flood.log.1 2>/dev/null || echo 0)
[ "$s1" -gt 0 ] && [ "$s1" -le 1048576 ]
ok $? "flood.log.1 is within the cap too ($s1 bytes)"
check "no older rotation is kept" test ! -e $LOGS/flood.log.2
check "the log ends with the service's last line and its exit" sh -c \
	"tail -n 3 $LOGS/flood.log | grep -q 'flood: done' && tail -n 1 $LOGS/flood.log | grep -q 'exited with status 0'"
tail -n 3 $LOGS/flood.log | sed 's/^/#   /'
is "$(svc_get quiet state)" running "quiet runs alongside"
check "pactctl logs flood shows its end" sh -c "pactctl logs flood --lines 3 | grep -q 'flood: done'"
done_testing
