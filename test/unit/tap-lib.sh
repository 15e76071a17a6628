# Sourced by the shell tests (test/unit/test_*.sh, test/host/*.sh): TAP
# lines with a running count. result ok|not NAME [DETAIL]: the detail
# (several lines) follows a failure as "#   " comments; tap_end prints the
# plan and fails when a test did.
n=0 failed=0
result() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
}
tap_end() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
