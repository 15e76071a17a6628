/*
 * Unit tests of machine-id and /etc/hostname: what counts as an id, a new
 * one's form, the setup in a scratch root (made in /run, bound onto
 * /etc/machine-id in a mount namespace of the test's own, and taken
 * again from /run as a re-exec would), and the host name's file.
 */
#include "tap.h"
#include "tmptree.h"
#include "os/sysid.h"

#include <errno.h>
#include <sched.h>
#include <sys/mount.h>

int main(void)
{
	ok(machineid_valid("0123456789abcdef0123456789abcdef\n"), "an id with its newline");
	ok(machineid_valid("0123456789abcdef0123456789abcdef"), "... or without");
	ok(!machineid_valid(""), "empty is no id");
	ok(!machineid_valid("uninitialized\n"), "'uninitialized' is no id");
	ok(!machineid_valid("0123456789ABCDEF0123456789abcdef\n"), "upper case is no id");
	ok(!machineid_valid("0123456789abcdef0123456789abcde\n"), "31 digits are no id");
	ok(!machineid_valid("0123456789abcdef0123456789abcdef0\n"), "33 digits are no id");
	char a[33], b[33];
	is_int(machineid_make(a), 0, "make an id");
	is_int(machineid_make(b), 0, "make another");
	ok(machineid_valid(a) && strcmp(a, b) != 0, "valid and different: %s %s", a, b);
	ok(a[12] == '4' && strchr("89ab", a[16]), "version 4 and variant bits");

	tree_init("test-sysid");
	char root[300], err[300], text[64];
	snprintf(root, sizeof root, "%s", tree_root);
	tree_put("etc/hostname", "# the image's name\n\n  node-07  \nignored\n");
	is_int(hostname_read(root, text, sizeof text), 0, "/etc/hostname");
	is_str(text, "node-07", "its first name, trimmed, after comments");
	tree_put("etc/hostname", "bad_name!\n");
	is_int(hostname_read(root, text, sizeof text), -EINVAL, "an invalid name");
	tree_put("etc/hostname", "# only a comment\n");
	is_int(hostname_read(root, text, sizeof text), -ENOENT, "no name");

	tree_put("etc/machine-id", "fedcba9876543210fedcba9876543210\n");
	is_int(machineid_setup(root, err, sizeof err), 0, "a valid /etc/machine-id: nothing to do");
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		skip("no mount namespace here (needs root)", "machine-id bound from /run");
	} else {
		tree_put("etc/machine-id", "");
		mkdir_p(tree_path("run"), 0755);
		is_int(machineid_setup(root, err, sizeof err), 1, "an empty one: set up");
		char id[64] = "", run[64] = "";
		read_file(tree_path("etc/machine-id"), id, sizeof id);
		read_file(tree_path("run/machine-id"), run, sizeof run);
		ok(machineid_valid(id) && !strcmp(id, run), "/etc/machine-id shows /run's id %s",
		   id);
		ok(umount(tree_path("etc/machine-id")) == 0, "... through a bind mount");
		is_int(machineid_setup(root, err, sizeof err), 1,
		       "again (a re-exec, not ready yet)");
		read_file(tree_path("etc/machine-id"), id, sizeof id);
		is_str(id, run, "... takes /run's id: stable");
		umount(tree_path("etc/machine-id"));
		unlink(tree_path("etc/machine-id"));
		is_int(machineid_setup(root, err, sizeof err), 1, "a missing one: made and bound");
		read_file(tree_path("etc/machine-id"), id, sizeof id);
		is_str(id, run, "... the same id");
		umount(tree_path("etc/machine-id"));
	}
	tree_done();
	return done_testing();
}
