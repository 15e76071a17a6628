/*
 * Host tier: a live re-exec keeps the boot's record whole. The boot here
 * fails once (a oneshot service fails its first run), retries after its
 * backoff and gets ready, so every figure of `status`'s "boot" object is
 * set: started, ready, total, wait, backoff, own, retries. After `pactctl
 * reexec` the "boot" object and the phases read exactly as before, and
 * every duration is sane (none wrapped below zero).
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The text of "key":{...} or "key":[...] (no nesting of the same bracket). */
static const char *member(const char *json, const char *key, char *out, size_t cap)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *p = strstr(json, k);
	out[0] = '\0';
	if (!p)
		return out;
	p += strlen(k);
	const char *end = strchr(p, *p == '{' ? '}' : ']');
	if (end && (size_t)(end - p + 1) < cap) {
		memcpy(out, p, (size_t)(end - p + 1));
		out[end - p + 1] = '\0';
	}
	return out;
}

static unsigned long long num(const char *obj, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *p = strstr(obj, k);
	return p ? strtoull(p + strlen(k), NULL, 10) : ~0ull;
}

static void check_sane(const char *boot, const char *when)
{
	unsigned long long started = num(boot, "started_ms"), ready = num(boot, "ready_ms"),
			   total = num(boot, "total_ms"), own = num(boot, "own_ms"),
			   wait = num(boot, "wait_ms"), backoff = num(boot, "backoff_ms");
	ok(ready >= started && ready != ~0ull && total == ready - started,
	   "%s: total_ms = ready_ms - started_ms (%llu = %llu - %llu)", when, total, ready,
	   started);
	ok(own <= total && wait < total && backoff >= 1000 && backoff < total,
	   "%s: own %llu, wait %llu and backoff %llu ms all fit in total %llu ms", when, own, wait,
	   backoff, total);
	is_int((int)num(boot, "retries"), 1, "%s: one retry", when);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	struct daemon d;
	is_int(daemon_prepare(&d, "node_id = rx-node\nboot_retries = 3\n", "quiet"), 0, "prepared");
	mkdir(pf("%s/etc/services", d.dir), 0755);
	char unit[512];
	snprintf(
	    unit, sizeof unit,
	    "[Service]\nType=oneshot\n"
	    "ExecStart=/bin/sh -c 'test -e %s/failed-once || { touch %s/failed-once; exit 1; }'\n",
	    d.dir, d.dir);
	FILE *f = fopen(pf("%s/etc/services/once.service", d.dir), "w");
	if (f) {
		fputs(unit, f);
		fclose(f);
	}
	is_int(daemon_launch(&d), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 20000), 0, "ready after one failed boot and a retry");

	static char before[65536], after[65536], out[4096];
	char boot1[1024], boot2[1024], ph1[4096], ph2[4096];
	is_int(daemon_pactctl(&d, "--json status", before, sizeof before), 0, "status before");
	member(before, "boot", boot1, sizeof boot1);
	member(before, "phases", ph1, sizeof ph1);
	check_sane(boot1, "before");
	is_int(daemon_pactctl(&d, "reexec", out, sizeof out), 0, "pactctl reexec");
	is_int(daemon_wait_log(&d, "ready state carried across the re-exec", 15000), 0,
	       "the new image took the ready state");
	is_int(daemon_pactctl(&d, "--json status", after, sizeof after), 0, "status after");
	member(after, "boot", boot2, sizeof boot2);
	member(after, "phases", ph2, sizeof ph2);
	ok(boot1[0] && strcmp(boot1, boot2) == 0,
	   "the boot figures are the same after the re-exec");
	if (strcmp(boot1, boot2) != 0)
		diag("before: %s\nafter:  %s", boot1, boot2);
	ok(ph1[0] && strcmp(ph1, ph2) == 0, "the phases are the same after the re-exec");
	check_sane(boot2, "after");
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	daemon_cleanup(&d);
	return done_testing();
}
