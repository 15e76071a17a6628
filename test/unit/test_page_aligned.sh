#!/bin/bash
# Unit tier: every static variable of pact-init of 4 KiB or more starts a
# page (PAGE_ALIGNED, lib/table.h), so that the link, which sorts variables
# by alignment, packs the small ones together instead of beside each
# table. Read from the link map of the product ($BUILD/pact-init.map):
# each input section .bss.* or .data.* of pact-init's own code (libc's
# are not ours) of 4096 bytes or more must start at an address that is a
# multiple of 4096. A small fixture map shows what the check catches.
#   test/unit/test_page_aligned.sh [REPO]   REPO: the checkout (default: cwd)
set -uo pipefail
repo=${1:-.}
. "$repo/test/unit/tap-lib.sh"
build=${BUILD:-build}
[ "${build#/}" = "$build" ] && build="$repo/$build"
map="$build/pact-init.map"
tmp=$(mktemp -d /tmp/pact-unit-pagealign-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The offenders of a map, one per line: "NAME SIZE ADDRESS". A section's
# address and size follow its name on the same line, or on the next one
# when the name is long.
offenders() {
	awk '
	function hex(s,   v, i) { # mawk has no strtonum
		v = 0
		for (i = 3; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	function check(addr, size, file) {
		if (file ~ /libc\.a\(/ || hex(size) < 4096)
			return
		if (hex(addr) % 4096)
			printf "%s %d %s\n", name, hex(size), addr
	}
	/^ \.(bss|data)\./ {
		name = $1
		if (NF >= 4) { check($2, $3, $4); name = "" }
		next
	}
	name != "" && $1 ~ /^0x/ && NF >= 3 { check($1, $2, $3) }
	{ name = "" }
	' "$1"
}

cat >"$tmp/fixture.map" <<'MAP'
Linker script and memory map

.bss            0x0000000000400000   0x20000
 .bss.aligned   0x0000000000400000     0x2000 /tmp/cc.ltrans0.ltrans.o
 .bss.a_table_with_a_long_name
                0x0000000000402010     0x1000 /tmp/cc.ltrans0.ltrans.o
 .bss.small     0x0000000000403010       0x40 /tmp/cc.ltrans1.ltrans.o
 .data.big_init 0x0000000000403050     0x3000 /tmp/cc.ltrans1.ltrans.o
 .bss.libc_buf  0x0000000000406050     0x2000 /usr/lib/musl/lib/libc.a(stdout.lo)
MAP
got=$(offenders "$tmp/fixture.map" | awk '{ print $1 }' | tr '\n' ' ')
[ "$got" = ".bss.a_table_with_a_long_name .data.big_init " ] &&
	result ok "fixture: the unaligned tables are caught, on one line or two; small ones and libc's are not" ||
	result not "fixture: the unaligned tables are caught" "got '$got'"

if [ -f "$map" ]; then
	bad=$(offenders "$map")
	nsec=$(grep -cE '^ \.(bss|data)\.' "$map")
	[ "$nsec" -gt 100 ] && result ok "the map of pact-init lists its variables ($nsec sections)" ||
		result not "the map of pact-init lists its variables" "$nsec sections in $map"
	[ -z "$bad" ] && result ok "every variable of 4 KiB or more starts a page" ||
		result not "every variable of 4 KiB or more starts a page: declare these PAGE_ALIGNED" "$bad"
else
	result not "the link map of pact-init exists" "no $map: the Makefile's link writes it"
fi
tap_end
