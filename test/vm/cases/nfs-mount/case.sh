#!/bin/sh
# NFS against a real server (kernel nfsd, test/net/nfs/nfs-server), with
# the kernel's NFSv4 client and busybox mount, by hand: pact-init's fstab
# support comes later; this proves the server and the client work in the
# test VM. The server is a boot service (nfs-server.service, up at boot);
# the case stops it (down: refused), starts it again (a server that comes
# up later, while a hard mount waits on it) and mounts an address that
# never answers (bounded failure).
. /test/tap.sh
mnt=/mnt/nfs
srv=192.168.99.1
opts=vers=4.2,addr=$srv
mkdir -p $mnt
# fails by itself: neither success (0) nor the bound (timeout's 124)
failed_alone() { [ "$1" -ne 0 ] && [ "$1" -ne 124 ]; }
check "the NFS server is up at boot (nfs-server.service ready)" \
	sh -c 'pactctl services --json | grep -q "\"name\":\"nfs-server.service\",\"state\":\"running\".*\"ready\":true"'
# nfsdcld answered nfsd (the kernel logs this at info level: not on the console)
check "nfsd has no grace period to wait out (nfsdcld: no clients to reclaim)" \
	sh -c 'dmesg | grep -q "NFSD: no clients to reclaim, skipping NFSv4 grace period"'
echo "from the server" >/srv/nfs/server-file
check "mount -t nfs4 $srv:/srv/nfs" mount -t nfs4 -o $opts $srv:/srv/nfs $mnt
check "the mount is NFSv4.2 over TCP to $srv" \
	sh -c "grep -E '^$srv:/srv/nfs $mnt nfs4 .*vers=4.2.*proto=tcp' /proc/mounts"
is "$(cat $mnt/server-file 2>&1)" "from the server" "the client reads what the server wrote"
echo "from the client" >$mnt/client-file
is "$(cat /srv/nfs/client-file 2>&1)" "from the client" "the server has what the client wrote"
check "umount" umount $mnt

# down: nothing listens on 2049; the client is refused at once
/test/net/nfs-server stop
out=$(timeout 30 mount -t nfs4 -o $opts $srv:/srv/nfs $mnt 2>&1)
failed_alone $?
ok $? "a mount while the server is down fails (not hangs): $out"
check "... and names the reason (connection refused)" sh -c "echo '$out' | grep -qi 'refused'"

# up again, later: a hard mount's I/O waits for the server and then completes
check "the server starts again" /test/net/nfs-server start /srv/nfs
check "mount again" mount -t nfs4 -o $opts $srv:/srv/nfs $mnt
/test/net/nfs-server stop
cat $mnt/server-file >/tmp/late-read 2>&1 &
reader=$!
check "a read while the server is down waits (hard mount: no error)" kill -0 $reader
check "the server comes back" /test/net/nfs-server start /srv/nfs
wait $reader; rc=$?
ok $rc "the waiting read completes once the server is back"
is "$(cat /tmp/late-read)" "from the server" "... with the file's content"
check "umount" umount $mnt

# never answers: dummy0 swallows what is sent to 192.168.99.2 (no RST, no ICMP)
/test/net/nfs-server blackhole
t0=$(date +%s)
out=$(timeout 60 mount -t nfs4 -o vers=4.2,addr=192.168.99.2,timeo=50,retrans=1 192.168.99.2:/srv/nfs $mnt 2>&1)
failed_alone $?
ok $? "a mount of a server that never answers fails by itself (timeo=5 s, retrans=1), not by the 60 s bound"
echo "# it took $(( $(date +%s) - t0 )) s: $out"
check "... with a timeout" sh -c "echo '$out' | grep -qiE 'timed out|timeout'"
check "nothing is left mounted" sh -c "! grep -q ' $mnt ' /proc/mounts"
done_testing
