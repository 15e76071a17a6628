/*
 * Host tier: readiness with services that fail (issue 14 item 6). With
 * services_required naming one service, a crash-looping service and one
 * ordered after it do not hold the node: it is ready, and degraded in
 * pactctl status and the metrics. With services_required = all, the boot
 * failure names every failing service, long names and all.
 */
#include "daemon.h"
#include "hostutil.h"
#include "lib/fileio.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void unit(struct daemon *d, const char *name, const char *text)
{
	mkdir(pf("%s/etc/services", d->dir), 0755);
	FILE *f = fopen(pf("%s/etc/services/%s", d->dir, name), "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void degraded(void)
{
	struct daemon d;
	char out[16384];
	is_int(daemon_prepare(&d, "node_id = degraded-node\nservices_required = good\n", "quiet"),
	       0, "prepared");
	unit(&d, "crash.service", "[Service]\nRestart=always\nExecStart=/bin/false\n");
	unit(&d, "behind.service",
	     "[Unit]\nAfter=crash.service\n[Service]\nExecStart=/bin/sleep 100000\n");
	unit(&d, "good.service", "[Service]\nExecStart=/bin/sleep 100001\n");
	is_int(daemon_launch(&d), 0, "pact-init started");
	is_int(daemon_wait_file(&d, "ready", 20000), 0,
	       "ready: the crash loop and what waits behind it do not hold the node");
	daemon_pactctl(&d, "--json status", out, sizeof out);
	ok(strstr(out, "\"degraded\":1"), "pactctl status: degraded 1");
	daemon_pactctl(&d, "metrics", out, sizeof out);
	ok(strstr(out, "pact_services_degraded 1"), "metrics: pact_services_degraded 1");
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	daemon_cleanup(&d);
}

static void every_name(void)
{
	struct daemon d;
	static const char *const names[] = {
	    "a-service-with-a-rather-long-name-number-one.service",
	    "a-service-with-a-rather-long-name-number-two.service",
	    "a-service-with-a-rather-long-name-number-three.service",
	    "a-service-with-a-rather-long-name-number-four.service",
	    "a-service-with-a-rather-long-name-number-five.service"};
	is_int(daemon_prepare(&d, "node_id = failing-node\nboot_retries = 0\n", "quiet"), 0,
	       "prepared");
	for (size_t i = 0; i < 5; i++)
		unit(&d, names[i], "[Service]\nType=oneshot\nExecStart=/bin/false\n");
	unit(&d, "skipped.service",
	     "[Unit]\nConditionKernelCommandLine=pact.no-such-word\n[Service]\nExecStart=/bin/"
	     "false\n");
	is_int(daemon_launch(&d), 0, "pact-init started");
	is_int(daemon_wait_log(&d, "boot failed in phase StartServices", 20000), 0,
	       "the boot fails");
	const char *log = daemon_log(&d);
	const char *line = strstr(log, "boot failed in phase StartServices");
	int all = line != NULL;
	for (size_t i = 0; i < 5 && line; i++)
		all &= strstr(line, names[i]) != NULL;
	ok(all, "its reason names all five failing services");
	ok(line && strstr(line, "5 services failed") && !strstr(line, "skipped.service"),
	   "and counts them, without the skipped one");
	if (tap_failed)
		diag("log:\n%s", log);
	daemon_cleanup(&d);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	degraded();
	every_name();
	return done_testing();
}
