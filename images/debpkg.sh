#!/bin/bash
# Stage programs from Debian packages into a root directory with the
# shared libraries they load: the way the tests bring real daemons (nfsd's
# helpers, rsyslogd, util-linux's logger) into a VM image or run them on
# the host, without installing anything. Packages are fetched with
# `apt-get download` into $BUILD/debs (boot/debs.sh, shared with
# boot/fetch-debs.sh; kept: later runs reuse them) and unpacked there with
# dpkg-deb, a tree per package.
#   debpkg.sh BUILD ROOT PACKAGES FILE...
# PACKAGES: blank-separated names; every file and every library is looked
# up in them first, then on the host (glibc and the libraries every Debian
# system has). FILE: an absolute path as the package installs it; a
# directory is copied whole (e.g. rsyslog's module directory). ELF files
# bring their NEEDED libraries, recursively, and the dynamic loader.
set -euo pipefail
BUILD=$1 ROOT=$2 PKGS=$3
shift 3
debs="$BUILD/debs"
mkdir -p "$debs" "$ROOT"
die() { echo "debpkg: $*" >&2; exit 1; }

# one unpacked tree per package, made once
# shellcheck source=boot/debs.sh
. "$(dirname "$0")/../boot/debs.sh"
need=()
for p in $PKGS; do [ -e "$debs/tree-$p/.done" ] || need+=("$p"); done
debs_download "$debs" "${need[@]}" || die "cannot download ${need[*]}"
trees=()
for p in $PKGS; do
	t="$debs/tree-$p"
	if [ ! -e "$t/.done" ]; then
		rm -rf "$t" && mkdir -p "$t"
		dpkg-deb -x "$(debs_deb_of "$debs" "$p")" "$t"
		touch "$t/.done"
	fi
	trees+=("$t")
done

# where a path comes from: the packages' trees (links resolved inside the
# tree, as they would be on the installed system), else the host
source_of() { # PATH
	local t f
	for t in "${trees[@]}" ""; do
		f="$t$1"
		for _ in 1 2 3 4 5 6 7 8; do
			[ -L "$f" ] || break
			case $(readlink "$f") in
			/*) f="$t$(readlink "$f")" ;;
			*) f="$(dirname "$f")/$(readlink "$f")" ;;
			esac
		done
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

libdirs=(/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64)
declare -A staged=()

stage_lib() { # SONAME NEEDED-BY
	local d src
	for d in "${libdirs[@]}"; do
		src=$(source_of "$d/$1") || continue
		stage_file "$d/$1" "$src"
		return 0
	done
	die "$1 (needed by $2) is in none of: $PKGS, nor on this host; add its package"
}

stage_file() { # PATH SOURCE
	local path=$1 src=$2 lib interp
	[ -n "${staged[$path]:-}" ] && return 0
	staged[$path]=1
	# the image's own links may point anywhere: replace, never write through
	rm -f "$ROOT$path"
	install -D -m "$(stat -c %a "$src")" "$src" "$ROOT$path"
	head -c 4 "$src" | grep -q 'ELF' || return 0
	interp=$(readelf -l "$src" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -n "$interp" ] && stage_file "$interp" "$(source_of "$interp")"
	for lib in $(readelf -d "$src" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		stage_lib "$lib" "$path"
	done
}

for f in "$@"; do
	src=$(source_of "$f") || die "$f is in none of: $PKGS"
	if [ -d "$src" ]; then
		while IFS= read -r g; do
			stage_file "$f${g#"$src"}" "$g"
		done < <(find "$src" -type f)
	else
		stage_file "$f" "$src"
	fi
done
