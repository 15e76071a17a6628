#!/bin/sh
# Install what pact-init needs from Debian (idempotent, quiet) and fetch the
# test kernel into $BUILD/kernel without installing it: resolve
# linux-image-cloud-amd64 to its versioned package, download the .deb and
# unpack vmlinuz and the modules the images need with dpkg-deb. The real
# node daemons' packages are fetched apart (make deps-daemons).
set -eu
BUILD=${1:-build}
# dnsmasq-base: the DHCP/TFTP server of the network tests (test/net/), its
# binary only (no service is started); binutils: readelf for images/debpkg.sh;
# gcc, libc6-dev, linux-libc-dev: the sanitized test builds and the kernel's
# headers (a fresh machine may have none; --no-install-recommends skips them);
# man-db, groff-base: the test that the man pages render (man -l);
# clang-format: the test that the C follows .clang-format
PKGS="musl-tools gcc libc6-dev linux-libc-dev qemu-system-x86 cpio squashfs-tools
      busybox-static kmod gzip ipxe-qemu iproute2 python3 util-linux dnsmasq-base
      binutils man-db groff-base clang-format ${EXTRA_PKGS:-}"
KPKG_META=${KERNEL_PACKAGE:-linux-image-cloud-amd64}

# one dpkg-query for all (every make runs this): the installed ones
# shellcheck disable=SC2086
installed=$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null | sed -n 's/ install ok installed$//p')
missing=""
for p in $PKGS; do
	printf "%s\n" "$installed" | grep -qxF "$p" || missing="$missing $p"
done
updated=0
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	apt-get update -qq >/dev/null && updated=1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

kdir="$BUILD/kernel"
resolve() { apt-cache depends "$KPKG_META" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1; }
# the answer is kept until apt's package lists change (apt-cache takes
# seconds, and every make runs this)
memo="$kdir/resolved-$KPKG_META"
if [ -s "$memo" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 -newer "$memo" -print -quit)" ]; then
	kpkg=$(cat "$memo")
else
	kpkg=$(resolve)
fi
if [ -z "$kpkg" ] && [ "$updated" = 0 ]; then
	apt-get update -qq >/dev/null
	kpkg=$(resolve)
fi
[ -n "$kpkg" ] || { echo "deps: cannot resolve $KPKG_META to a kernel package" >&2; exit 1; }
kver=${kpkg#linux-image-}
mkdir -p "$kdir" && echo "$kpkg" >"$memo"
if [ -f "$kdir/$kver/modules/modules.dep" ]; then
	ln -sfn "$kver" "$kdir/current"
	exit 0
fi
echo "deps: fetching kernel $kpkg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq "$kpkg" 2>/dev/null)
mkdir -p "$tmp/x" "$kdir/$kver"
dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp/x" ./boot ./lib/modules
cp "$tmp/x/boot/vmlinuz-$kver" "$kdir/$kver/vmlinuz"
# Debian generates modules.dep at install time; we do it here
depmod -b "$tmp/x" "$kver"
rm -rf "$kdir/$kver/modules"
mv "$tmp/x/lib/modules/$kver" "$kdir/$kver/modules"
ln -sfn "$kver" "$kdir/current"
echo "deps: kernel $kver in $kdir/$kver"
