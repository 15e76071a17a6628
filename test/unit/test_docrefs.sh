#!/bin/bash
# Unit tier: every Markdown document the tree names (in docs/, the README,
# the code, the scripts and the tests) is in the tree: a name resolves
# from the top of the tree, from the naming file's folder, or in docs/.
# A reader never meets a reference to a document they cannot open.
#   test/unit/test_docrefs.sh [REPO]   REPO: the checkout (default: cwd)
set -uo pipefail
repo=${1:-.}
cd "$repo" || exit 1
. test/unit/tap-lib.sh

# FILE:NAME for every *.md name in a tracked text file
refs() {
	# fixtures are other projects' files, as they are
	git ls-files -- README.md docs init include boot images services test |
		grep -vE '\.(gz|sqfs|bin)$|^test/fixtures/' |
		xargs grep -oHE '[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b' 2>/dev/null | sort -u
}

resolves() { # FILE NAME
	local dir name=${2#./}
	dir=$(dirname "$1")
	[ -e "$name" ] || [ -e "$dir/$name" ] || [ -e "docs/$name" ]
}

unresolved=""
count=0
while IFS=: read -r file name; do
	[ -n "$name" ] || continue
	count=$((count + 1))
	resolves "$file" "$name" || unresolved+="$file: $name"$'\n'
done < <(refs)
[ "$count" -gt 20 ] && result ok "the tree names $count documents" ||
	result not "the tree names documents (found $count: is git there?)"
[ -z "$unresolved" ] && result ok "every document named is in the tree" ||
	result not "every document named is in the tree" "${unresolved%$'\n'}"
# the check can fail: a name that resolves nowhere is caught
resolves docs/uenv.md "NO-SUCH-DOC.m""d" && result not "a document outside the tree is seen as such" ||
	result ok "a document outside the tree is seen as such"
resolves docs/uenv.md layout.md && result ok "a name beside the naming file resolves" ||
	result not "a name beside the naming file resolves"
tap_end
