#!/bin/bash
# Boot a small fleet the way a site does: N nodes network-boot at once
# through their NICs' iPXE ROM from one dnsmasq (DHCP and TFTP) on a
# bridge in a network namespace (test/net/netns.sh). Each node is known by
# its MAC (test/net/dhcp/pxe.conf: 52:54:00:77:00:1K is nodeK at
# 192.168.77.1K), and boot.ipxe passes what iPXE learned to pact-init
# (boot/mkipxe.sh), by default as it is:
#   ip=${net0/ip}::${net0/gateway}:${net0/netmask}:${hostname}:eth0:off
#   pact.node_id=${hostname}
# or, with -d, for pact-init's own DHCP client to take the lease again
# (INIT-REBOOT) and keep it; the node's name then comes from its lease:
#   ip=${net0/ip}::::::dhcp BOOTIF=01-${net0/mac:hexhyp}
# Each node is timed from the common start to its readiness line.
#   fleet.sh [options] OUTDIR
#   -n N        nodes, 1 to 4 (default 4)
#   -i IMAGE    an initramfs; repeat to concatenate (iPXE's initrd lines,
#               later files win); default $BUILD/node-test.cpio.gz
#   -a ARGS     more kernel command line
#   -d          pact-init's DHCP client keeps the lease (mkipxe.sh -d)
#   -s          slow: pxe.conf alone (the README's dnsmasq configuration),
#               without the fixes of test/net/dhcp/pxe-fast.conf
#   -e          no RA fix on the server; instead iPXE itself configures
#               IPv4 only: Debian's ipxe.lkrn booted by QEMU with an
#               embedded script (test/net/ipxe-ipv4.ipxe), not the ROM
#   -H          serve boot.ipxe, the kernel and the images over HTTP
#               (busybox httpd in the namespace) instead of TFTP
#   -U          UEFI firmware (OVMF, from Debian's ovmf package, staged by
#               images/debpkg.sh) instead of SeaBIOS: the NIC ROM's EFI
#               iPXE boots the kernel through its EFI stub
#   -L FILE     node 1's console log (default OUTDIR/node1.log)
#   -t SECONDS  per-node timeout (default 240)
# OUTDIR gets nodeK.log (console), nodeK.ready_ms (QEMU's start to the
# readiness line; missing if it never came), dnsmasq.log, dnsmasq.leases
# and summary (one line: nodes, mode, each node's time, the slowest).
# Exit: 0 when every QEMU ended on its own, else the first other status
# (124: timed out).
set -uo pipefail
BUILD=${BUILD:-build}
export BUILD
nodes=4 images=() args="" slow=0 embedded=0 http=0 uefi=0 log1="" t=240 lease=-l
while getopts "n:i:a:dseHUL:t:" o; do
	case $o in
	n) nodes=$OPTARG ;;
	i) images+=("$OPTARG") ;;
	a) args=$OPTARG ;;
	d) lease=-d ;;
	s) slow=1 ;;
	e) embedded=1 ;;
	H) http=1 ;;
	U) uefi=1 ;;
	L) log1=$OPTARG ;;
	t) t=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
out=${1:?usage: fleet.sh [options] OUTDIR}
[ "$nodes" -ge 1 ] && [ "$nodes" -le 4 ] || { echo "fleet: 1 to 4 nodes" >&2; exit 2; }
[ ${#images[@]} -gt 0 ] || images=("$BUILD/node-test.cpio.gz")
[ "$embedded$http" = 11 ] && { echo "fleet: -e loads over TFTP only" >&2; exit 2; }
[ "$embedded$uefi" = 11 ] && { echo "fleet: -e is a BIOS iPXE" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out/srv"
NET_WORK=$(readlink -f "$out")
. test/net/netns.sh
. test/net/dnsmasq.sh
why=$(net_check) || { echo "fleet: this machine cannot run it: $why" >&2; exit 3; }
net_up fleet

# what the server serves: the kernel, the images and boot.ipxe
srv=$NET_WORK/srv
cp "$BUILD/kernel/current/vmlinuz" "$srv/vmlinuz"
names=()
for i in "${!images[@]}"; do
	cp "${images[$i]}" "$srv/image$i.cpio.gz"
	names+=("image$i.cpio.gz")
done
boot/mkipxe.sh $lease "$srv/boot.ipxe" "$(cat boot/cmdline) $args" "${names[@]}"

confs=(test/net/dhcp/pxe.conf)
mode=slow
[ "$lease" = -d ] && mode=dhcp,slow
if [ "$slow" = 0 ]; then
	confs+=(test/net/dhcp/pxe-fast.conf)
	mode=${mode%slow}fast
fi
extra=(--tftp-root="$srv")
if [ "$http" = 1 ]; then
	# without -f, httpd goes to the background once it listens
	net_run busybox httpd -p "$NET_SERVER:80" -h "$srv"
	# iPXE fetches an http:// boot file name itself; the script's relative
	# names then load from the same directory over HTTP
	extra+=(--dhcp-boot=tag:ipxe,"http://$NET_SERVER/boot.ipxe")
	mode+=",http"
fi
firmware=()
if [ "$embedded" = 1 ]; then
	# the embedded-script fix replaces the RA one: leave the RA out
	[ "$slow" = 0 ] && confs=(test/net/dhcp/pxe.conf) extra+=(--dhcp-option=tag:ipxe,encap:175,176,1b)
	images/debpkg.sh "$BUILD" "$NET_WORK/ipxe" ipxe /boot/ipxe.lkrn
	firmware=(-q "-kernel $NET_WORK/ipxe/boot/ipxe.lkrn -initrd test/net/ipxe-ipv4.ipxe")
	mode+=",ipxe-ipv4-script"
fi
if [ "$uefi" = 1 ]; then
	images/debpkg.sh "$BUILD" "$NET_WORK/ovmf" ovmf /usr/share/ovmf/OVMF.fd
	firmware=(-q "-bios $NET_WORK/ovmf/usr/share/ovmf/OVMF.fd")
	mode+=",uefi"
fi
dhcp_start "${confs[@]}" -- "${extra[@]}" || exit 1

# every node at once; each is timed by test/vm/time-boot
pids=()
for k in $(seq 1 "$nodes"); do
	log=$NET_WORK/node$k.log
	[ "$k" = 1 ] && [ -n "$log1" ] && log=$log1
	nic=$(net_nic "tap$k" "52:54:00:77:00:1$k")
	test/vm/time-boot "$log" "$NET_WORK/node$k.ready_ms" "$t" -- \
		env PACT_NIC="$nic" ip netns exec "$NET_NS" boot/qemu.sh -P -l "$log" -t "$t" \
		-q "-pidfile $NET_WORK/node$k.pid" "${firmware[@]}" >"$NET_WORK/node$k.out" 2>&1 &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do
	wait "$p"
	r=$?
	[ "$rc" = 0 ] && rc=$r
done
slowest=0 times=""
for k in $(seq 1 "$nodes"); do
	ms=$(cat "$NET_WORK/node$k.ready_ms" 2>/dev/null || echo never)
	times+=" node$k=$ms"
	[ "$ms" = never ] && slowest=never
	[ "$slowest" != never ] && [ "$ms" -gt "$slowest" ] && slowest=$ms
done
echo "nodes=$nodes mode=$mode$times slowest=$slowest" | tee "$NET_WORK/summary"
exit "$rc"
