/*
 * Unit tests of fstab reading: fields and escapes, mount(2) flags split
 * from the filesystem's own options, what makes an entry remote (the
 * type, _netdev), nofail, retry= and the x-systemd options (requires=
 * as a mount point, a .mount unit or a target the boot's order already
 * gives; automount and services refused with a reason), lines skipped,
 * and the source: LABEL=/UUID= links and an NFS server's address.
 */
#include "tap.h"
#include "tmptree.h"
#include "os/fstab.h"

#include <errno.h>
#include <sys/mount.h>

static struct fstab_entry e;
static char err[300];

static int parse(const char *text)
{
	static char buf[1024];
	snprintf(buf, sizeof buf, "%s", text);
	err[0] = '\0';
	return fstab_parse_line(buf, &e, err, sizeof err);
}

int main(void)
{
	is_int(parse("/dev/vdb /scratch ext4 defaults,noatime,nosuid 0 2"), 0, "a local disk");
	ok(!strcmp(e.source, "/dev/vdb") && !strcmp(e.target, "/scratch") &&
	       !strcmp(e.fstype, "ext4"),
	   "source, target, type");
	is_int(e.flags, MS_NOATIME | MS_NOSUID, "flags");
	is_str(e.data, "", "no filesystem options");
	ok(!e.remote && !e.nofail, "local, required");
	is_int(parse("srv:/home /home nfs4 "
		     "rw,vers=4.2,hard,timeo=50,nofail,x-systemd.mount-timeout=20s"),
	       0, "NFS with nofail and a mount timeout");
	ok(e.remote && e.nofail, "remote (the type), nofail");
	is_str(e.data, "vers=4.2,hard,timeo=50", "the kernel's options, mount(8)'s removed");
	is_int(e.timeout_ms, 20000, "x-systemd.mount-timeout=20s");
	is_int(parse("/dev/sdb /data xfs _netdev,ro,x-gvfs-show,comment=x 0 0"), 0, "_netdev");
	ok(e.remote && e.flags == MS_RDONLY && !e.data[0],
	   "remote by _netdev; ro; x- and comment= dropped");
	is_int(parse("srv:/p /p nfs vers=3,retry=2,bg"), 0, "retry= of NFS (minutes)");
	is_int(e.budget_s, 120, "... the budget");
	is_int(parse("/a /b none bind,ro"), 0, "a read-only bind mount");
	is_int(e.flags, MS_BIND | MS_RDONLY, "... flags");
	is_int(parse("/a /b none rbind"), 0, "rbind");
	is_int(e.flags, MS_BIND | MS_REC, "... flags");
	is_int(parse("tmpfs /with\\040space tmpfs size=16m,mode=1777"), 0, "an escaped blank");
	is_str(e.target, "/with space", "... in the target");
	is_str(e.data, "size=16m,mode=1777", "tmpfs options for the kernel");
	is_int(parse("srv:/proj /home/proj nfs x-systemd.requires=/home"), 0, "requires= a path");
	is_str(e.requires, "/home", "... kept");
	is_int(parse("srv:/proj /x nfs x-systemd.requires=home-proj\\x2dold.mount"), 0,
	       "requires= a .mount unit");
	is_str(e.requires, "/home/proj-old", "... as its path");
	is_int(parse("srv:/p /p nfs x-systemd.requires=network-online.target"), 0,
	       "requires=network-online.target");
	ok(!e.refused[0] && !e.requires[0], "... the boot's order gives it: nothing to do");
	is_int(parse("srv:/p /p nfs x-systemd.requires=nfs-client.service"), 0,
	       "requires= a service");
	ok(strstr(e.refused, "only mount points can be required") != NULL, "... refused: %s",
	   e.refused);
	is_int(parse("srv:/p /p nfs x-systemd.automount,x-systemd.idle-timeout=60"), 0,
	       "x-systemd.automount");
	ok(strstr(e.refused, "x-systemd.automount is not supported") != NULL, "... refused: %s",
	   e.refused);
	is_int(parse("/img /mnt auto loop"), 0, "loop");
	ok(strstr(e.refused, "loop is not supported") != NULL, "... refused");
	is_int(parse("/dev/vdc /opt ext4 noauto"), 1, "noauto: skipped");
	is_int(parse("/dev/vda2 none swap sw"), 1, "swap: skipped");
	is_int(parse("/dev/vda1 / ext4 defaults"), 1, "the root: skipped");
	is_int(parse("/dev/vdb relative ext4"), -EINVAL, "a relative target");
	is_int(parse("/dev/vdb /mnt/.. ext4"), -EINVAL, "a target with ..");
	is_int(parse("/dev/vdb /x"), -EINVAL, "two fields");
	ok(fstab_is_remote_type("lustre") && fstab_is_remote_type("cifs") &&
	       !fstab_is_remote_type("ext4") && !fstab_is_remote_type("9p"),
	   "network types");

	tree_init("test-fstab");
	char root[300], out[600];
	snprintf(root, sizeof root, "%s", tree_root);
	tree_put("etc/hosts", "127.0.0.1 localhost\n10.1.2.3  nfs01.cluster nfs01 # the server\n"
			      "fd00::5 nfs6\n");
	is_int(parse("nfs01:/home /home nfs4 vers=4.2"), 0, "a server by name");
	is_int(fstab_nfs_data(&e, root, out, sizeof out, err, sizeof err), 0, "... in /etc/hosts");
	is_str(out, "vers=4.2,addr=10.1.2.3", "... its address added");
	is_int(parse("NFS01.cluster:/home /home nfs"), 0, "the other name, other case");
	fstab_nfs_data(&e, root, out, sizeof out, err, sizeof err);
	is_str(out, "addr=10.1.2.3", "... found");
	is_int(parse("[fd00::7]:/home /home nfs4 vers=4.1"), 0, "an IPv6 literal");
	fstab_nfs_data(&e, root, out, sizeof out, err, sizeof err);
	is_str(out, "vers=4.1,addr=fd00::7", "... as the address");
	is_int(parse("192.168.99.1:/srv /srv nfs4 addr=192.168.99.9"), 0, "addr= given");
	fstab_nfs_data(&e, root, out, sizeof out, err, sizeof err);
	is_str(out, "addr=192.168.99.9", "... kept");
	is_int(parse("nfs99:/home /home nfs"), 0, "a name nowhere");
	is_int(fstab_nfs_data(&e, root, out, sizeof out, err, sizeof err), -EHOSTUNREACH,
	       "... refused");
	ok(strstr(err, "server nfs99: not an address, and not in /etc/hosts") != NULL, "... %s",
	   err);
	is_int(parse("nfs01 /home nfs"), 0, "no ':' in the source");
	is_int(fstab_nfs_data(&e, root, out, sizeof out, err, sizeof err), -EINVAL, "... refused");
	is_int(parse("tmpfs /t tmpfs size=1m"), 0, "not NFS");
	fstab_nfs_data(&e, root, out, sizeof out, err, sizeof err);
	is_str(out, "size=1m", "... options unchanged");

	is_int(parse("/dev/vdb /x ext4"), 0, "a device path");
	is_int(fstab_source(&e, out, sizeof out, err, sizeof err), 0, "... as it is");
	is_str(out, "/dev/vdb", "... /dev/vdb");
	is_int(parse("UUID=0c6f-11 /x ext4"), 0, "UUID=");
	is_int(fstab_source(&e, out, sizeof out, err, sizeof err), -ENOENT, "... no link: refused");
	ok(strstr(err, "pact-init reads no filesystem labels") != NULL, "... saying why: %s", err);

	tree_put("etc/fstab", "# fstab\n/dev/vdb /scratch ext4 defaults 0 2\n"
			      "bad\n"
			      "srv:/home /home nfs4 nofail,x-systemd.automount\n"
			      "/dev/vdc /opt ext4 noauto\n"
			      "tmpfs /tmp tmpfs defaults\n");
	struct fstab_entry tab[4];
	is_int(fstab_read(tree_path("etc/fstab"), tab, 4), 3, "three entries (a bad line, noauto)");
	ok(tab[0].line == 2 && tab[1].line == 4 && tab[2].line == 6, "each with its line");
	ok(tab[1].refused[0] && !tab[0].refused[0], "the automount one refused, the rest not");
	tree_done();
	return done_testing();
}
