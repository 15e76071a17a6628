/*
 * pactctl's verbs as data: name, arguments, one line for `--help`, and the
 * details `pactctl VERB --help` adds. `--help`, `VERB --help`, the man
 * page's check (test_pactctl_help) and the bash completion
 * (`--list-verbs`) all read this one table, so a new verb is one row here
 * (and its handler in the daemon, ctl/, when it talks to the daemon).
 * Works without a daemon.
 */
#include "pactctl/pactctl.h"

#include <stdio.h>
#include <string.h>

static const struct pactctl_verb verbs[] = {
    {"status", "[UNIT...]", "the node: boot phases, readiness, node id, version; or units",
     "Without UNIT: the boot phases and their times, readiness, the node id and the\n"
     "running version; exits 1 when the node is not ready (the first line says why).\n"
     "With UNIT: each unit's state and since when, pid, scope, tasks, memory, cpu,\n"
     "restarts, last exit, unit file and the last 10 lines of its log (their time,\n"
     "cut to the terminal's width); exits 3 when one is not running."},
    {"services", "[UNIT...]", "every service in a table (NAME STATE READY RESTARTS WHY ...)",
     "The table fits the terminal (columns an admin reads first are kept, cut cells\n"
     "end in '…'); --full, or output that is not a terminal, gives every column.\n"
     "With UNIT: the per-unit view of `status UNIT`."},
    {"start", "[--no-block] UNIT...", "start units and wait for the result",
     "Waits until each unit is running (or ready, per its Type=) or has failed,\n"
     "bounded by its timeouts; exits 1 when one ends up failed. --no-block: return\n"
     "once the request is taken."},
    {"stop", "[--no-block] UNIT...", "stop units and wait until they are stopped", NULL},
    {"restart", "[--no-block] UNIT...", "restart units (in a fresh scope) and wait", NULL},
    {"reload", "UNIT", "run the unit's ExecReload= (it rereads its configuration)", NULL},
    {"is-active", "UNIT...", "print each unit's state; exit 0 when all are active", NULL},
    {"is-failed", "UNIT...", "print each unit's state; exit 0 when one has failed", NULL},
    {"show", "[UNIT...] [-p PROP[,PROP...]]", "key=value properties of units or the node",
     "Every field of `--json services` (or of `--json status` without UNIT) as\n"
     "KEY=VALUE lines; -p picks properties (repeatable, comma separated)."},
    {"cat", "UNIT...", "print the unit files", NULL},
    {"daemon-reload", "", "reload the unit files: add, change (at next start), remove units",
     "New units are added (and started when the node's target wants them), changed\n"
     "ones take their new definition at their next start, removed ones (file gone\n"
     "or masked) are stopped. A unit that fails to load changes nothing."},
    {"enable", "[--now] [--runtime] UNIT...", "link units into their [Install] targets",
     "Links in /etc/pact/units (--runtime: /run/pact/units), then daemon-reload;\n"
     "--now starts them too."},
    {"disable", "[--now] [--runtime] UNIT...", "remove the units' links (--now: stop them)", NULL},
    {"is-enabled", "[--quiet] UNIT...", "enabled, static, disabled, masked, alias ...",
     "Exit 0 when one unit is enabled, static or an alias; 4 when none exists."},
    {"logs", "[-u] UNIT [-n N] [-f] [--since T] [--until T] [-o short|cat|json]",
     "the end of a unit's log; -f follows it",
     "Options go anywhere: -n N / --lines N (default 50; all with --since/--until),\n"
     "-f / --follow (across its rotation), -u UNIT (as journalctl). Each line has\n"
     "its time in UTC and since boot: 2026-11-25T22:00:01.123456Z [   12.345678].\n"
     "--since/-S and --until/-U T (UTC): '2026-11-25 22:00[:SS]', 2026-11-25,\n"
     "22:00[:SS], now, today, yesterday, -5m, '5 min ago', @EPOCH, boot+90s.\n"
     "-o json (or --json): one object a line (unit, time, realtime_usec,\n"
     "monotonic_usec, priority, source, message); -o cat: the message alone."},
    {"scopes", "", "every scope under both slices: memory, cpu, pids", NULL},
    {"mounts", "", "uenv images: mount point, loop device, refcount, hold time left", NULL},
    {"force-unmount", "IMAGE", "unmount a uenv image now (emergency only)", NULL},
    {"allocations", "", "handoff allocations: state, holder, namespaces, uenv, cgroup", NULL},
    {"handoff", "request|end ALLOC ...", "the handoff protocol on handoff.sock",
     "handoff request ALLOC [--pid --net --mnt] [--uenv IMAGE] [-- CMD...]\n"
     "handoff end ALLOC"},
    {"emergency", "on --reason TEXT | off", "declare or end an emergency (RI3)", NULL},
    {"freeze", "SCOPE", "freeze a scope (workload.slice: emergency only)", NULL},
    {"thaw", "SCOPE", "thaw a scope (workload.slice: emergency only)", NULL},
    {"kill", "SCOPE", "kill a scope through cgroup.kill (workload.slice: emergency only)", NULL},
    {"metrics", "", "the Prometheus text exposition", NULL},
    {"reexec", "", "exec pact-init again (the binary now at its path), keeping the node", NULL},
    {"reboot", "", "shut the node down and reboot", NULL},
    {"poweroff", "", "shut the node down and power off", NULL},
    {"halt", "", "shut the node down and halt", NULL},
    {"wait-ready", "[--timeout S]", "wait for readiness (exit 0 ready, 1 failed, 2 timeout)", NULL},
    {"net", "", "links, addresses, routes (the kernel's) and DHCP leases", NULL},
    {"watchdog", "", "the watchdog device and its timeout", NULL},
    {"verify", "[--root DIR] [--no-userdb] PATH...",
     "check unit files offline, as the daemon would load them (exit 0: no errors)", NULL},
    {"list-timers", "", "the timer units: next and last run, the service each starts", NULL},
    {"list-sockets", "", "the socket units: what each listens on, the service it starts", NULL},
    {"notify", "[--ready] [VAR=VALUE...]", "sd_notify to $NOTIFY_SOCKET (for services)", NULL},
    {"help", "[VERB | --daemon]", "this list; VERB: its help; --daemon: the daemon's verbs", NULL},
    {"debug", "hang", "hang the event loop (the watchdog test; needs pact.debug)", NULL},
};

#define N_VERBS ((int)(sizeof verbs / sizeof verbs[0]))

const struct pactctl_verb *pactctl_verb(const char *name)
{
	for (int i = 0; i < N_VERBS; i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

void pactctl_usage(FILE *out)
{
	fprintf(out, "usage: pactctl [--json] [--full] [--run-dir DIR] VERB [ARGS...]\n"
		     "       pactctl VERB --help | --help | --version\n\n");
	for (int i = 0; i < N_VERBS; i++)
		fprintf(out, "  %-14s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\nExit status: 0 ok, 1 failed, 2 usage, 3 a unit not active. "
		     "See pactctl(8).\n");
}

int pactctl_verb_help(const char *name)
{
	const struct pactctl_verb *v = pactctl_verb(name);
	if (!v) {
		fprintf(stderr, "pactctl: unknown verb '%s' (pactctl --help lists them)\n", name);
		return 2;
	}
	printf("usage: pactctl %s%s%s\n%s\n", v->name, v->args[0] ? " " : "", v->args, v->summary);
	if (v->details)
		printf("\n%s\n", v->details);
	return 0;
}

int pactctl_bad_usage(const char *name)
{
	const struct pactctl_verb *v = pactctl_verb(name);
	if (v)
		fprintf(stderr, "usage: pactctl %s %s\n", v->name, v->args);
	return 2;
}

void pactctl_list_verbs(int units_only)
{
	for (int i = 0; i < N_VERBS; i++)
		if (!units_only || strstr(verbs[i].args, "UNIT"))
			puts(verbs[i].name);
}
