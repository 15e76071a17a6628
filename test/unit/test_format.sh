#!/bin/bash
# Unit tier: the C of the tree (the files `make format` formats) is as
# clang-format writes it with the committed .clang-format; a file that
# drifted is named with the first lines clang-format would change (`make
# format` mends them). A badly laid out copy of a file shows the check
# catches drift.
#   test/unit/test_format.sh [REPO]   REPO: the checkout (default: cwd)
set -uo pipefail
repo=${1:-.}
cd "$repo" || exit 1
. test/unit/tap-lib.sh
tmp=$(mktemp -d /tmp/pact-unit-format-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! command -v clang-format >/dev/null; then
	result not "clang-format is installed" "boot/deps.sh installs it: run make"
	tap_end
	exit
fi

# the lines clang-format would change in $1, or nothing
drift() { clang-format --style=file:.clang-format "$1" | diff "$1" - | head -n 6; }

cp init/lib/table.c "$tmp/table.c"
sed -i 's/^\t/    /' "$tmp/table.c"
[ -n "$(drift "$tmp/table.c")" ] && result ok "a file indented with spaces is caught" ||
	result not "a file indented with spaces is caught" "no drift found in $tmp/table.c"

files=$(make -s --no-print-directory format-list)
count=$(wc -w <<<"$files")
[ "$count" -gt 300 ] && result ok "make format covers the tree's C ($count files)" ||
	result not "make format covers the tree's C" "$count files"
bad=""
for f in $files; do
	d=$(drift "$f")
	[ -n "$d" ] && bad+="$f:"$'\n'"$d"$'\n'
done
[ -z "$bad" ] && result ok "every file is as clang-format writes it" ||
	result not "every file is as clang-format writes it (make format mends them)" "$bad"
tap_end
