#!/bin/bash
# Render boot/pxe.ipxe.in: mkipxe.sh OUT 'KERNEL COMMAND LINE' INITRD...
# INITRDs are file names next to the script (iPXE concatenates them in
# order, later files winning, as QEMU's -initrd does with one archive).
set -euo pipefail
out=$1 cmdline=$2; shift 2
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
