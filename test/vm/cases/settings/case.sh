#!/bin/sh
# The settings admins keep in /etc, applied at boot: API filesystems,
# machine-id (stable across a re-exec), /etc/hostname, sysctl.d and
# tmpfiles.d, with malformed lines named and the rest applied.
. /test/tap.sh
mounted() { grep -q " $1 $2 " /proc/mounts; }
for fs in "debugfs /sys/kernel/debug" "tracefs /sys/kernel/tracing" "configfs /sys/kernel/config" \
	"securityfs /sys/kernel/security" "bpf /sys/fs/bpf" "mqueue /dev/mqueue" "hugetlbfs /dev/hugepages"; do
	set -- $fs
	if grep -q "	$1\$" /proc/filesystems; then
		check "$1 is mounted on $2" sh -c "grep -q ' $2 $1 ' /proc/mounts"
	else
		skip "the kernel has no $1" "$1 on $2"
	fi
done
# machine-id
id=$(cat /etc/machine-id)
check "/etc/machine-id holds an id ($id)" sh -c "echo '$id' | grep -qE '^[0-9a-f]{32}\$'"
is "$(cat /run/machine-id)" "$id" "... the one made in /run/machine-id"
check "... bound onto /etc/machine-id, read-only" sh -c "grep -E ' /etc/machine-id [^ ]+ ro[, ]' /proc/mounts"
# hostname
is "$(hostname)" settings-node "the hostname comes from /etc/hostname"
check "... and names the node" /test/bin/kmsgwait -t 5 "node settings-node ready in"
# sysctl.d
is "$(cat /proc/sys/kernel/pid_max)" 65536 "sysctl: /etc/sysctl.d hides /usr/lib/sysctl.d's file of the same name"
is "$(cat /proc/sys/vm/swappiness)" 33 "sysctl: a later file name wins"
is "$(cat /proc/sys/kernel/domainname)" pact.example "sysctl: a key written with slashes"
is "$(cat /proc/sys/net/ipv4/conf/eth0/rp_filter)" 2 "sysctl: a glob sets eth0"
is "$(cat /proc/sys/net/ipv4/conf/lo/rp_filter)" 0 "sysctl: ... but not lo, which a plain line sets"
is "$(cat /proc/sys/kernel/msgmnb)" 32768 "sysctl: the lines after the bad ones still apply"
is "$(cat /proc/sys/kernel/msgmax)" 12345 "sysctl: /etc/sysctl.conf is read too"
# tmpfiles.d
st() { stat -c '%a %U %G' "$1"; }
is "$(st /var/case/dir)" "750 daemon daemon" "d: made with its mode and owner"
check "D: emptied at boot" sh -c '[ -d /var/case/clean ] && [ -z "$(ls -A /var/case/clean)" ]'
is "$(cat /var/case/file)" "$(printf 'hello\nworld')" "f: written with its escapes"
is "$(st /var/case/file)" "640 root daemon" "f: mode and group"
is "$(cat /var/case/exists)" "keep me" "f: an existing file keeps its content"
is "$(st /var/case/exists)" "600 root root" "... and gets the mode"
is "$(cat /var/case/trunc)" new "F: truncated and written"
is "$(readlink /var/case/link)" /var/case/file "L: a link"
is "$(readlink /var/case/relink)" /var/case/file "L+: a directory replaced by the link"
is "$(cat /var/case/wfile)" "$(printf 'written\nappended')" "w, then w+: written, then appended"
is "$(st /var/case/zfile)" "600 daemon root" "z: mode and owner"
is "$(st /var/case/ztree/sub/f)" "700 daemon root" "Z: recursively"
is "$(stat -c %a /var/case/etree)" 711 "e: an existing directory's mode"
check "r: the glob's files are gone" sh -c '! ls /var/case/gone* 2>/dev/null'
check "R: the tree is gone" sh -c '! test -e /var/case/rtree'
check "%m: a directory named after the machine id" test -d "/var/case/id-$id"
check "/usr/lib/tmpfiles.d's file of the same name is hidden" sh -c '! test -e /var/case/hidden'
is "$(cat /var/case/after-errors)" "the rest applies" "the lines after the bad ones still apply"
# the machine-id stays across a re-exec
check "pactctl reexec" pactctl reexec
check "the new image restored its state" /test/bin/kmsgwait -t 30 "ready state carried across"
is "$(cat /etc/machine-id)" "$id" "machine-id unchanged after the re-exec"
is "$(grep -c ' /etc/machine-id ' /proc/mounts)" 1 "... still one bind mount"
done_testing
