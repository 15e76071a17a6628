#!/bin/sh
# A stage 1 that is not pact-init (a test fixture standing in for dracut,
# initramfs-tools or a site's own): it mounts the early filesystems, loads
# the modules, mounts the squashfs root with a tmpfs overlay in the layout
# pact-init uses, and hands over with `switch_root ... /sbin/pact-init`.
set -e
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs -o mode=0755 devtmpfs /dev
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
echo "stage1: busybox stage 1 running"
for m in virtio_pci virtio_blk squashfs overlay; do modprobe "$m"; done
# the PCI probe is synchronous: the disk's node exists once modprobe returns
[ -b /dev/vda ] || { echo "stage1: no /dev/vda"; exit 1; }
r=/run/pact-root
mkdir -p $r/ro $r/rw /newroot
mount -t squashfs -o ro /dev/vda $r/ro
mount -t tmpfs -o mode=0755 tmpfs $r/rw
mkdir $r/rw/upper $r/rw/work
mount -t overlay -o lowerdir=$r/ro,upperdir=$r/rw/upper,workdir=$r/rw/work overlay /newroot
# pact-init must keep this /run (its early mounts are idempotent)
echo busybox >/run/stage1-marker
for m in /dev /proc /sys /run; do mount --move $m /newroot$m; done
echo "stage1: exec switch_root /newroot /sbin/pact-init"
exec switch_root /newroot /sbin/pact-init
