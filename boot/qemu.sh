#!/bin/bash
# Boot a pact-init image in QEMU under TCG.
#   qemu.sh [options] -- [extra kernel command line]
#   -k KERNEL     kernel (default $BUILD/kernel/current/vmlinuz)
#   -i INITRD     initramfs; give several to concatenate them (later wins)
#   -l LOGFILE    serial console to this file, no terminal (tests)
#   -t SECONDS    kill QEMU after this long (tests)
#   -q 'ARGS'     extra QEMU arguments (may be given more than once)
#   -n DIR        network boot the way a node does: no -kernel; the NIC's
#                 iPXE ROM (Debian's ipxe-qemu) gets DHCP from QEMU's
#                 user-mode network and loads DIR/boot.ipxe over TFTP
#                 (DIR as images/mkimage.sh makes $BUILD/netboot)
#   -P            network boot the same way from whatever network the NIC
#                 is on (PACT_NIC, e.g. a tap device on a bridge with a
#                 real DHCP and TFTP server: test/net/)
# PACT_NIC replaces the default NIC arguments ('-nic user,model=virtio-net-pci');
# set it empty for none (e.g. when -q brings its own -nic).
# KVM is used only when PACT_KVM=1: on the machines the tests run on,
# /dev/kvm exists but is a nested hypervisor on which Debian's kernels hang
# (docs/boot-paths.md, "Timings"), and TCG boots in seconds anyway.
set -euo pipefail
BUILD=${BUILD:-build}
kernel="$BUILD/kernel/current/vmlinuz"
initrds=() log="" timeout_s="" extra_qemu="" netboot="" nic_boot=0
while getopts "k:i:l:t:q:n:P" o; do
	case $o in
	k) kernel=$OPTARG ;;
	i) initrds+=("$OPTARG") ;;
	l) log=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	q) extra_qemu+=" $OPTARG" ;;
	n) netboot=$OPTARG ;;
	P) nic_boot=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
append="$(cat boot/cmdline) $*"

initrd=${initrds[0]:-$BUILD/node.cpio.gz}
if [ ${#initrds[@]} -gt 1 ]; then
	# the kernel unpacks concatenated archives in order, later files winning.
	# QEMU is exec'd (signals reach it directly), so no trap could remove a
	# temporary file: the archive sits beside the log (a case's own work
	# directory) or, for an interactive boot, at one fixed place.
	initrd=${log:+$log.initrd}
	initrd=${initrd:-$BUILD/run.initrd}
	cat "${initrds[@]}" >"$initrd"
fi

accel="-accel tcg"
[ "${PACT_KVM:-0}" = 1 ] && [ -w /dev/kvm ] && accel="-accel kvm -accel tcg"
if [ -n "$netboot" ]; then
	[ -f "$netboot/boot.ipxe" ] || { echo "qemu.sh: no $netboot/boot.ipxe" >&2; exit 2; }
	# QEMU's DHCP hands out bootfile= as the boot file name; iPXE fetches it
	# from QEMU's TFTP server (10.0.2.2) and runs it: a script, so no loop
	args=($accel -m 512 -smp 1 -no-reboot -boot n
		-netdev "user,id=net0,tftp=$netboot,bootfile=boot.ipxe"
		-device virtio-net-pci,netdev=net0
		-machine graphics=off)
elif [ "$nic_boot" = 1 ]; then
	args=($accel -m 512 -smp 1 -no-reboot -boot n -machine graphics=off)
	# shellcheck disable=SC2206
	args+=(${PACT_NIC--nic user,model=virtio-net-pci})
else
	args=($accel -m 512 -smp 1 -no-reboot -kernel "$kernel" -initrd "$initrd"
		-append "$append")
	# shellcheck disable=SC2206
	args+=(${PACT_NIC--nic user,model=virtio-net-pci})
fi
if [ -n "$log" ]; then
	args+=(-display none -monitor none -serial "file:$log")
else
	args+=(-nographic)
fi
# shellcheck disable=SC2206
args+=($extra_qemu)
if [ -n "$timeout_s" ]; then
	exec timeout --kill-after=5 "$timeout_s" qemu-system-x86_64 "${args[@]}" </dev/null
fi
exec qemu-system-x86_64 "${args[@]}"
