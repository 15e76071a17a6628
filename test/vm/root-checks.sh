# Checks shared by the stateless-root VM cases (root-disk, root-file,
# root-busybox), sourced after /test/tap.sh: / is an overlay of the
# read-only squashfs image and a tmpfs; PID 1 is pact-init from the image,
# its services run from the image, the early mounts were moved across (or
# kept), writes land in the tmpfs, and the image cannot change.
mt() { awk -v m="$1" '$5 == m { for (i = 7; $i != "-"; i++); print $(i + 1) }' /proc/self/mountinfo; }
n_mounts() { awk -v m="$1" '$5 == m' /proc/self/mountinfo | wc -l; }
ro=/run/pact-root/ro upper=/run/pact-root/rw/upper
is "$(mt /)" overlay "/ is an overlay"
is "$(mt $ro)" squashfs "$ro is the squashfs image"
is "$(mt /run/pact-root/rw)" tmpfs "/run/pact-root/rw is a tmpfs"
check "the overlay's lower layer is $ro, its upper $upper" sh -c \
	"grep -E ' / / .* overlay .*lowerdir=$ro,upperdir=$upper' /proc/self/mountinfo"
check "PID 1 is pact-init from the image" cmp -s /proc/1/exe $ro/init
for m in /proc /sys /dev /run /tmp; do
	is "$(n_mounts $m)" 1 "$m is mounted once (moved across, not stacked)"
done
is "$(mt /dev)" devtmpfs "/dev is devtmpfs"
check "the node is ready" pactctl wait-ready --timeout 30
check "services run from the image" sh -c '
	pid=$(pactctl services | awk "/^bus.service/ { print \$3 }")
	[ -n "$pid" ] && [ -d /proc/$pid ] && exe=$(readlink /proc/$pid/exe) &&
	cmp -s /proc/$pid/exe '$ro'$exe'
# the image stays read-only; every write lands in the tmpfs upper layer
check "a write to /usr succeeds" sh -c 'echo hello >/usr/pact-write-test'
check "it lands in the upper layer" grep -q hello $upper/usr/pact-write-test
check "it is not in the image" test ! -e $ro/usr/pact-write-test
check "the image itself is read-only" sh -c "! touch $ro/usr/x 2>/dev/null"
check "deleting a file of the image leaves a whiteout in the upper layer" sh -c \
	"rm /etc/group && test -c $upper/etc/group && test -f $ro/etc/group"
