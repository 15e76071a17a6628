/*
 * Host tier: configuration that is not a regular file. PID 1 reads
 * init.conf, unit files and EnvironmentFile= from disk; a FIFO put in
 * one's place (by mistake, or by someone who may write there) must not
 * make it wait for a writer that never comes: it is refused, named in the
 * log, and the boot goes on.
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A unit whose EnvironmentFile= is a FIFO, and a unit file that is one. */
static void test_units(void)
{
	struct daemon d;
	is_int(daemon_prepare(&d, "node_id = cf-node\nservices_required = none\n", ""), 0,
	       "prepared");
	char fifo[300], unit[600];
	snprintf(fifo, sizeof fifo, "%s/envfifo", d.dir);
	mkdir(pf("%s/etc/services", d.dir), 0755);
	snprintf(unit, sizeof unit, "[Service]\nEnvironmentFile=%s\nExecStart=/bin/sleep 1000\n",
		 fifo);
	write_text(pf("%s/etc/services/envfifo.service", d.dir), unit);
	ok(mkfifo(fifo, 0600) == 0 && mkfifo(pf("%s/etc/services/fifo.service", d.dir), 0600) == 0,
	   "an EnvironmentFile= and a unit file that are FIFOs");
	is_int(daemon_launch(&d), 0, "pact-init started");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it gets ready: nothing waited on a FIFO");
	const char *log = daemon_log(&d);
	ok(strstr(log, pf("EnvironmentFile=%s: not a regular file", fifo)) != NULL,
	   "the EnvironmentFile= is refused, by name");
	char buf[8192];
	ok(pactctl_json(&d, "services", buf, sizeof buf) == 0 && !strstr(buf, "\"fifo.service\""),
	   "the unit file that is a FIFO is not loaded");
	daemon_finish(&d, tap_failed);
}

/* init.conf itself a FIFO: the defaults apply. */
static void test_init_conf(void)
{
	struct daemon d;
	is_int(daemon_prepare(&d, "", "pact.node_id=fifo-node"), 0, "prepared");
	char conf[300];
	snprintf(conf, sizeof conf, "%s/etc/init.conf", d.dir);
	ok(unlink(conf) == 0 && mkfifo(conf, 0600) == 0, "init.conf is a FIFO");
	is_int(daemon_launch(&d), 0, "pact-init started");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it gets ready with the defaults");
	ok(strstr(daemon_log(&d), "init.conf: not a regular file") != NULL, "init.conf is refused");
	daemon_finish(&d, tap_failed);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	test_units();
	test_init_conf();
	return done_testing();
}
