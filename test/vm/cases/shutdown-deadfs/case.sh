#!/bin/sh
# A filesystem whose server is gone for good (as a dead NFS or Lustre
# server) at shutdown: a FUSE mount with dirty data in the page cache whose
# server is deadlocked in the kernel (it closes a file of its own mount:
# the FLUSH waits for itself), so that no signal ends it. sync() waits for
# it forever; the shutdown must still end, bounded by shutdown_sync_ms
# (3 s here): the host checks the console log.
. /test/tap.sh
mkdir -p /mnt/dead
mkfifo /tmp/fuse.out
/test/bin/fusestub --writeback --deadlock /mnt/dead >/tmp/fuse.out &
srv=$!
exec 4</tmp/fuse.out
read -r -t 20 line <&4
case "$line" in ready*) ok 0 "the FUSE server is up ($line)" ;; *) ok 1 "the FUSE server is up" ;; esac
# a writer that keeps g open: its data stays dirty (writeback cache). Any
# close of a file of that inode would write it back first, so nothing
# here opens g again.
mkfifo /tmp/written
/test/bin/fusestub --write /mnt/dead/g "dirty data" >/tmp/written &
read -r -t 20 w </tmp/written
is "$w" written "a writer's data is in the page cache of g, not yet written back"
# the server closes its own f: the FLUSH waits for the server itself
kill -USR1 "$srv"
wchan=
for i in $(seq 100); do
	wchan=$(cat /proc/$srv/wchan)
	[ "$wchan" = request_wait_answer ] && break
	usleep 50000 # a task entering a sleep gives no event: wchan is polled, bounded
done
is "$wchan" request_wait_answer "the server waits for its own answer (deadlocked)"
done_testing
