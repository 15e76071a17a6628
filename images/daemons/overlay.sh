#!/bin/bash
# The real daemons' overlay root (mkoverlay.sh), cached: building it takes
# a minute or two (tar, ldd over every ELF file, keys), and a second run
# with the same inputs reuses it. Its inputs, and so the cache's key: the
# .deb files unpacked into $BUILD/debs/root (fetch-debs.sh), the files of
# images/daemons/ (this script and mkoverlay.sh among them), the image's
# passwd and group (IMAGE_ETC), and the content of every host file the
# overlay took (shared libraries the packages lack: a host upgrade builds
# it again). Prints the overlay's directory; its log goes to stderr.
#   overlay.sh BUILD IMAGE_ETC
# The cache, $BUILD/daemons-overlay/: tree/ (the overlay), key (the inputs'
# digest), host.sums (sha256sum of the host files taken). The key is
# written last: an interrupted build leaves no key, and builds again.
set -euo pipefail
BUILD=$1 IMAGE_ETC=$2
here=$(cd "$(dirname "$0")" && pwd)
cache=$(mkdir -p "$BUILD/daemons-overlay" && cd "$BUILD/daemons-overlay" && pwd)

inputs_key() {
	{
		(cd "$BUILD/debs" && grep -r . root/.unpacked | sort &&
			cat root/.unpacked/* | sort -u | xargs -r -d '\n' sha256sum)
		(cd "$here" && ls | sort | xargs -r -d '\n' sha256sum)
		sha256sum "$IMAGE_ETC/passwd" "$IMAGE_ETC/group" | cut -d' ' -f1
	} | sha256sum | cut -d' ' -f1
}

key=$(inputs_key)
if [ -d "$cache/tree" ] && [ "$(cat "$cache/key" 2>/dev/null)" = "$key" ] &&
	sha256sum --quiet --strict -c "$cache/host.sums" >/dev/null 2>&1; then
	echo "overlay.sh: $cache/tree is current (key ${key:0:12})" >&2
else
	rm -f "$cache/key"
	"$here/mkoverlay.sh" "$BUILD" "$cache/tree" "$IMAGE_ETC" "$cache/host.list" >&2
	xargs -r -d '\n' sha256sum <"$cache/host.list" >"$cache/host.sums"
	echo "$key" >"$cache/key"
	echo "overlay.sh: built $cache/tree (key ${key:0:12})" >&2
fi
echo "$cache/tree"
