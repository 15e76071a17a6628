#!/bin/sh
# Install what pact-init needs from Debian (idempotent, quiet) and fetch the
# test kernel into $BUILD/kernel without installing it: resolve
# linux-image-cloud-amd64 to its versioned package, download the .deb and
# unpack vmlinuz and the modules the images need with dpkg-deb. The real
# node daemons' packages are fetched apart (make deps-daemons).
set -eu
BUILD=${1:-build}
# dnsmasq-base: the DHCP/TFTP server of the network tests (test/net/), its
# binary only (no service is started); binutils: readelf for images/debpkg.sh
PKGS="musl-tools qemu-system-x86 cpio squashfs-tools busybox-static kmod gzip
      ipxe-qemu iproute2 python3 util-linux dnsmasq-base binutils ${EXTRA_PKGS:-}"
KPKG_META=${KERNEL_PACKAGE:-linux-image-cloud-amd64}

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
updated=0
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	apt-get update -qq >/dev/null && updated=1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

kdir="$BUILD/kernel"
resolve() { apt-cache depends "$KPKG_META" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1; }
kpkg=$(resolve)
if [ -z "$kpkg" ] && [ "$updated" = 0 ]; then
	apt-get update -qq >/dev/null
	kpkg=$(resolve)
fi
[ -n "$kpkg" ] || { echo "deps: cannot resolve $KPKG_META to a kernel package" >&2; exit 1; }
kver=${kpkg#linux-image-}
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
