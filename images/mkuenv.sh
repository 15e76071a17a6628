#!/bin/bash
# Build a small uenv test image (squashfs) at test time; never commit images.
#   images/mkuenv.sh OUT.sqfs [NAME]
# The image holds env/name (NAME), bin/hello and meta/env.json, owned by
# root, with fixed timestamps so two runs give the same bytes.
set -euo pipefail
. "$(dirname "$0")/pack.sh"
out=${1:?usage: mkuenv.sh OUT.sqfs [NAME]}
name=${2:-$(basename "$out" .sqfs)}
command -v mksquashfs >/dev/null || { echo "mkuenv.sh: mksquashfs not found (squashfs-tools)" >&2; exit 2; }
src=$(mktemp -d "${TMPDIR:-/tmp}/mkuenv.XXXXXX")
trap 'rm -rf "$src"' EXIT
mkdir -p "$src/env" "$src/bin" "$src/meta"
printf '%s\n' "$name" >"$src/env/name"
printf '#!/bin/sh\necho "hello from uenv %s"\n' "$name" >"$src/bin/hello"
chmod 0755 "$src/bin/hello"
printf '{"name":"%s","version":"1"}\n' "$name" >"$src/meta/env.json"
find "$src" -exec touch -h -d @0 {} +
rm -f "$out"
pack_sqfs "$src" "$out" -no-progress -all-root -comp gzip -mkfs-time 0 -no-xattrs
