#!/bin/bash
# Assemble node images from manifests (see images/node.manifest):
#   $BUILD/node.cpio.gz       node.manifest + demo.manifest  (make run)
#   $BUILD/node-test.cpio.gz  node.manifest + test.manifest  (make test)
#   $BUILD/root.sqfs          node.manifest + demo.manifest as a read-only
#                             root image (pact.root= or init=/sbin/pact-init)
#   $BUILD/stage1.cpio.gz     stage1.manifest: pact-init as stage 1 of pact.root=
#   $BUILD/netboot/           vmlinuz, node.cpio.gz, boot.ipxe (PXE / iPXE)
# Usage: mkimage.sh BUILD [OUT MANIFEST...] to build one image of your own;
# an OUT ending in .sqfs is a squashfs image, else a gzipped cpio archive.
set -euo pipefail
. "$(dirname "$0")/pack.sh"
BUILD=${1:-build}
KDIR=$(readlink -f "$BUILD/kernel/current")
KVER=$(basename "$KDIR")
# the static busybox the images get (busybox-static's by default)
BUSYBOX=${BUSYBOX:-/bin/busybox}

die() { echo "mkimage: $*" >&2; exit 1; }

# module name -> its path and its dependencies' paths, from modules.dep
module_paths() {
	local name=$1 dep line
	line=$(grep -E "(^|/)${name//_/[_-]}\.ko(\.[a-z]+)?:" "$KDIR/modules/modules.dep" | head -n1) || true
	if [ -z "$line" ]; then
		grep -qE "/${name//_/[_-]}\.ko" "$KDIR/modules/modules.builtin" && return 0
		echo "!$name"
		return 0
	fi
	echo "${line%%:*}"
	for dep in ${line#*:}; do echo "$dep"; done
}

stage_entry() {
	local root=$1 kind=$2; shift 2
	case $kind in
	file)
		local src=${2//\$BUILD/$BUILD}
		[ -f "$src" ] || die "missing $src (for $1)"
		install -D -m "${3:-0644}" "$src" "$root$1" ;;
	link)
		mkdir -p "$(dirname "$root$1")"; ln -sfn "$2" "$root$1" ;;
	dir)
		install -d -m "${2:-0755}" "$root$1" ;;
	tree)
		local src=${2//\$BUILD/$BUILD}
		[ -d "$src" ] || die "missing directory $src (for $1)"
		# the image's links are absolute (/usr/bin/logger -> /bin/busybox):
		# cp -a would write through one onto the host's file
		mkdir -p "$root$1"; cp -a --remove-destination "$src/." "$root$1/" ;;
	busybox)
		local app apps
		# a file written over /bin/busybox (through a link) would make
		# every image unbootable: say so instead of building one
		apps=$("$BUSYBOX" --list-full 2>/dev/null) ||
			die "$BUSYBOX is not busybox (dpkg --verify busybox-static; set BUSYBOX= to another copy)"
		install -D -m 0755 "$BUSYBOX" "$root/bin/busybox"
		for app in $apps; do
			case $app in sbin/init|linuxrc|bin/busybox) continue ;; esac
			mkdir -p "$root/$(dirname "$app")"
			[ -e "$root/$app" ] || ln -s /bin/busybox "$root/$app"
		done ;;
	modules)
		local m p
		for m in "$@"; do
			for p in $(module_paths "$m"); do
				[ "${p#!}" = "$p" ] || die "module ${p#!} is not in kernel $KVER"
				install -D -m 0644 "$KDIR/modules/$p" "$root/lib/modules/$KVER/$p"
			done
		done ;;
	*) die "unknown manifest entry '$kind'" ;;
	esac
}

build_image() {
	local out=$1; shift
	local root
	root=$(mktemp -d "$BUILD/image.XXXXXX")
	mkdir -p "$root"/{dev,proc,sys,run,tmp,etc}
	local mf kind rest
	for mf in "$@"; do
		while read -r kind rest; do
			case $kind in ''|'#'*) continue ;; esac
			# shellcheck disable=SC2086
			stage_entry "$root" "$kind" $rest
		done <"$mf"
	done
	if [ -d "$root/lib/modules/$KVER" ]; then
		cp "$KDIR/modules/modules.builtin" "$KDIR/modules/modules.builtin.modinfo" \
			"$KDIR/modules/modules.order" "$root/lib/modules/$KVER/"
		depmod -b "$root" "$KVER"
	fi
	# the kernel opens /dev/console for PID 1 before devtmpfs is mounted
	mknod -m 0600 "$root/dev/console" c 5 1
	case $out in
	*.sqfs)
		rm -f "$out.tmp"
		# root-owned, reproducible; gzip: every kernel with squashfs reads it
		pack_sqfs "$root" "$out.tmp" -all-root -comp gzip -mkfs-time 0 -all-time 0 ;;
	*)
		pack_cpio "$root" "$out.tmp" 9 ;;
	esac
	mv "$out.tmp" "$out"
	rm -rf "$root"
	echo "  IMAGE   $out ($(du -k "$out" | cut -f1) KiB)"
}

if [ $# -ge 3 ]; then
	out=$2; shift 2
	build_image "$out" "$@"
	exit 0
fi
build_image "$BUILD/node.cpio.gz" images/node.manifest images/demo.manifest
build_image "$BUILD/node-test.cpio.gz" images/node.manifest images/test.manifest
build_image "$BUILD/root.sqfs" images/node.manifest images/demo.manifest
build_image "$BUILD/stage1.cpio.gz" images/stage1.manifest
# the netboot tree: what a site's TFTP or HTTP server serves (README: PXE)
mkdir -p "$BUILD/netboot"
cp "$KDIR/vmlinuz" "$BUILD/netboot/vmlinuz"
cp "$BUILD/node.cpio.gz" "$BUILD/netboot/node.cpio.gz"
boot/mkipxe.sh "$BUILD/netboot/boot.ipxe" "$(cat boot/cmdline)" node.cpio.gz
echo "  NETBOOT $BUILD/netboot (vmlinuz node.cpio.gz boot.ipxe)"
