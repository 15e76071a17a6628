#!/bin/bash
# Build the real daemons' overlay root: the files of the Debian packages
# that boot/fetch-debs.sh unpacked into $BUILD/debs/root (binaries, vendor
# unit files exactly as shipped, /etc configuration), what their maintainer
# scripts would have done at install time (users, alternatives, ucf-managed
# configuration, keys, directories and their owners), and the shared-library
# closure of every ELF file (ldd; libraries the packages lack come from the
# host, a Debian 12 system like the packages) plus the libraries loaded at
# run time (libgcc_s for pthread_cancel, the NSS modules).
#   mkoverlay.sh BUILD OUT IMAGE_ETC [HOST_LIST]
# IMAGE_ETC holds the image's passwd and group, to which the daemons' users
# and groups are added. OUT is replaced. File owners are real (numeric ids
# of the added users): pack OUT without -all-root. HOST_LIST, when given,
# gets the host files taken, one a line (images/daemons/overlay.sh keys
# its cache on them). Run through overlay.sh, which caches OUT.
set -euo pipefail
BUILD=$1 OUT=$2
IMAGE_ETC=$(cd "$3" && pwd)
HOST_LIST=${4:-/dev/null}
case $HOST_LIST in /*) ;; *) HOST_LIST=$PWD/$HOST_LIST ;; esac
: >"$HOST_LIST"
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$BUILD/debs/root/.unpacked" ] || { echo "mkoverlay: no $BUILD/debs/root (run make deps)" >&2; exit 1; }
src=$(cd "$BUILD/debs/root" && pwd)

rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# 1. the packages' files, less what a node never reads
tar -C "$src" --exclude=./.unpacked --exclude=./usr/share/doc --exclude=./usr/share/man \
	--exclude=./usr/share/locale --exclude=./usr/share/info --exclude=./usr/share/lintian \
	--exclude=./usr/share/perl5 --exclude=./usr/lib/x86_64-linux-gnu/perl5 \
	--exclude=./usr/share/bash-completion --exclude=./usr/share/zsh -cf - . | tar -C "$OUT" -xf -
cd "$OUT"

# 2. what the maintainer scripts do
cat_users() { grep -v '^#' "$here/$1"; }
{ cat "$IMAGE_ETC/passwd"; cat_users passwd; } >etc/passwd
{ cat "$IMAGE_ETC/group"; cat_users group; } >etc/group
# pam_unix reads shadow; no password works, keys do
awk -F: '{ print $1 ":*:19000:0:99999:7:::" }' etc/passwd >etc/shadow
chmod 0640 etc/shadow
id_of() { awk -F: -v n="$1" '$1 == n { print $3 }' etc/passwd; }
gid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' etc/group; }
own() { # USER GROUP MODE PATH...: mkdir -p, then owner and mode
	local u g m
	u=$(id_of "$1") g=$(gid_of "$2") m=$3
	shift 3
	mkdir -p "$@"
	chown "$u:$g" "$@"
	chmod "$m" "$@"
}
# update-alternatives (slurmd, slurmctld)
ln -sfn slurmd-wlm usr/sbin/slurmd
ln -sfn slurmstepd-wlm usr/sbin/slurmstepd
ln -sfn slurmctld-wlm usr/sbin/slurmctld
# ucf-managed configuration, installed from the packages' copies
cp usr/share/chrony/chrony.conf usr/share/chrony/chrony.keys etc/chrony/
cp usr/share/openssh/sshd_config etc/ssh/sshd_config
cp usr/share/nfs-common/conffiles/idmapd.conf etc/idmapd.conf
cp usr/share/nfs-common/conffiles/nfs.conf etc/nfs.conf
cp usr/share/nfs-common/conffiles/nfs-common.default etc/default/nfs-common
# pam-auth-update's output for the "unix" profile (libpam-runtime)
cat >etc/pam.d/common-auth <<'EOF'
auth	[success=1 default=ignore]	pam_unix.so nullok
auth	requisite			pam_deny.so
auth	required			pam_permit.so
EOF
cat >etc/pam.d/common-account <<'EOF'
account	[success=1 new_authtok_reqd=done default=ignore]	pam_unix.so
account	requisite			pam_deny.so
account	required			pam_permit.so
EOF
cat >etc/pam.d/common-password <<'EOF'
password	[success=1 default=ignore]	pam_unix.so obscure yescrypt
password	requisite			pam_deny.so
password	required			pam_permit.so
EOF
printf 'session\t[default=1]\t\t\tpam_permit.so\nsession\trequisite\t\t\tpam_deny.so\nsession\trequired\t\t\tpam_permit.so\nsession\trequired\tpam_unix.so\n' \
	| tee etc/pam.d/common-session >etc/pam.d/common-session-noninteractive
# keys: openssh-server's host keys, munge's key, root's ssh key for the test
# (the package's ssh-keygen: the host need not have one)
keygen() {
	LD_LIBRARY_PATH="$src/lib/x86_64-linux-gnu:$src/usr/lib/x86_64-linux-gnu" \
		"$src/usr/bin/ssh-keygen" "$@"
}
keygen -q -A -f "$OUT" >/dev/null
mkdir -p -m 0700 root/.ssh
keygen -q -t ed25519 -N '' -C root@node -f root/.ssh/id_ed25519
cp root/.ssh/id_ed25519.pub root/.ssh/authorized_keys
own munge munge 0700 etc/munge var/log/munge
own munge munge 0711 var/lib/munge
head -c 1024 /dev/urandom >etc/munge/munge.key
chown "$(id_of munge):$(gid_of munge)" etc/munge/munge.key
chmod 0400 etc/munge/munge.key
# dbus refuses to start without a machine id; one per image here (a node
# should get its own at boot)
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >etc/machine-id
echo >>etc/machine-id
mkdir -p var/lib/dbus
ln -sfn /etc/machine-id var/lib/dbus/machine-id
own _chrony _chrony 0750 var/lib/chrony var/log/chrony
own prometheus prometheus 0755 var/lib/prometheus var/lib/prometheus/node-exporter
own slurm slurm 0755 var/lib/slurm var/lib/slurm/slurmd var/lib/slurm/slurmctld \
	var/lib/slurm/checkpoint var/log/slurm
own statd root 0755 var/lib/nfs var/lib/nfs/sm var/lib/nfs/sm.bak
own root crontab 1730 var/spool/cron/crontabs
# base-files' compatibility link (cron writes /var/run/crond.pid)
ln -sfn /run var/run
mkdir -p var/log var/spool/rsyslog var/lib/lldpd etc/cron.d
chmod 0700 root

# 3. the shared-library closure, from the tree first, then the host
libpath=""
for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu/slurm-wlm; do
	[ -d "$d" ] && libpath="$libpath:$OUT/$d"
done
is_elf() { [ "$(head -c4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }
add_host_file() { # absolute host path, copied (resolved) to the same path
	local p=$1
	[ -e "$OUT$p" ] && return 0
	mkdir -p "$OUT$(dirname "$p")"
	cp -L "$p" "$OUT$p"
	echo "$p" >>"$HOST_LIST"
}
find . -type f \( -perm -u+x -o -name '*.so' -o -name '*.so.*' \) | while read -r f; do
	is_elf "$f" || continue
	LD_LIBRARY_PATH=${libpath#:} ldd "$f" 2>/dev/null |
		sed -n -e 's/.*=> \(\/[^ ]*\) .*/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'
done | sort -u | while read -r lib; do
	case $lib in "$OUT"/*) continue ;; esac
	add_host_file "$lib"
done
for lib in /lib/x86_64-linux-gnu/libgcc_s.so.1 /lib/x86_64-linux-gnu/libnss_files.so.2 \
	/lib/x86_64-linux-gnu/libnss_dns.so.2 /lib64/ld-linux-x86-64.so.2; do
	add_host_file "$lib"
done
n_lib=$(find . -name '*.so*' -type f | wc -l)
echo "mkoverlay: $OUT: $(du -sk . | cut -f1) KiB, $n_lib shared objects"
