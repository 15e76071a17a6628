# TAP helpers for in-guest test cases (busybox sh): source /test/tap.sh
TAP_N=0
ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; fi
}
check() { # check DESCRIPTION COMMAND...  (ok when the command succeeds)
	d=$1; shift
	"$@" >/tmp/check.out 2>&1; r=$?
	ok $r "$d"
	[ $r -eq 0 ] || sed 's/^/#   /' /tmp/check.out | head -n 10
}
is() { # is GOT WANT DESCRIPTION
	[ "$1" = "$2" ]; r=$?
	ok $r "$3"
	[ $r -eq 0 ] || echo "#   got '$1', want '$2'"
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $2 # SKIP $1"; }
done_testing() { echo "1..$TAP_N"; }
