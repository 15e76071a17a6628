#!/bin/bash
# Unit tier: the man pages in man/ render with `man -l` without a warning
# (what `make install` installs), and keep up with the code and README:
# pactctl(8) names every verb of pactctl's table (init/pactctl/verbs.c),
# pact-init.conf(5) every init.conf key the README lists, pact-init(8)
# every kernel command line key.
#   test/unit/test_manpages.sh [REPO]   REPO: the checkout (default: cwd)
set -uo pipefail
repo=${1:-.}
cd "$repo" || exit 1
. test/unit/tap-lib.sh
if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	echo "1..0 # SKIP man or groff missing (man-db, groff-base: make deps)"
	exit 0
fi
tmp=$(mktemp -d /tmp/pact-unit-man-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for page in man/pactctl.8 man/pact-init.8 man/pact-init.conf.5 man/pact-units.5; do
	if [ ! -f "$page" ]; then
		result not "$page exists"
		continue
	fi
	MANWIDTH=80 man -l "$page" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	title=$(head -n 1 "$tmp/out")
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && [ "$(wc -l <"$tmp/out")" -gt 20 ]; then
		result ok "$page renders without a warning ($title)"
	else
		result not "$page renders without a warning" "exit $rc: $(head -n 3 "$tmp/err")"
	fi
	MANWIDTH=80 man -l "$page" 2>/dev/null | col -b >"$tmp/$(basename "$page").txt"
done

missing() { # TEXTFILE WORD... : the words not in the rendered page
	local f=$1 w out=""
	shift
	for w in "$@"; do grep -qF -- "$w" "$f" || out+="$w "; done
	echo "$out"
}
verbs=$(sed -n 's/^ *{"\([a-z-]*\)", ".*/\1/p' init/pactctl/verbs.c)
[ "$(wc -w <<<"$verbs")" -gt 20 ] || result not "verbs read from init/pactctl/verbs.c" "$verbs"
m=$(missing "$tmp/pactctl.8.txt" $verbs)
[ -z "$m" ] && result ok "pactctl(8) names all $(wc -w <<<"$verbs") verbs" ||
	result not "pactctl(8) names every verb" "missing: $m"
keys=$(sed -n '/^## Configuration/,/^## pactctl/p' README.md | sed -n 's/^| `\([a-z_.<>]*\)`.*/\1/p')
m=$(missing "$tmp/pact-init.conf.5.txt" $keys)
[ -n "$keys" ] && [ -z "$m" ] && result ok "pact-init.conf(5) names the README's $(wc -w <<<"$keys") init.conf keys" ||
	result not "pact-init.conf(5) names every init.conf key" "missing: $m"
keys=$(sed -n '/^### Kernel command line keys/,/^### Signals/p' README.md | sed -n 's/^| `\([a-zA-Z_.]*\).*/\1/p')
m=$(missing "$tmp/pact-init.8.txt" $keys)
[ -n "$keys" ] && [ -z "$m" ] && result ok "pact-init(8) names the $(wc -w <<<"$keys") kernel command line keys" ||
	result not "pact-init(8) names every kernel command line key" "missing: $m"
tap_end
