/*
 * Unit tests of devices.rules: what a line may say (and the reason when
 * it says more), which rules match a device, how assignments combine
 * (last wins, := is final, SYMLINK+= accumulates, %k %n expand), and
 * what is done to a node and its links in a scratch /dev.
 */
#include "tap.h"
#include "tmptree.h"
#include "os/devrules.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static struct devrules rs;

static int rule(const char *text, char *err, size_t errlen)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", text);
	err[0] = '\0';
	return devrules_parse_line(&rs, buf, err, errlen);
}

static struct uevent dev(const char *action, const char *subsystem, const char *kernel,
			 const char *devname)
{
	struct uevent e = {
	    .action = action, .subsystem = subsystem, .kernel = kernel, .devname = devname};
	return e;
}

int main(void)
{
	char err[200];
	tree_init("test-devrules");
	tree_put("etc/passwd", "root:x:0:0::/root:/bin/sh\nrdma:x:990:990::/:/bin/false\n");
	tree_put("etc/group", "root:x:0:\nrdma:x:990:\ndialout:x:20:\n");
	memcpy(rs.root, tree_root, strlen(tree_root) + 1); /* short: /tmp/name-pid */

	is_int(
	    rule("KERNEL==\"umad*\", SUBSYSTEM==\"infiniband_mad\", MODE=\"0660\", GROUP=\"rdma\"",
		 err, sizeof err),
	    0, "rdma-core's umad rule");
	is_int(rule("SUBSYSTEM == \"tty\" , KERNEL==\"ttyS[0-9]*|ttyUSB*\",MODE=\"0620\", "
		    "SYMLINK+=\"serial/by-name/%k\"",
		    err, sizeof err),
	       0, "spaces around ==, alternatives, no space after a comma");
	is_int(rule("KERNEL==\"ttyS3\", MODE:=\"0600\", OWNER=\"rdma\"", err, sizeof err), 0,
	       "MODE:= is final");
	is_int(rule("KERNEL==\"ttyS*\", MODE=\"0666\", SYMLINK+=\"port%n\"", err, sizeof err), 0,
	       "a later rule");
	is_int(rule("SUBSYSTEM!=\"tty\", KERNEL==\"ttyS1\", GROUP=\"dialout\"", err, sizeof err), 0,
	       "!=");
	is_int(rule("ACTION==\"add\", KERNEL==\"nvidia[0-9]\", MODE=\"0666\", OWNER=\"990\"", err,
		    sizeof err),
	       0, "ACTION and a numeric owner");
	is_int(rs.n, 6, "six rules");

	is_int(rule("ATTRS{idVendor}==\"10de\", MODE=\"0666\"", err, sizeof err), -ENOTSUP,
	       "ATTRS is not supported");
	ok(strstr(err, "ATTRS{idVendor}: not supported") != NULL, "... the key is named: %s", err);
	is_int(rule("KERNEL==\"x\", RUN+=\"/bin/sh\"", err, sizeof err), -ENOTSUP, "RUN+= either");
	is_int(rule("KERNEL==\"x\", MODE=\"rw\"", err, sizeof err), -EINVAL, "MODE must be octal");
	is_int(rule("KERNEL==\"x\", OWNER=\"nosuchuser\"", err, sizeof err), -ENOENT,
	       "an unknown owner");
	ok(strstr(err, "OWNER=\"nosuchuser\"") != NULL, "... named: %s", err);
	is_int(rule("KERNEL==\"x\", GROUP=\"nosuchgroup\"", err, sizeof err), -ENOENT,
	       "an unknown group");
	is_int(rule("KERNEL=\"x\"", err, sizeof err), -EINVAL, "KERNEL= (assigning a match key)");
	is_int(rule("MODE==\"0600\"", err, sizeof err), -EINVAL, "MODE== (matching an assignment)");
	is_int(rule("KERNEL==\"x\", SYMLINK+=\"../etc/x\"", err, sizeof err), -EINVAL,
	       "a link out of /dev");
	is_int(rule("KERNEL==\"x\", SYMLINK+=\"/x\"", err, sizeof err), -EINVAL,
	       "an absolute link");
	is_int(rule("KERNEL==\"x\", SYMLINK+=\"a /\"", err, sizeof err), -EINVAL,
	       "an absolute name second in a list of links (found by fuzz_devrules)");
	is_int(rule("KERNEL==\"x\" MODE", err, sizeof err), -EINVAL, "a key without a value");
	is_int(rule("KERNEL==\"unterminated", err, sizeof err), -EINVAL, "an unterminated quote");
	is_int(rule("KERNEL==x", err, sizeof err), -EINVAL, "an unquoted value");
	is_int(rule("KERNEL==\"a\", KERNEL==\"b\", KERNEL==\"c\", KERNEL==\"d\", KERNEL==\"e\"",
		    err, sizeof err),
	       -E2BIG, "more than four matches");
	is_int(rs.n, 6, "refused lines add no rule");

	struct devrule_result res;
	struct uevent e = dev("add", "tty", "ttyS3", "ttyS3");
	is_int(devrules_eval(&rs, &e, &res), 3, "ttyS3 matches three rules");
	ok(res.has_mode && res.mode == 0600, "the final MODE:= 0600 stays (%o)", res.mode);
	ok(res.has_uid && res.uid == 990, "owner rdma");
	is_str(res.links, "serial/by-name/ttyS3 port3", "links accumulate; %%k and %%n expand");
	e = dev("add", "tty", "ttyS1", "ttyS1");
	devrules_eval(&rs, &e, &res);
	ok(res.mode == 0666 && !res.has_gid, "ttyS1: the later MODE wins; != kept GROUP off");
	e = dev("add", "misc", "ttyS1", "ttyS1");
	devrules_eval(&rs, &e, &res);
	ok(res.has_gid && res.gid == 20, "ttyS1 in another subsystem: GROUP dialout");
	e = dev("change", "nvidia", "nvidia0", "nvidia0");
	is_int(devrules_eval(&rs, &e, &res), 0, "ACTION==add does not match a change");
	e = dev("add", "infiniband_mad", "umad0", "infiniband/umad0");
	devrules_eval(&rs, &e, &res);
	ok(res.mode == 0660 && res.gid == 990 && !res.has_uid, "umad0: 0660, group rdma");

	/* applied to a scratch /dev */
	char devdir[300];
	snprintf(devdir, sizeof devdir, "%s/dev", tree_root);
	mkdir_p(devdir, 0755);
	char node[400];
	snprintf(node, sizeof node, "%s/ttyS3", devdir);
	if (mknod(node, S_IFCHR | 0600, makedev(4, 67)) < 0) {
		skip("mknod needs root", "apply to a node");
	} else {
		chmod(node, 0644);
		e = dev("add", "tty", "ttyS3", "ttyS3");
		is_int(devrules_apply(&rs, devdir, &e), 0, "apply to ttyS3");
		struct stat st;
		stat(node, &st);
		ok((st.st_mode & 07777) == 0600 && st.st_uid == 990, "mode 0600, owner 990");
		char l[200];
		ssize_t n = readlink(tree_path("dev/serial/by-name/ttyS3"), l, sizeof l - 1);
		l[n > 0 ? n : 0] = '\0';
		is_str(l, "../../ttyS3", "a relative link, its directories made");
		n = readlink(tree_path("dev/port3"), l, sizeof l - 1);
		l[n > 0 ? n : 0] = '\0';
		is_str(l, "ttyS3", "the second link");
		is_int(devrules_apply(&rs, devdir, &e), 0,
		       "applying again changes nothing, no error");
		tree_put("dev/serial/by-name/ttyS3.pact", "stale");
		e = dev("remove", "tty", "ttyS3", "ttyS3");
		is_int(devrules_apply(&rs, devdir, &e), 0, "remove");
		ok(lstat(tree_path("dev/port3"), &st) < 0 &&
		       lstat(tree_path("dev/serial/by-name/ttyS3"), &st) < 0,
		   "the links are gone");
		ok(lstat(node, &st) == 0, "the node itself is the kernel's to remove");
		tree_put("dev/port3", "a real file");
		e = dev("add", "tty", "ttyS3", "ttyS3");
		is_int(devrules_apply(&rs, devdir, &e), -EEXIST, "a real file where a link goes");
		ok(lstat(tree_path("dev/port3"), &st) == 0 && S_ISREG(st.st_mode),
		   "... is left alone");
	}
	tree_put("dev/ttyS1", "not a node");
	e = dev("add", "tty", "ttyS1", "ttyS1");
	is_int(devrules_apply(&rs, devdir, &e), -ENODEV, "a file that is not a device node");

	struct devrules empty;
	char path[300];
	snprintf(path, sizeof path, "%s", tree_path("etc/none.rules"));
	is_int(devrules_load(&empty, "", path), 0, "a missing rules file: no rules");
	is_int(empty.n, 0, "... none");
	tree_put("etc/pact/devices.rules", "# comment\n\nKERNEL==\"a\", MODE=\"0600\"\nBAD\n");
	snprintf(path, sizeof path, "%s", tree_path("etc/pact/devices.rules"));
	is_int(devrules_load(&empty, "", path), 1, "a file with one bad line");
	is_int(empty.n, 1, "... and one rule");
	tree_done();
	return done_testing();
}
