#!/bin/bash
# `make run`: boot the demo node in QEMU on this terminal. It shows its
# status and powers off; exit 0 when it booted and shut down cleanly.
#   CONSOLE=1   a shell on the serial console instead (`poweroff` to leave)
#   PXE=1       network boot $BUILD/netboot through the NIC's iPXE ROM, as a
#               node does (no -kernel; the kernel command line is boot.ipxe's)
#   ROOT=1      boot $BUILD/root.sqfs on a virtio disk through the stage 1
#               initramfs (pact.root=/dev/vda)
set -uo pipefail
BUILD=${1:-build}
export BUILD
. images/pack.sh
images=(-i "$BUILD/node.cpio.gz")
if [ "${CONSOLE:-0}" = 1 ]; then
	# an overlay archive replaces init.conf: a respawning shell on the console
	ov=$(mktemp -d "$BUILD/console.XXXXXX")
	mkdir -p "$ov/etc/pact"
	sed -e 's|^console_exec.*|console_exec = /bin/sh|' -e 's|^console_exit.*|console_exit = respawn|' \
		images/demo/init.conf >"$ov/etc/pact/init.conf"
	pack_cpio "$ov" "$BUILD/console.cpio.gz"
	rm -rf "$ov"
	images+=(-i "$BUILD/console.cpio.gz")
fi
args=("${images[@]}")
extra=()
if [ "${PXE:-0}" = 1 ]; then
	args=(-n "$BUILD/netboot")
elif [ "${ROOT:-0}" = 1 ]; then
	args=(-i "$BUILD/stage1.cpio.gz" -q "-drive file=$BUILD/root.sqfs,if=virtio,format=raw,readonly=on")
	extra=(pact.root=/dev/vda)
fi
log="$BUILD/run.log"
boot/qemu.sh "${args[@]}" -- "${extra[@]}" "${CMDLINE:-}" | tee "$log"
tr -d '\r' <"$log" >"$log.txt"
if grep -qE 'Kernel panic|Attempted to kill init' "$log.txt"; then
	echo "run: the kernel panicked (see $log)" >&2
	exit 1
fi
if ! grep -qE 'reboot: (Power down|Restarting system)' "$log.txt"; then
	echo "run: the node did not shut down cleanly (see $log)" >&2
	exit 1
fi
echo "run: the node booted, showed its status and shut down cleanly"
