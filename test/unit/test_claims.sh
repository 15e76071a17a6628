#!/bin/bash
# Unit tier: small claims of the README and the shipped files, checked
# against what the tree does:
#   - a unit file that names its own log names the file pact-init writes,
#     /run/pact/logs/<name>.log (supervise/svclog.c: no ".service");
#   - `make install PREFIX=/usr` puts pact-init where the README's
#     `init=` points;
#   - boot/mkipxe.sh works from any folder, not only the top of the tree.
#   test/unit/test_claims.sh [REPO]   REPO: the checkout (default: cwd)
set -uo pipefail
repo=${1:-.}
cd "$repo" || exit 1
repo=$(pwd)
unset MAKEFLAGS MFLAGS MAKELEVEL
. test/unit/tap-lib.sh
tmp=$(mktemp -d /tmp/pact-unit-claims-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

bad=""
for u in services/*/*.service; do
	base=$(basename "$u" .service)
	while read -r p; do
		[ "$p" = "/run/pact/logs/$base.log" ] || bad+="$u names $p, not /run/pact/logs/$base.log"$'\n'
	done < <(grep -oE '/run/pact/logs/[A-Za-z0-9_.@-]+' "$u")
done
[ -z "$bad" ] && result ok "unit files name their logs as pact-init writes them" ||
	result not "unit files name their logs as pact-init writes them" "${bad%$'\n'}"

at=$(make -n -C . install DESTDIR=/IMG PREFIX=/usr 2>/dev/null |
	grep -oE '/IMG[^ ]*/pact-init$' | head -n 1)
at=${at#/IMG}
if [ -n "$at" ] && grep -qF "init=$at\`" README.md; then
	result ok "make install PREFIX=/usr puts pact-init at $at, as the README's init= says"
else
	result not "make install PREFIX=/usr puts pact-init where the README's init= says" \
		"install path '${at:-none}'; README: $(grep -oE 'init=/[a-z/]*pact-init' README.md | sort -u | tr '\n' ' ')"
fi

(cd "$tmp" && "$repo/boot/mkipxe.sh" out.ipxe 'console=ttyS0 rdinit=/init' node.cpio.gz) \
	>"$tmp/mkipxe.log" 2>&1
if grep -q '^#!ipxe' "$tmp/out.ipxe" 2>/dev/null && grep -q 'rdinit=/init' "$tmp/out.ipxe" &&
	grep -q '^initrd node.cpio.gz' "$tmp/out.ipxe"; then
	result ok "boot/mkipxe.sh renders boot.ipxe from another folder"
else
	result not "boot/mkipxe.sh renders boot.ipxe from another folder" "$(cat "$tmp/mkipxe.log")"
fi
tap_end
