# shellcheck shell=bash
# Debian packages fetched without installing them, into a cache directory
# that boot/fetch-debs.sh and images/debpkg.sh share ($BUILD/debs): a .deb
# found there is not downloaded again. Sourced (bash); defines:
#   debs_deb_of DIR PKG        the cached .deb of PKG (empty when none)
#   debs_download DIR PKG...   download the ones not cached, in one
#                              apt-get call that waits for the dpkg lock
#                              (helpers share it); when that fails, once
#                              more after an apt-get update (stale lists).
#                              0, or 1 with the reason on stderr.

debs_deb_of() { # DIR PKG
	compgen -G "$1/${2}_*.deb" | head -n1
}

debs_download() { # DIR PKG...
	local dir p need=()
	dir=$(cd "$1" && pwd) || return 1 # absolute: apt-get runs from inside it
	shift
	for p in "$@"; do [ -n "$(debs_deb_of "$dir" "$p")" ] || need+=("$p"); done
	[ ${#need[@]} -gt 0 ] || return 0
	echo "debs: downloading ${need[*]}" >&2
	if ! (cd "$dir" && apt-get download -qq -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null 2>"$dir/apt.err"); then
		apt-get update -qq >/dev/null 2>&1 || true
		if ! (cd "$dir" && apt-get download -qq "${need[@]}" >/dev/null 2>"$dir/apt.err"); then
			echo "apt-get download failed: $(tail -n3 "$dir/apt.err")" >&2
			return 1
		fi
	fi
	for p in "${need[@]}"; do
		[ -n "$(debs_deb_of "$dir" "$p")" ] || { echo "no .deb for $p after download" >&2; return 1; }
	done
}
