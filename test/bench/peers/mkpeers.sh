#!/bin/bash
# Build the images of the peer boots of `make bench` (test/bench/peers/boot-peers)
# into $BUILD/peers/, each with /bench/probe (test/bench/guest) and the same
# workload: the early mounts, cgroup2 with pact.slice/{infra,network,gpu,
# audit}.slice and workload.slice, the demo's 8 services (services/demo)
# each in its own cgroup, then a ready line in the kernel log:
#   pact.cpio.gz       pact-init as the demo ships it (images/demo/init.conf),
#                      the probe as its console program
#   pact-wd.cpio.gz    the same with softdog and watchdog.timeout_s = WD_TIMEOUT_S
#   pact-link.cpio.gz  the same plus a chain of LINKS oneshot services
#                      (link-NN.service, each requiring the one before)
#   rcs.cpio.gz        busybox init + a hand-written rcS (rcs/)
#   systemd.cpio.gz    systemd 252 from Debian, the demo's units in slices (systemd/)
#   systemd-link.cpio.gz  the same plus the chain of LINKS oneshot services
#   s6.cpio.gz         s6-svscan from Debian with sh run scripts (s6/)
# Debian packages are fetched with `apt-get download` into $BUILD/peers/debs
# (kept between runs) and unpacked, never installed; the dynamic binaries
# get their library closure (ELF NEEDED, resolved in the unpacked tree).
#   mkpeers.sh BUILD
set -euo pipefail
BUILD=${1:-build}
here=test/bench/peers
out="$BUILD/peers"
debs="$out/debs"
LINKS=${LINKS:-32}
WD_TIMEOUT_S=${WD_TIMEOUT_S:-10}
mkdir -p "$debs"

die() { echo "mkpeers: $*" >&2; exit 1; }

# ---- Debian packages ----

# PKG... into $debs, unless a .deb of that name is there already
fetch() {
	local p want=()
	for p in "$@"; do
		compgen -G "$debs/${p}_*.deb" >/dev/null || want+=("$p")
	done
	[ ${#want[@]} -eq 0 ] && return 0
	echo "  FETCH   ${want[*]}"
	(cd "$debs" && apt-get download -qq "${want[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
	for p in "${want[@]}"; do
		compgen -G "$debs/${p}_*.deb" >/dev/null || die "apt-get download $p failed"
	done
}

# The library packages PKG depends on, recursively (names only, no virtuals).
lib_closure() {
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances "$1" 2>/dev/null |
		sed -n 's/^\(lib[a-z0-9.+-]*\)$/\1/p' | sort -u
}

# Unpack PKG... into DIR, unless DIR holds these very .debs already.
unpack() {
	local dir=$1 p files=(); shift
	for p in "$@"; do
		files+=("$(compgen -G "$debs/${p}_*.deb" | head -n1)")
	done
	[ -d "$dir" ] && [ "$(cat "$dir.debs" 2>/dev/null)" = "${files[*]}" ] && return 0
	rm -rf "$dir" "$dir.debs"; mkdir -p "$dir"
	for p in "${files[@]}"; do
		dpkg-deb -x "$p" "$dir"
	done
	echo "${files[*]}" >"$dir.debs"
}

# Copy FILE (a path inside TREE) and, recursively, the libraries it needs
# (NEEDED, looked up in its RUNPATH, the RUNPATHs seen so far, as the loader
# reuses a library already loaded by name, and the multiarch directories of
# TREE) into STAGE, keeping paths and symlinks.
runpaths_seen=""
copy_with_libs() {
	local tree=$1 stage=$2 file=$3 lib dir found runpath
	[ -e "$stage$file" ] && return 0
	[ -e "$tree$file" ] || die "$file is not in the unpacked packages"
	mkdir -p "$stage$(dirname "$file")"
	cp -a "$tree$file" "$stage$file"
	if [ -L "$tree$file" ]; then
		local target
		target=$(readlink "$tree$file")
		[[ $target == /* ]] || target="$(dirname "$file")/$target"
		copy_with_libs "$tree" "$stage" "$target"
		return 0
	fi
	runpath=$(readelf -d "$tree$file" 2>/dev/null | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p' | tr ':' ' ')
	runpaths_seen="$runpaths_seen $runpath"
	for lib in $(readelf -d "$tree$file" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=""
		for dir in $runpath $runpaths_seen /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib; do
			if [ -e "$tree$dir/$lib" ]; then found=$dir/$lib; break; fi
		done
		[ -n "$found" ] || die "$file needs $lib: in no unpacked package"
		copy_with_libs "$tree" "$stage" "$found"
	done
}

# ---- images ----

# Files every image has: the probe, the stamp program, users, a log directory.
common_manifest() {
	cat <<-EOF
		file    /bench/probe        $BUILD/bench-guest/probe      0755
		file    /bench/linkstamp    $BUILD/bench-guest/linkstamp  0755
		file    /etc/passwd         images/etc/passwd             0644
		file    /etc/group          images/etc/group              0644
		dir     /var/log            0755
	EOF
}

# The start-link chain (service_start_link_ratio), as unit files both
# pact-init and systemd read: link-00 after the demo's last wave, each next
# one requiring (and ordered after) the one before; each runs linkstamp.
link_units() { # DIR
	local i
	mkdir -p "$1"
	for ((i = 0; i < LINKS; i++)); do
		{
			echo "# one link of the bench's start-link chain (test/bench/peers)"
			echo "[Unit]"
			if [ "$i" -eq 0 ]; then
				echo "After=node-agent.service"
			else
				printf 'Requires=link-%02d.service\nAfter=link-%02d.service\n' $((i - 1)) $((i - 1))
			fi
			echo "[Service]"
			echo "Type=oneshot"
			echo "ExecStart=/bench/linkstamp /run/bench-link.chain $i"
		} >"$1/$(printf 'link-%02d.service' "$i")"
	done
}

image() { # NAME MANIFEST...
	images/mkimage.sh "$BUILD" "$out/$1.cpio.gz" "${@:2}" >/dev/null
	echo "  IMAGE   $out/$1.cpio.gz ($(du -k "$out/$1.cpio.gz" | cut -f1) KiB)"
}

# pact-init, as `make run` ships it, with the probe as its console program
pact_images() {
	local d="$out/pact"
	rm -rf "$d"; mkdir -p "$d/links"
	grep -q '^console_exec' images/demo/init.conf || die "images/demo/init.conf has no console_exec"
	sed 's|^console_exec *=.*|console_exec = /bench/probe|' images/demo/init.conf >"$d/init.conf"
	sed -e 's|^modules *=\(.*\)|modules =\1 softdog|' "$d/init.conf" >"$d/init-wd.conf"
	grep -q 'softdog' "$d/init-wd.conf" || echo "modules = softdog" >>"$d/init-wd.conf"
	echo "watchdog.timeout_s = $WD_TIMEOUT_S" >>"$d/init-wd.conf"
	link_units "$d/links"
	common_manifest >"$d/common.manifest"
	printf 'tree /etc/pact/services services/demo\nfile /etc/pact/init.conf %s 0644\n' \
		"$d/init.conf" >"$d/pact.manifest"
	printf 'tree /etc/pact/services services/demo\nfile /etc/pact/init.conf %s 0644\n' \
		"$d/init-wd.conf" >"$d/pact-wd.manifest"
	printf 'tree /etc/pact/services %s\n' "$d/links" >"$d/links.manifest"
	image pact images/node.manifest "$d/common.manifest" "$d/pact.manifest"
	image pact-wd images/node.manifest "$d/common.manifest" "$d/pact-wd.manifest"
	image pact-link images/node.manifest "$d/common.manifest" "$d/pact.manifest" "$d/links.manifest"
}

rcs_image() {
	local d="$out/rcs"
	rm -rf "$d"; mkdir -p "$d"
	common_manifest >"$d/common.manifest"
	cat >"$d/rcs.manifest" <<-EOF
		busybox
		link    /init               /bin/busybox
		link    /sbin/init          /bin/busybox
		file    /etc/inittab        $here/rcs/inittab  0644
		file    /etc/init.d/rcS     $here/rcs/rcS      0755
		file    /etc/bench/early.sh $here/early.sh     0644
	EOF
	image rcs "$d/common.manifest" "$d/rcs.manifest"
}

# The demo's units for systemd: its slices are pact-<name>.slice (systemd
# spells pact.slice/infra.slice that way), notify through systemd-notify,
# output appended to /var/log/<unit>.log (no journald in a minimal set),
# and each Requires= also an After=, which pact-init's Requires= implies.
systemd_units() { # DIR
	local u f
	mkdir -p "$1"
	cp "$here"/systemd/*.target "$here"/systemd/*.slice "$here"/systemd/*.service "$1/"
	for u in services/demo/*.service; do
		f="$1/$(basename "$u")"
		[ "$(grep '^\[' "$u" | tail -n1)" = "[Service]" ] || die "$u: [Service] is not its last section"
		sed -e 's/^Slice=\(.*\)\.slice$/Slice=pact-\1.slice/' -e '/^Requires=/{p;s/^Requires=/After=/}' \
			-e 's/pactctl notify --ready/systemd-notify --ready/' "$u" >"$f"
		echo "StandardOutput=append:/var/log/%n.log" >>"$f"
	done
	grep -q 'systemd-notify --ready' "$1/bus.service" || die "bus.service: no notify call to rewrite"
	# the instances init.conf lists (instances = hsn-rh@0 hsn-rh@1)
	mkdir -p "$1/bench.target.wants"
	for u in $(sed -n 's/^instances *= *//p' images/demo/init.conf); do
		ln -sfn ../hsn-rh@.service "$1/bench.target.wants/$u.service"
	done
	ln -sfn bench.target "$1/default.target"
}

systemd_image() {
	local d="$out/systemd" p
	local pkgs
	pkgs=$(printf '%s\n' systemd libsystemd-shared libgcc-s1 $(lib_closure systemd) | sort -u)
	# shellcheck disable=SC2086
	fetch $pkgs
	# shellcheck disable=SC2086
	unpack "$d/pkgs" $pkgs
	rm -rf "$d/root"; mkdir -p "$d/root"
	for p in /lib/systemd/systemd /bin/systemd-notify /lib64/ld-linux-x86-64.so.2 \
		/lib/x86_64-linux-gnu/libgcc_s.so.1; do
		copy_with_libs "$d/pkgs" "$d/root" "$p"
	done
	systemd_units "$d/root/etc/systemd/system"
	# empty: a diskless node keeps a transient id and is not a "first boot" every time
	: >"$d/root/etc/machine-id"
	printf 'NAME="pact-init bench peer"\nID=debian\n' >"$d/root/etc/os-release"
	common_manifest >"$d/common.manifest"
	cat >"$d/systemd.manifest" <<-EOF
		busybox
		tree    /                   $d/root
		link    /init               /lib/systemd/systemd
		link    /sbin/init          /lib/systemd/systemd
	EOF
	image systemd "$d/common.manifest" "$d/systemd.manifest"
	# the chain, pulled in by the target through its last link; the probe after it
	local last
	last=$(printf 'link-%02d.service' $((LINKS - 1)))
	rm -rf "$d/links"
	link_units "$d/links/etc/systemd/system"
	mkdir -p "$d/links/etc/systemd/system/bench.target.wants" \
		"$d/links/etc/systemd/system/bench-probe.service.d"
	ln -s "../$last" "$d/links/etc/systemd/system/bench.target.wants/$last"
	printf '[Unit]\nAfter=%s\n' "$last" >"$d/links/etc/systemd/system/bench-probe.service.d/link.conf"
	printf 'tree / %s\n' "$d/links" >"$d/links.manifest"
	image systemd-link "$d/common.manifest" "$d/systemd.manifest" "$d/links.manifest"
}

s6_image() {
	local d="$out/s6" p
	local pkgs="s6 libs6-2.11 libskarnet2.13 libexecline2.9 libc6"
	# shellcheck disable=SC2086
	fetch $pkgs
	# shellcheck disable=SC2086
	unpack "$d/pkgs" $pkgs
	rm -rf "$d/root"; mkdir -p "$d/root"
	for p in /usr/bin/s6-svscan /usr/bin/s6-supervise /lib64/ld-linux-x86-64.so.2; do
		copy_with_libs "$d/pkgs" "$d/root" "$p"
	done
	common_manifest >"$d/common.manifest"
	cat >"$d/s6.manifest" <<-EOF
		busybox
		tree    /                   $d/root
		file    /init               $here/s6/init      0755
		file    /etc/bench/early.sh $here/early.sh     0644
		tree    /etc/s6/service     $here/s6/service
	EOF
	image s6 "$d/common.manifest" "$d/s6.manifest"
}

# the images' shells and services: busybox-static's busybox, from its
# package (the same one `make deps` installs), whatever the host's is now
fetch busybox-static
unpack "$out/busybox" busybox-static
export BUSYBOX="$out/busybox/bin/busybox"
"$BUSYBOX" --list-full >/dev/null 2>&1 || die "$BUSYBOX: not a busybox with --list-full"
for f in "$BUILD/bench-guest/probe" "$BUILD/bench-guest/linkstamp" "$BUILD/pact-init"; do
	[ -x "$f" ] || die "missing $f (make bench builds it)"
done
pact_images
rcs_image
systemd_image
s6_image
