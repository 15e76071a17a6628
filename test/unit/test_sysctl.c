/*
 * Unit tests of sysctl.d: key spelling (dots and slashes, the first
 * separator deciding), the '-' prefix, values, refusals with a reason,
 * and a whole read-and-apply over a scratch tree: directory order and
 * hiding, later names winning, globs against plain keys, /etc/sysctl.conf
 * once, and bad lines named while the rest applies.
 */
#include "tap.h"
#include "tmptree.h"
#include "os/sysctl.h"

#include <errno.h>

static char path[SYSCTL_KEY_MAX], err[200], *value;
static int ignore;

static int parse(const char *text)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s", text);
	path[0] = err[0] = '\0';
	return sysctl_parse_line(buf, path, sizeof path, &value, &ignore, err, sizeof err);
}

static const char *get(const char *rel)
{
	static char text[128];
	text[0] = '\0';
	read_file(tree_path(rel), text, sizeof text);
	text[strcspn(text, "\n")] = '\0';
	return text;
}

int main(void)
{
	is_int(parse("net.ipv4.ip_forward = 1"), 0, "key = value");
	is_str(path, "net/ipv4/ip_forward", "dots become slashes");
	is_str(value, "1", "the value");
	is_int(ignore, 0, "no '-'");
	is_int(parse("net.ipv4.conf.enp3s0/200.forwarding=0"), 0,
	       "a dot first: slashes and dots swap");
	is_str(path, "net/ipv4/conf/enp3s0.200/forwarding", "... the VLAN's dot kept");
	is_int(parse("net/ipv4/conf/enp3s0.200/forwarding = 0"), 0, "a slash first");
	is_str(path, "net/ipv4/conf/enp3s0.200/forwarding", "... both left as they are");
	is_int(parse("-kernel.unknown_key = x y z"), 0, "'-' prefix");
	ok(ignore && !strcmp(path, "kernel/unknown_key") && !strcmp(value, "x y z"),
	   "ignore set, value with blanks kept");
	is_int(parse("kernel.domainname ="), 0, "an empty value");
	is_str(value, "", "... is empty");
	is_int(parse("no equals sign"), -EINVAL, "a line without '='");
	is_str(err, "want key = value", "... says what it wants");
	is_int(parse(" = 1"), -EINVAL, "an empty key");
	is_int(parse("net..ipv4 = 1"), -EINVAL, "a key with '..'");
	is_int(parse("/proc/sys/x = 1"), -EINVAL, "an absolute key");
	is_int(parse("kernel.//.x = 1"), -EINVAL, "a key that becomes kernel/../x");
	is_int(parse("kernel. = 1"), -EINVAL, "a key ending in a separator");
	is_int(parse("a b = 1"), -EINVAL, "a key with a blank");
	char big[400] = "k = ";
	memset(big + 4, 'v', 300);
	big[304] = '\0';
	is_int(parse(big), -EINVAL, "a value longer than the room");

	tree_init("test-sysctl");
	const char *keys[] = {"proc/sys/kernel/pid_max",
			      "proc/sys/vm/swappiness",
			      "proc/sys/net/ipv4/conf/all/rp_filter",
			      "proc/sys/net/ipv4/conf/eth0/rp_filter",
			      "proc/sys/net/ipv4/conf/lo/rp_filter",
			      "proc/sys/kernel/msgmax",
			      "proc/sys/kernel/msgmnb"};
	for (int i = 0; i < 7; i++)
		tree_put(keys[i], "");
	tree_put("etc/sysctl.d/10-a.conf", "kernel.pid_max = 65536\n"
					   "vm.swappiness = 10\n"
					   "net.ipv4.conf.*.rp_filter = 2\n"
					   "net.ipv4.conf.lo.rp_filter = 0\n"
					   "garbage\n"
					   "kernel.nosuch = 1\n"
					   "-kernel.nosuch_ignored = 1\n"
					   "kernel.msgmnb = 32768\n");
	tree_put("usr/lib/sysctl.d/10-a.conf", "kernel.pid_max = 99999\n");
	tree_put("usr/lib/sysctl.d/90-late.conf", "vm.swappiness = 33\n");
	tree_put("etc/sysctl.conf", "kernel.msgmax = 12345\nbad in sysctl.conf\n");
	tree_link("../sysctl.conf", "etc/sysctl.d/99-sysctl.conf");
	char root[300];
	snprintf(root, sizeof root, "%s", tree_root);
	is_int(sysctl_apply(root), 3,
	       "three errors: two bad lines, a key the kernel lacks (sysctl.conf read once)");
	is_str(get("proc/sys/kernel/pid_max"), "65536", "/etc hides /usr/lib's file of one name");
	is_str(get("proc/sys/vm/swappiness"), "33", "a later name wins");
	is_str(get("proc/sys/net/ipv4/conf/eth0/rp_filter"), "2", "a glob sets eth0");
	is_str(get("proc/sys/net/ipv4/conf/all/rp_filter"), "2", "... and all");
	is_str(get("proc/sys/net/ipv4/conf/lo/rp_filter"), "0", "a plain line wins over a glob");
	is_str(get("proc/sys/kernel/msgmnb"), "32768", "the lines after the bad ones apply");
	is_str(get("proc/sys/kernel/msgmax"), "12345", "/etc/sysctl.conf, through 99-sysctl.conf");
	tree_done();
	return done_testing();
}
