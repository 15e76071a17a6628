#!/bin/sh
# A required NFS mount whose server never answers: each attempt ends at
# its deadline (x-systemd.mount-timeout=3), the budget (10 s) runs out,
# and the boot fails naming the mount; no service started.
. /test/tap.sh
out=$(pactctl wait-ready --timeout 30); rc=$?
echo "# wait-ready: $out"
is "$rc" 1 "pactctl wait-ready exits 1 (boot failed)"
echo "$out" >/tmp/wait-ready.out
check "the failure names the phase, the step and the mount" grep -q \
	'^FAILED StartServices: remote filesystems: mount 192.168.99.2:/srv/nfs on /mnt/home (nfs4): no answer before the attempt.s deadline ([0-9]* attempts in 1[0-9] s)' \
	/tmp/wait-ready.out
check "nothing is mounted there" sh -c '! grep -q " /mnt/home " /proc/mounts'
check "no service was started" sh -c '! dmesg | grep -q "service .*: started"'
done_testing
