#!/bin/bash
# Render boot/pxe.ipxe.in: mkipxe.sh [-l] OUT 'KERNEL COMMAND LINE' INITRD...
# INITRDs are file names next to the script (iPXE concatenates them in
# order, later files winning, as QEMU's -initrd does with one archive).
#   -l  pass on what DHCP gave iPXE (docs/fleet.md): the node's address
#       as a static ip= on eth0, and its host name as pact.node_id=
set -euo pipefail
lease=""
if [ "${1:-}" = -l ]; then
	# shellcheck disable=SC2016 # iPXE's settings: iPXE expands them
	lease=' ip=${net0/ip}::${net0/gateway}:${net0/netmask}:${hostname}:eth0:off pact.node_id=${hostname}'
	shift
fi
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
	'{ gsub(/@CMDLINE@/, c); gsub(/@INITRDS@/, i); print }' boot/pxe.ipxe.in >"$out.tmp"
mv "$out.tmp" "$out"
