#!/bin/bash
# Unit tier: every archive the project builds has / mode 0755, whatever
# made its directory (mktemp -d: 0700). A guest whose / is 0700 runs no
# `User=` service (gpu-persist.service under `make run CONSOLE=1` failed
# with "Permission denied"). images/pack.sh packs them all: its cpio and
# squashfs archives of a 0700 directory are checked, and no other script
# of the tree runs cpio -o or mksquashfs itself.
#   test/unit/test_archives.sh [REPO]   REPO: the checkout (default: cwd)
set -uo pipefail
repo=${1:-.}
cd "$repo" || exit 1
. images/pack.sh
. test/unit/tap-lib.sh
tmp=$(mktemp -d /tmp/pact-unit-archives-XXXXXX)
trap 'rm -rf "$tmp"' EXIT


src=$(mktemp -d "$tmp/src.XXXXXX")
mkdir -p "$src/etc/pact"
echo x >"$src/etc/pact/init.conf"
mode=$(stat -c %a "$src")
[ "$mode" = 700 ] && result ok "mktemp -d makes a 0700 directory (what the archives must not keep)" ||
	result not "mktemp -d makes a 0700 directory" "mode $mode"

pack_cpio "$src" "$tmp/a.cpio.gz"
root=$(gzip -dc "$tmp/a.cpio.gz" | cpio -itv --quiet 2>/dev/null | awk '$NF == "." { print $1 }')
[ "$root" = drwxr-xr-x ] && result ok "pack_cpio: the archive's / is drwxr-xr-x" ||
	result not "pack_cpio: the archive's / is drwxr-xr-x" "'.' is '$root'"

chmod 0700 "$src"
if command -v unsquashfs >/dev/null; then
	pack_sqfs "$src" "$tmp/a.sqfs" -all-root
	root=$(unsquashfs -lls "$tmp/a.sqfs" 2>/dev/null | awk '$NF == "squashfs-root" { print $1 }')
	[ "$root" = drwxr-xr-x ] && result ok "pack_sqfs: the image's / is drwxr-xr-x" ||
		result not "pack_sqfs: the image's / is drwxr-xr-x" "root is '$root'"
else
	echo "ok $((n += 1)) # SKIP unsquashfs missing (squashfs-tools: make deps)"
fi

# every archive goes through pack.sh: no cpio -o, no mksquashfs elsewhere
others=$(grep -rnE --include='*' '(cpio[^|]* -o( |$)|^[^#]*\bmksquashfs +")' boot images test |
	grep -vE '^images/pack\.sh:|^test/unit/test_archives\.sh:|\.c:')
[ -z "$others" ] && result ok "no script packs an archive without images/pack.sh" ||
	result not "no script packs an archive without images/pack.sh" "$others"

tap_end
