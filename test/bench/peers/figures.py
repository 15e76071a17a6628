#!/usr/bin/env python3
"""The figures of the peer boots (test/bench/peers/boot-peers): reads the
probe's `BENCH key value` lines from the console logs and prints JSON
figure lines ({"name", "value", "unit", "floor", "ratio", "note"}; ratio
oriented so that bigger is better) on stdout, and the peer table to TABLE.
  figures.py LOGS ROUNDS ICOUNT_BOOTS IDLE_S LINKS WD_TIMEOUT_S TABLE
"""
import json
import re
import statistics
import sys

logs, table_path = sys.argv[1], sys.argv[7]
rounds, ic_boots, idle_s, links, wd_s = (int(a) for a in sys.argv[2:7])

INITS = {"pact": "pact-init as shipped (images/demo/init.conf)",
         "rcs": "busybox init + hand-written rcS",
         "systemd": "systemd 252, minimal unit set",
         "s6": "s6-svscan + sh run scripts"}
READY_NAME = {"pact": "boot_init_to_ready", "rcs": "peer_busybox_rcs_ready",
              "systemd": "peer_systemd_ready", "s6": "peer_s6_ready"}
MEM_NAME = {"pact": "boot_pid1", "rcs": "peer_busybox_rcs", "systemd": "peer_systemd",
            "s6": "peer_s6"}
GOALS = (("rcs", "boot_ready_vs_rcs_ratio", "goal <= 0.9"),
         ("systemd", "boot_ready_vs_systemd_ratio", "goal <= 0.25"),
         ("s6", "boot_ready_vs_s6_ratio", "no goal"))
HOW = ("from the kernel's 'Run /init as init process' record to the init's ready record in "
       "/dev/kmsg (printk timestamps; same kernel and workload: early mounts, cgroup2 tree, "
       "the demo's 8 services each in its cgroup)")
TCG = "QEMU TCG, the guest's clock following the host's"
ICOUNT = ("QEMU -icount shift=0: the guest's clock counts emulated instructions, 1 ns each, "
          "whatever the host's load (boots differ only in the order the guest's processes ran)")


def probe(path):
    """The probe's BENCH lines of one console log, or {} if it has none."""
    try:
        text = open(path, errors="replace").read().replace("\r", "")
    except OSError:
        return {}
    return {m[0]: float(m[1]) for m in re.findall(r"^BENCH (\S+) (\S+)$", text, re.M)}


def why_invalid(d):
    """None for a boot that measured what it should, else why not."""
    if not d:
        return "no probe output"
    if d.get("probe_done") != 0:
        return "the probe failed"
    # the demo's 7 long-running services; 8 when the oneshot has not exited yet (rcS)
    if d.get("services_running", 0) < 7:
        return f"{int(d.get('services_running', 0))} of 7 services running"
    return None


def fig(name, value, unit, floor, ratio, note):
    r = lambda x: None if x is None else round(x, 3)
    print(json.dumps({"name": name, "value": r(value), "unit": unit, "floor": r(floor),
                      "ratio": r(ratio), "note": note}))


def med(v):
    return statistics.median(v) if v else None


def fmt(x):
    return "-" if x is None else f"{x:.0f}"


def collect(logs_of):
    """Per init: init-to-ready ms and (rss, anon, pss) of its valid boots, and the others."""
    ready, mem, dropped = {}, {}, {}
    for n in INITS:
        ready[n], mem[n], dropped[n] = [], [], []
        for log in logs_of(n):
            d = probe(f"{logs}/{log}.log")
            why = why_invalid(d)
            if why:
                dropped[n].append(f"{log}: {why}")
                continue
            ready[n].append(d["init_to_ready_us"] / 1000)
            mem[n].append((d["pid1_rss_kib"], d["pid1_anon_kib"], d["pid1_pss_kib"]))
    return ready, mem, dropped


def ready_figures(ready, dropped, suffix, clock, spread_of):
    for n, name in READY_NAME.items():
        left = f"; left out: {', '.join(dropped[n])}" if dropped[n] else ""
        fig(f"{name}{suffix}_ms", med(ready[n]), "ms", None, None,
            f"{INITS[n]}: init to ready {HOW}, {clock}; {spread_of(ready[n])}{left}")
    p = med(ready["pact"])
    for n, name, goal in GOALS:
        q = med(ready[n])
        ok = p and q
        best = ""
        if ok and len(ready["pact"]) > 1:
            # a busy host only ever adds time: the fastest boots move least between runs
            bp, bq = min(ready["pact"]), min(ready[n])
            best = f"; the fastest boots: {bp:.0f} ms vs {bq:.0f} ms, {bp / bq:.3f}"
        fig(f"{name}{suffix}", p / q if ok else None, "ratio", q, q / p if ok else None,
            f"value = pact-init's init-to-ready ÷ {INITS[n]}'s, medians ({fmt(p)} ms vs "
            f"{fmt(q)} ms, {clock}, same run){best}; smaller is better, {goal}; floor = the "
            f"peer's ms; ratio = peer ÷ pact-init, bigger is better")


def memory_figures(mem):
    for n, prefix in MEM_NAME.items():
        rss, anon, pss = ([m[i] for m in mem[n]] for i in range(3))
        fig(f"{prefix}_rss_kib", med(rss), "KiB", None, None,
            f"{INITS[n]}: PID 1's Rss once ready (/proc/1/smaps_rollup), median of {len(rss)} "
            f"boots; Pss {fmt(med(pss))} KiB (pages shared with the services, e.g. busybox, "
            f"split)")
        fig(f"{prefix}_anon_kib", med(anon), "KiB", None, None,
            f"{INITS[n]}: PID 1's Anonymous once ready, median of {len(anon)} boots")


def link_figures(suffix, clock):
    """The start link: a chain of oneshots vs the fork+exec loop of the same boot."""
    log = f"{logs}/{'icount-' if suffix else ''}link"
    d = probe(f"{log}.log")
    if d.get("link_ratio") and d.get("probe_done") == 0:
        c, f = d["link_chain_us"], d["link_floor_us"]
        fig(f"service_start_link_ratio{suffix}", c / f, "ratio", f, f / c,
            f"value = pact-init's per-service start link (a oneshot's exit to the next one's "
            f"first instruction, median of {links - 1} links of a Requires= chain, {c:.0f} us, "
            f"its log lines to the serial console included) ÷ a plain fork+exec+waitpid loop's "
            f"link of the same stamp program in the same boot ({f:.0f} us); {clock}; smaller is "
            f"better, goal <= 1.2; floor = the loop's us; ratio = floor ÷ pact-init, bigger is "
            f"better")
        fig(f"service_start_link{suffix}_us", c, "us", f, f / c,
            f"pact-init's per-service start link (see service_start_link_ratio{suffix}); "
            f"floor = the fork+exec loop's; ratio = floor/ours, bigger is better")
    else:
        fig(f"service_start_link_ratio{suffix}", None, "ratio", None, None,
            f"no measurement: the start-link boot gave no figures (see {log}.log)")
    d = probe(f"{log}-systemd.log")
    if d.get("link_ratio") and d.get("probe_done") == 0:
        c, f = d["link_chain_us"], d["link_floor_us"]
        fig(f"peer_systemd_start_link{suffix}_us", c, "us", f, f / c,
            f"systemd 252's per-service start link, the same chain of {links} oneshots "
            f"(median of {links - 1}), {clock}; floor = the fork+exec loop of the same boot "
            f"({f:.0f} us); ratio = floor/systemd, bigger is better")
    else:
        fig(f"peer_systemd_start_link{suffix}_us", None, "us", None, None,
            f"no measurement: the start-link boot gave no figures (see {log}-systemd.log)")


def idle_figures():
    for log, name, what in (("idle", "pid1_idle_wakeups_per_s", "pact-init, watchdog off; "
                             "goal <= 0.5"),
                            ("idle-wd", "pid1_idle_wakeups_per_s_watchdog", None),
                            ("idle-systemd", "peer_systemd_idle_wakeups_per_s",
                             "systemd 252, minimal unit set")):
        d = probe(f"{logs}/{log}.log")
        why = why_invalid(d) or (None if "pid1_idle_wakeups_per_s" in d else "no idle figures")
        if why:
            fig(name, None, "1/s", None, None, f"no measurement ({why}; see {logs}/{log}.log)")
            continue
        w, sw = d["pid1_idle_wakeups_per_s"], int(d["pid1_idle_switches"])
        base = (f"PID 1's voluntary + nonvoluntary context switches over "
                f"{int(d['pid1_idle_window_ms'])} ms of idle after ready ({sw}), per second, "
                f"one boot in the VM")
        if what:
            fig(name, w, "1/s", None, None, f"{what}: {base}; smaller is better")
            continue
        pets = 1 / (wd_s / 2)
        fig(name, w, "1/s", pets, pets / w if w else None,
            f"pact-init with softdog, watchdog.timeout_s = {wd_s} (a pet every {wd_s / 2:g} s): "
            f"{base}; floor = the pets alone ({pets:g}/s); ratio = pets ÷ wakeups, bigger is "
            f"better, 1.0 = nothing but the pets")


def table(ready, mem, ic_ready):
    with open(table_path, "w") as t:
        t.write(f"{'init':44} {'init->ready ms':>14} {'min-max':>10} {'n':>2} "
                f"{'icount ms':>9} {'PID 1 RSS/anon/Pss KiB':>23}\n")
        for n in INITS:
            v, m = ready[n], mem[n]
            mm = f"{min(v):.0f}-{max(v):.0f}" if v else "-"
            r = "/".join(f"{med([x[i] for x in m]):.0f}" for i in range(3)) if m else "-"
            t.write(f"{INITS[n]:44} {fmt(med(v)):>14} {mm:>10} {len(v):>2} "
                    f"{fmt(med(ic_ready[n])):>9} {r:>23}\n")


ready, mem, dropped = collect(lambda n: [f"{n}-{r}" for r in range(1, rounds + 1)])
ready_figures(ready, dropped, "", TCG,
              lambda v: (f"median of {len(v)} interleaved boots, min {min(v):.0f} max "
                         f"{max(v):.0f}") if v else "no valid boot")
memory_figures(mem)
ic_ready, _, ic_dropped = collect(lambda n: [f"icount-{n}-{k}" for k in range(1, ic_boots + 1)])
ready_figures(ic_ready, ic_dropped, "_icount", ICOUNT,
              lambda v: (f"median of {len(v)} boots, min {min(v):.1f} max {max(v):.1f}")
              if v else "no valid boot")
link_figures("", TCG)
link_figures("_icount", ICOUNT)
idle_figures()
table(ready, mem, ic_ready)
