# Helpers for the VM cases that boot their own way (test/vm/cases/*/boot),
# sourced by those scripts. Environment from test/vm/run-case: BUILD WORK
# CASE_ROOT CASE_CPIO LOG TIMEOUT CMDLINE CASE_DIR.
set -euo pipefail
. images/pack.sh

# The test node (node.manifest + test.manifest + the case's files, and the
# shared checks test/vm/root-checks.sh) as a read-only squashfs root image.
make_root_sqfs() { # OUT
	install -m 0644 test/vm/root-checks.sh "$CASE_ROOT/test/root-checks.sh"
	printf 'tree / %s\n' "$CASE_ROOT" >"$WORK/case.manifest"
	images/mkimage.sh "$BUILD" "$1" images/node.manifest images/test.manifest \
		"$WORK/case.manifest" >/dev/null
}

# An initramfs from manifests (stage 1 images of the tests).
make_cpio() { # OUT MANIFEST...
	images/mkimage.sh "$BUILD" "$@" >/dev/null
}

# A cpio archive of one directory, to concatenate after another image.
dir_cpio() { # DIR OUT
	pack_cpio "$1" "$2"
}

# Boot and hand QEMU's status back to run-case.
boot() { # qemu.sh options...
	local rc=0
	# the pid file lets run-case stop a VM that is meant to stay up
	boot/qemu.sh -l "$LOG" -t "$TIMEOUT" -q "-pidfile $WORK/qemu.pid" "$@" || rc=$?
	exit "$rc"
}
