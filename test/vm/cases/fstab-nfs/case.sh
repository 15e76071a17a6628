#!/bin/sh
# fstab with NFS against the kernel nfsd of this VM (test/net/nfs): a
# required mount whose server comes up during the boot (retried, then
# mounted before the services), a bind mount that requires it, nofail
# mounts (one by name from /etc/hosts, one whose server appears after the
# boot, one that never answers), automount refused, a local tmpfs.
. /test/tap.sh
# mounted at $1 as $2 (an NFS mount's source may show another name of its
# server: the client shares one superblock per server and export)
mnt() { awk -v m="$1" -v t="$2" '$2 == m && $3 == t { f = 1 } END { exit !f }' /proc/mounts; }
line() { dmesg | grep -n -m1 -E "$1" | cut -d: -f1; }
check "tmpfs on /mnt/scratch (local, InitHardware)" mnt /mnt/scratch tmpfs
check "the first attempt at /mnt/home failed: the server was not up" \
	/test/bin/kmsgwait -t 5 'on /mnt/home \(nfs4\): .*retrying for up to 60 s'
check "... it was mounted after retries, before the services" \
	/test/bin/kmsgwait -t 5 'on /mnt/home \(nfs4\): mounted \(after retries\)'
check "/mnt/home is NFSv4.2" sh -c "grep -E ' /mnt/home nfs4 .*vers=4.2' /proc/mounts"
is "$(cat /run/uses-home.out 2>&1)" "from the server" "a service read the mount at its start"
m=$(line 'on /mnt/home \(nfs4\): mounted'); s=$(line 'service uses-home.service: started')
check "... the mount came first (kernel log lines $m, $s)" test "$m" -lt "$s"
is "$(cat /mnt/sub/file 2>&1)" "below the mount" "the bind mount that requires /mnt/home"
check "nfs01 (from /etc/hosts, nofail) is mounted in the background" \
	/test/bin/kmsgwait -t 60 'nfs01:/srv/nfs on /mnt/byname \(nfs4\): mounted'
check "the automount line is refused, naming it" \
	/test/bin/kmsgwait -t 5 '/etc/fstab:8: x-systemd.automount is not supported'
check "... and not mounted" sh -c '! grep -q " /mnt/auto " /proc/mounts'
# a server that comes up after the boot: its address appears now
check "the late server's address appears" ip addr add 192.168.99.3/24 dev dummy0
check "the nofail mount of it is retried until it is there" \
	/test/bin/kmsgwait -t 60 '192.168.99.3:/srv/nfs on /mnt/late \(nfs4\): mounted \(after retries\)'
check "... mounted" mnt /mnt/late nfs4
check "a server that never answers (nofail): given up after its budget" \
	/test/bin/kmsgwait -t 60 'on /mnt/dead \(nfs4\): .*attempts in [0-9]+ s\) \(fstab line 7\); nofail: given up'
check "... nothing mounted there" sh -c '! grep -q " /mnt/dead " /proc/mounts'
check "the node was ready without waiting for the nofail mounts" \
	sh -c "[ $(line 'node vm-fstab-nfs ready') -lt $(line 'on /mnt/late \(nfs4\): mounted') ]"
rss=$(awk '/^Rss:/ { print $2 }' /proc/1/smaps_rollup)
echo "# PID 1 Rss: $rss kB"
done_testing
