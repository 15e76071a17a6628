#!/bin/bash
# Render boot/pxe.ipxe.in: mkipxe.sh [-l|-d] OUT 'KERNEL COMMAND LINE' INITRD...
# Runs from any folder (the template is found beside this script).
# INITRDs are file names next to the script (iPXE concatenates them in
# order, later files winning, as QEMU's -initrd does with one archive).
# The two ways of passing the network on (docs/fleet.md):
#   -l  what DHCP gave iPXE, kept as it is: the node's address as a
#       static ip= on eth0, and its host name as pact.node_id=
#   -d  DHCP again by pact-init's own client, which keeps the lease:
#       ip=ADDRESS::::::dhcp asks first for the address iPXE had
#       (INIT-REBOOT), on the NIC iPXE booted from (BOOTIF=, by its MAC);
#       the host name comes from pact-init's lease
set -euo pipefail
lease=""
# shellcheck disable=SC2016 # iPXE's settings: iPXE expands them
case ${1:-} in
-l)
	lease=' ip=${net0/ip}::${net0/gateway}:${net0/netmask}:${hostname}:eth0:off pact.node_id=${hostname}'
	shift ;;
-d)
	lease=' ip=${net0/ip}::::::dhcp BOOTIF=01-${net0/mac:hexhyp}'
	shift ;;
esac
out=$1 cmdline=$2$lease; shift 2
[ $# -ge 1 ] || { echo "mkipxe: no initrd given" >&2; exit 2; }
initrds="" names=""
for f in "$@"; do
	initrds+="initrd $f"$'\n'
	names+="initrd=$f "
done
# a kernel booted through its EFI stub (by a UEFI iPXE) loads the initrds
# itself, by the initrd= names, in order; a BIOS boot ignores them
cmdline="$names$cmdline"
# cmdline and names go in verbatim: no characters of sed's own
awk -v c="$cmdline" -v i="${initrds%$'\n'}" \
	'{ gsub(/@CMDLINE@/, c); gsub(/@INITRDS@/, i); print }' "$(dirname "$0")/pxe.ipxe.in" >"$out.tmp"
mv "$out.tmp" "$out"
