/* Unit tests: kernel command line keys, argv flags and init.conf parsing. */
#include "lib/config.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_cmdline(void)
{
	struct pact_config c;
	config_defaults(&c);
	config_parse_cmdline(&c,
			     "BOOT_IMAGE=/vmlinuz console=ttyS0 pact.debug "
			     "pact.node_id=nid0042 ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off "
			     "quiet pact.unknown=1\n");
	is_int(c.debug, 1, "pact.debug alone turns debug on");
	is_int(c.emergency, 0, "pact.emergency absent is off");
	is_str(c.node_id, "nid0042", "pact.node_id= is read");
	is_str(c.ip_arg, "10.0.2.15::10.0.2.2:255.255.255.0::eth0:off",
	       "ip= is kept for the network");

	config_defaults(&c);
	config_parse_cmdline(&c, "pact.debug=0 pact.emergency=1 \"pact.node_id=a b\"");
	is_int(c.debug, 0, "pact.debug=0 is off");
	is_int(c.emergency, 1, "pact.emergency=1 is on");
	is_str(c.node_id, "a b", "quotes group a word as the kernel does");

	config_defaults(&c);
	config_parse_cmdline(&c, "pact.emergency pact.node_id=");
	is_int(c.emergency, 1, "pact.emergency alone is on");
	is_str(c.node_id, "", "an empty pact.node_id= stays empty (not set: node/identity.c)");
	config_parse_cmdline(&c, "BOOTIF=01-52-54-00-77-00-11");
	is_str(c.bootif, "01-52-54-00-77-00-11", "BOOTIF= is kept for the network");

	char long_id[600];
	memset(long_id, 'x', sizeof long_id);
	memcpy(long_id, "pact.node_id=", 13);
	long_id[sizeof long_id - 1] = '\0';
	config_defaults(&c);
	config_parse_cmdline(&c, long_id);
	ok(strlen(c.node_id) < sizeof c.node_id, "an overlong value is truncated, not overflowed");
	config_defaults(&c);
	config_parse_cmdline(&c, "");
	config_parse_cmdline(&c, "   \n\t ");
	is_str(c.node_id, "", "empty command lines change nothing");
}

static void test_root_keys(void)
{
	struct pact_config c;
	config_defaults(&c);
	is_str(c.root, "", "no pact.root= by default: no stage 1");
	is_int((int)c.root_wait_s, 10, "pact.root_wait defaults to 10 s");
	is_str(c.root_init, "/sbin/init", "the new root's init defaults to /sbin/init");
	config_parse_cmdline(
	    &c, "rdinit=/init pact.root=/dev/vda pact.root_wait=3 init=/sbin/pact-init");
	is_str(c.root, "/dev/vda", "pact.root= is read");
	is_int((int)c.root_wait_s, 3, "pact.root_wait= is read");
	is_str(c.root_init, "/sbin/pact-init", "init= names the new root's init");
	config_parse_cmdline(&c, "pact.root_wait=soon pact.root_wait=99999 init=relative");
	is_int((int)c.root_wait_s, 3, "a bad pact.root_wait= is ignored");
	is_str(c.root_init, "/sbin/pact-init", "a relative init= is ignored");
	config_parse_cmdline(&c, "pact.rootx=1 pact.root_waitx=1");
	is_str(c.root, "/dev/vda", "keys that only start like pact.root are not it");
}

static void test_argv(void)
{
	struct pact_config c;
	config_defaults(&c);
	char *argv[] = {
	    "pact-init",   "--run-dir=/tmp/r", "--cgroup-root=/tmp/cg", "--config-dir=/tmp/etc",
	    "--no-mounts", "--no-kmsg",	       "--no-reboot",		NULL};
	is_int(config_parse_argv(&c, 7, argv, 1), 0, "known flags parse");
	is_str(c.run_dir, "/tmp/r", "--run-dir");
	is_str(c.cgroup_root, "/tmp/cg", "--cgroup-root");
	is_str(c.config_dir, "/tmp/etc", "--config-dir");
	ok(!c.do_mounts && !c.use_kmsg && !c.do_reboot, "test switches clear their flags");
	char *bad[] = {"pact-init", "--bogus", NULL};
	is_int(config_parse_argv(&c, 2, bad, 1), -EINVAL, "an unknown flag is an error off PID 1");
	is_int(config_parse_argv(&c, 2, bad, 0), 0, "and ignored as PID 1 (kernel leftovers)");
	static char longer[CONF_PATH_MAX + 16];
	snprintf(longer, sizeof longer, "--run-dir=/%0*d", CONF_PATH_MAX, 0);
	char *too_long[] = {"pact-init", longer, NULL};
	is_int(config_parse_argv(&c, 2, too_long, 1), -EINVAL,
	       "a path too long is an error off PID 1");
	is_int(config_parse_argv(&c, 2, too_long, 0), 0, "and skipped as PID 1");
	is_str(c.run_dir, "/tmp/r", "the path before it is kept, not truncated");
}

static void test_file(void)
{
	char dir[] = "/tmp/pact-unit-conf.XXXXXX";
	ok(mkdtemp(dir) != NULL, "temp config dir");
	char path[256];
	snprintf(path, sizeof path, "%s/init.conf", dir);
	FILE *f = fopen(path, "w");
	fputs("# comment\n\nnode_id = n1\n  console_exec =  /bin/sh -l  \nconsole_exit = respawn\n"
	      "shutdown_grace_ms = 1500\nbogus line\nconsole_exit = sideways\nunknown_key = 1\n"
	      "modules = loop, squashfs overlay\nboot_retries = 3\n"
	      "shutdown_kill_wait_ms = 2000 # two seconds\n\thostname = a#b\t# a word keeps its #\n"
	      "  # an indented comment\n",
	      f);
	fclose(f);
	struct pact_config c;
	config_defaults(&c);
	snprintf(c.config_dir, sizeof c.config_dir, "%s", dir);
	is_int(config_load_file(&c), 0, "init.conf loads");
	is_str(c.conf_node_id, "n1", "node_id (init.conf's own field)");
	is_str(c.node_id, "", "... the command line's stays unset");
	is_str(c.console_exec, "/bin/sh -l", "values are trimmed");
	is_int(c.console_exit, CONSOLE_EXIT_RESPAWN, "a bad later value leaves the good one");
	is_int(c.shutdown_grace_ms, 1500, "shutdown_grace_ms");
	is_int(c.boot_retries, 3, "boot_retries");
	is_int(c.n_modules, 3, "modules split on commas and blanks");
	is_str(c.modules[2], "overlay", "module names kept");
	is_int(c.shutdown_kill_wait_ms, 2000, "a '#' after a blank starts a comment (README)");
	is_str(c.hostname, "a#b", "a '#' inside a word is kept");

	config_defaults(&c);
	snprintf(c.node_id, sizeof c.node_id, "from-cmdline");
	snprintf(c.config_dir, sizeof c.config_dir, "%s", dir);
	config_load_file(&c);
	is_str(c.node_id, "from-cmdline", "pact.node_id= is kept apart from init.conf's");
	is_str(c.conf_node_id, "n1", "... which is kept too (the order: node/identity.c)");
	unlink(path);
	config_defaults(&c);
	snprintf(c.config_dir, sizeof c.config_dir, "%s", dir);
	is_int(config_load_file(&c), 0, "a missing init.conf is fine");
	rmdir(dir);
}

int main(void)
{
	test_cmdline();
	test_root_keys();
	test_argv();
	test_file();
	return done_testing();
}
