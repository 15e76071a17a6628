/*
 * Unit tests of modprobe.d reading: blacklist, options (accumulated,
 * '-' and '_' the same), install NAME /bin/true, what is refused with a
 * reason, the kernel command line's modprobe.blacklist= and NAME.PARAM=,
 * and the directories' order (/etc hides /usr/lib's file of one name).
 */
#include "tap.h"
#include "tmptree.h"
#include "os/modprobe.h"

#include <errno.h>

static struct modprobe_conf c;

static int line(const char *text, char *err, size_t errlen)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", text);
	err[0] = '\0';
	return modprobe_parse_line(&c, buf, err, errlen);
}

int main(void)
{
	char err[200];
	is_int(line("blacklist pcspkr", err, sizeof err), 0, "blacklist pcspkr");
	is_int(modprobe_blocked(&c, "pcspkr"), 1, "pcspkr is blacklisted");
	is_int(line("blacklist snd-hda-intel", err, sizeof err), 0, "blacklist with dashes");
	is_int(modprobe_blocked(&c, "snd_hda_intel"), 1, "'-' and '_' are one");
	is_int(modprobe_blocked(&c, "snd"), 0, "whole names only");
	is_int(line("options mlx5_core  prof_sel=2", err, sizeof err), 0, "options");
	is_int(line("options mlx5-core debug_mask=1", err, sizeof err), 0, "more options, dashes");
	is_str(modprobe_params(&c, "mlx5_core"), "prof_sel=2 debug_mask=1", "options accumulate");
	is_str(modprobe_params(&c, "nvidia"), "", "no options: empty");
	is_int(line("install usb_storage /bin/true", err, sizeof err), 0, "install /bin/true");
	is_int(modprobe_blocked(&c, "usb-storage"), 2, "... disables usb_storage");
	is_int(line("install firewire_ohci /bin/false", err, sizeof err), 0, "install /bin/false");
	is_int(modprobe_blocked(&c, "firewire_ohci"), 2, "... disables it too");
	is_int(line("install nvidia /sbin/modprobe --ignore-install nvidia && mknod x", err,
		    sizeof err),
	       -ENOTSUP, "another install command is refused");
	ok(strstr(err, "install nvidia: commands are not run") != NULL, "... saying so: %s", err);
	is_int(modprobe_blocked(&c, "nvidia"), 0, "... and nvidia loads as usual");
	is_int(line("softdep a pre: b", err, sizeof err), -ENOTSUP, "softdep is refused");
	ok(strstr(err, "softdep a: not supported") != NULL, "... saying so: %s", err);
	is_int(line("alias char-major-10-175 agpgart", err, sizeof err), 0,
	       "alias: quietly ignored");
	is_int(line("remove a b", err, sizeof err), 0, "remove: quietly ignored");
	is_int(line("frobnicate x", err, sizeof err), -EINVAL, "an unknown command");
	ok(strstr(err, "unknown command 'frobnicate'") != NULL, "... named: %s", err);
	is_int(line("blacklist", err, sizeof err), -EINVAL, "a command without a module");
	is_int(line("options x", err, sizeof err), 0, "options without any: nothing");
	char longname[200];
	memset(longname, 'a', 100);
	snprintf(longname + 100, 100, " x");
	char l[220];
	snprintf(l, sizeof l, "blacklist %s", longname);
	is_int(line(l, err, sizeof err), -EINVAL, "a module name too long");
	char big[600] = "options big ";
	memset(big + 12, 'p', 300);
	big[312] = '\0';
	is_int(line(big, err, sizeof err), -E2BIG, "options longer than the room");

	modprobe_parse_cmdline(
	    &c, "BOOT_IMAGE=/vmlinuz console=ttyS0 modprobe.blacklist=nouveau,radeon "
		"i915.modeset=0 mlx5_core.num_vfs=4 pact.debug noequals.x");
	is_int(modprobe_blocked(&c, "nouveau") && modprobe_blocked(&c, "radeon"), 1,
	       "modprobe.blacklist= on the command line");
	is_str(modprobe_params(&c, "i915"), "modeset=0", "NAME.PARAM=VALUE on the command line");
	is_str(modprobe_params(&c, "mlx5_core"), "prof_sel=2 debug_mask=1 num_vfs=4",
	       "... added to modprobe.d's");
	is_str(modprobe_params(&c, "noequals"), "", "a word without '=' is not an option");

	tree_init("test-modprobe");
	tree_put("etc/modprobe.d/blacklist.conf", "# site\nblacklist floppy\n");
	tree_put("usr/lib/modprobe.d/blacklist.conf", "blacklist hidden_by_etc\n");
	tree_put("usr/lib/modprobe.d/50-opts.conf", "options ib_core recv_queue_size=512\n"
						    "bogus line here\n"
						    "options ib_core send_queue_size=256\n");
	tree_put("lib/modprobe.d/10-x.conf", "blacklist from_lib\n");
	tree_put("run/modprobe.d/readme.txt", "blacklist not_a_conf\n");
	char root[300];
	snprintf(root, sizeof root, "%s", tree_root);
	is_int(modprobe_load(&c, root), 1, "modprobe.d read: one line refused");
	is_int(modprobe_blocked(&c, "floppy"), 1, "/etc's file applies");
	is_int(modprobe_blocked(&c, "hidden_by_etc"), 0,
	       "/usr/lib's file of the same name is hidden");
	is_int(modprobe_blocked(&c, "from_lib"), 1, "/lib's file applies");
	is_int(modprobe_blocked(&c, "not_a_conf"), 0, "only *.conf files");
	is_str(modprobe_params(&c, "ib_core"), "recv_queue_size=512 send_queue_size=256",
	       "the lines after a refused one still apply");
	is_int(modprobe_blocked(&c, "pcspkr"), 0, "a new read starts afresh");
	tree_done();
	return done_testing();
}
