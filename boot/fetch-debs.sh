#!/bin/bash
# Fetch Debian packages without installing them: `apt-get download` into
# $BUILD/debs, `dpkg-deb -x` into $BUILD/debs/root (one tree for all), then
# make the tree's shared-library closure complete: ldd every ELF file of the
# tree (libraries found in the tree first, then the host's); while some
# soname is "not found", fetch the lib* dependencies of the fetched packages
# that the host does not have, and look again. Cached: a package whose .deb
# is in $BUILD/debs is not downloaded again, one already unpacked is not
# unpacked again, and the closure is not checked again while the set of
# .deb files is unchanged.
#   fetch-debs.sh BUILD [LIST...]   (default list: images/daemons/packages)
set -euo pipefail
BUILD=${1:-build}
shift || true
[ $# -gt 0 ] || set -- images/daemons/packages
mkdir -p "$BUILD/debs"
dir=$(cd "$BUILD/debs" && pwd)
root="$dir/root"
mkdir -p "$root/.unpacked"

die() { echo "fetch-debs: $*" >&2; exit 1; }
# shellcheck source=boot/debs.sh
. "$(dirname "$0")/debs.sh"
download() { debs_download "$dir" "$@" || die "cannot download $*"; }

# Unpack each package's .deb into the tree once (a new version unpacks again).
unpack() { # PKG...
	local p deb
	for p in "$@"; do
		deb=$(debs_deb_of "$dir" "$p")
		[ "$(cat "$root/.unpacked/$p" 2>/dev/null)" = "${deb##*/}" ] && continue
		dpkg-deb -x "$deb" "$root"
		echo "${deb##*/}" >"$root/.unpacked/$p"
	done
}

libdirs() {
	local d out=""
	for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu/slurm-wlm \
		usr/lib/x86_64-linux-gnu/slurm usr/lib; do
		[ -d "$root/$d" ] && out="$out:$root/$d"
	done
	echo "${out#:}"
}

is_elf() { [ "$(head -c4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

# The sonames some ELF file of the tree needs and nothing provides.
missing_sonames() {
	local f llp
	llp=$(libdirs)
	find "$root" -path "$root/.unpacked" -prune -o -type f \
		\( -perm -u+x -o -name '*.so' -o -name '*.so.*' \) -print | while read -r f; do
		is_elf "$f" || continue
		LD_LIBRARY_PATH=$llp ldd "$f" 2>/dev/null | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p'
	done | sort -u
}

host_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# lib* packages the fetched ones depend on, that neither the host nor the cache has.
lib_candidates() {
	local p d
	for p in $(ls "$root/.unpacked"); do
		apt-cache depends --no-recommends --no-suggests "$p" 2>/dev/null |
			sed -n 's/^ *\(Pre\)\{0,1\}Depends: \(lib[^ <>]*\)$/\2/p'
	done | sort -u | while read -r d; do
		host_has "$d" || [ -f "$root/.unpacked/$d" ] || echo "$d"
	done
}

mapfile -t pkgs < <(grep -hvE '^[[:space:]]*(#|$)' "$@" | awk '{ print $1 }')
download "${pkgs[@]}"
unpack "${pkgs[@]}"

stamp="$dir/.closure"
sum=$( (ls "$dir"/*.deb; ls /var/lib/dpkg/info/*.list 2>/dev/null | wc -l) | md5sum | cut -c1-32)
[ "$(cat "$stamp" 2>/dev/null)" = "$sum" ] && exit 0
for round in 1 2 3 4 5 6; do
	miss=$(missing_sonames)
	[ -z "$miss" ] && break
	mapfile -t cand < <(lib_candidates)
	[ ${#cand[@]} -gt 0 ] || die "libraries not found and no package left to fetch: $(echo $miss)"
	download "${cand[@]}"
	unpack "${cand[@]}"
done
[ -z "$(missing_sonames)" ] || die "libraries still not found: $(missing_sonames | tr '\n' ' ')"
# the sum again: the rounds above may have added .deb files
(ls "$dir"/*.deb; ls /var/lib/dpkg/info/*.list 2>/dev/null | wc -l) | md5sum | cut -c1-32 >"$stamp"
echo "fetch-debs: $(ls "$root/.unpacked" | wc -l) packages in $root, library closure complete"
