#!/bin/sh
# A broken network configuration (an interface that does not exist) fails
# ConfigureNetwork (F28): BootFailed, no ready file, FAILED on ready.sock,
# `pactctl wait-ready` exits 1; boot retries with backoff 1 s, then 2 s
# (F33), then offers the emergency shell. The console program (this) starts
# at the first failure.
. /test/tap.sh
check "no ready file after the first failure" test ! -e /run/pact/ready
check "boot ends in the emergency shell after its retries (kernel log)" \
	/test/bin/kmsgwait -t 30 "emergency: boot failed after 2 retries"
check "still no ready file" test ! -e /run/pact/ready
check "the emergency program (here /bin/cat) runs on the console, a child of PID 1" sh -c '
	for s in /proc/[0-9]*/stat; do
		set -- $(cat "$s" 2>/dev/null); [ "$2" = "(cat)" ] && [ "$4" = 1 ] &&
			[ "$(readlink ${s%/stat}/fd/0)" = /dev/console ] && exit 0
	done; exit 1'
out=$(pactctl wait-ready --timeout 10); rc=$?
echo "# wait-ready: $out"
is "$rc" 1 "pactctl wait-ready exits 1 (boot failed)"
check "it prints FAILED with the phase and the interface" sh -c \
	"echo '$out' | grep -q '^FAILED ConfigureNetwork: network: nosuch0: no such network device'"
/test/bin/readyprobe -n 1 -t 5 >/tmp/probe
sed 's/^/# /' /tmp/probe
check "ready.sock answers FAILED <reason> at once" grep -q '^answer_1=FAILED ConfigureNetwork: .*nosuch0' /tmp/probe
pactctl status --json >/tmp/status.json
tr '{' '\n' </tmp/status.json | sed -n \
	's/^"name":"\([A-Za-z]*\)","state":"\([a-z]*\)","start_ms":\([0-9]*\),"duration_ms":\([0-9]*\),"wait_ms":\([0-9]*\),"attempts":\([0-9]*\).*/\1 \2 \6/p' \
	>/tmp/phases
sed 's/^/# /' /tmp/phases
is "$(tr '\n' ' ' </tmp/phases)" "InitHardware done 1 ConfigureNetwork failed 3 LoadIdentity pending 0 StartServices pending 0 Ready pending 0 " \
	"ConfigureNetwork failed after 3 attempts; no later phase ran (PB3)"
check "status: not ready, boot_failed names nosuch0, 2 retries" sh -c \
	'grep -q "\"ready\":false" /tmp/status.json && grep -q "\"boot_failed\":\"ConfigureNetwork: network: nosuch0" /tmp/status.json &&
	 grep -q "\"retries\":2" /tmp/status.json'
# the backoff, from the kernel log's timestamps: failure -> retry
dmesg | awk -F'[][]' '/pact-init: (error: )?boot failed in phase/ { f[++nf] = $2 } /pact-init: (notice: )?boot: retrying from phase/ { r[++nr] = $2 }
	END { for (i = 1; i <= nr; i++) printf "%.3f\n", r[i] - f[i] }' >/tmp/backoff
echo "# backoffs: $(tr '\n' ' ' </tmp/backoff)"
is "$(wc -l </tmp/backoff)" 2 "two retries"
check "the first retry came 1 s after the first failure" awk 'NR == 1 { exit !($1 >= 0.95 && $1 < 1.6) }' /tmp/backoff
check "the second retry came 2 s after the second failure" awk 'NR == 2 { exit !($1 >= 1.95 && $1 < 2.6) }' /tmp/backoff
check "no service was started (StartServices never ran)" sh -c '! dmesg | grep -q "service .*: started"'
done_testing
