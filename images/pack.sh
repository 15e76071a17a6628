# Sourced: every archive the project builds from a directory, cpio or
# squashfs, is packed here. The directory's own mode becomes the mode of
# the guest's / (cpio's "." entry, squashfs' root inode), and `mktemp -d`
# makes it 0700: a node whose / is 0700 lets no service with `User=` run
# anything. So / is 0755 in every archive, whatever made the directory.

# DIR as a gzip'd newc cpio archive, root-owned, in a stable order.
pack_cpio() { # DIR OUT [GZIP_LEVEL]
	chmod 0755 "$1"
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner 0:0 --quiet) | gzip "-${3:-6}n" >"$2"
}

# DIR as a squashfs image; further mksquashfs options (-all-root, -comp ...)
# follow OUT.
pack_sqfs() { # DIR OUT [OPTIONS...]
	chmod 0755 "$1"
	mksquashfs "$1" "$2" -noappend -quiet "${@:3}" >/dev/null
}
