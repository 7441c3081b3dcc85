#!/usr/bin/env python3
"""The Markdown table of benchmarks/scale.sh runs, from their TSV files (later ones win)."""
import collections, sys

rows = collections.defaultdict(dict)  # (figure, metric) -> hosts -> value
machine = {}
lines = [line for path in sys.argv[1:] for line in open(path).read().splitlines()[1:]]
for line in lines:
    hosts, figure, metric, value = line.split("\t")
    if hosts == "0":
        machine[metric] = value
    else:
        rows[(figure, metric)][int(hosts)] = value
sizes = sorted({h for values in rows.values() for h in values})


def mean(value):
    return float(value.split()[0])


def row(label, figure, metric, unit=""):
    values = rows.get((figure, metric), {})
    if values:
        cells = [(values[h].split(" ±")[0] + unit) if h in values else "" for h in sizes]
        print(f"| {label} | " + " | ".join(cells) + " |")


names = {"transport": "transport floor (`converge exec -- true`)", "facts": "`converge facts`",
         "noop": "**no-op converge** (bench role, 20 files)", "drift": "`converge drift` (full sweep)"}
print(f"converge {machine.get('commit', '?')}, {machine.get('cores', '?')} cores, --parallel {machine.get('parallel', '?')}, "
      f"ulimit -n {machine.get('nofile', '?')}; means of hyperfine runs (drift: fewer).\n")
print("| | " + " | ".join(f"{h} hosts" for h in sizes) + " |")
print("|---|" + "---|" * len(sizes))
row("light hosts' boot", "boot", "seconds", " s")
for figure in ("transport", "facts", "noop", "drift"):
    values = rows.get((figure, "seconds"), {})
    if values:
        print(f"| {names[figure]} | " + " | ".join(values.get(h, "").replace(" ± ", " s ± ") + (" s" if h in values else "") for h in sizes) + " |")
for figure in ("facts", "noop", "drift"):
    values, floor = rows.get((figure, "seconds"), {}), rows.get(("transport", "seconds"), {})
    cells = [f"{mean(values[h]) / mean(floor[h]):.2f}x" if h in values and h in floor else "" for h in sizes]
    print(f"| {figure} / floor | " + " | ".join(cells) + " |")
for metric, label in (("peak_mb", "peak memory, MB"), ("peak_threads", "peak threads"), ("peak_fds", "peak open descriptors"),
                      ("controller_cpu_ms_per_host", "controller CPU per host, ms"), ("host_cpu_ms_per_host", "hosts' CPU per host, ms")):
    cells = []
    for h in sizes:
        parts = [rows.get((f, metric), {}).get(h, "-") for f in ("transport", "facts", "noop", "drift")]
        cells.append(" / ".join(parts))
    print(f"| {label} (floor / facts / no-op / drift) | " + " | ".join(cells) + " |")
row("first converge (21 changes a host)", "first", "measured_seconds", " s")
row("first converge, hosts it left (unreachable)", "first-again", "measured_seconds", " s")
row("load average before", "machine", "load_before")
row("load average after", "machine", "load_after")

sweep = sorted((int(f.split("-p")[1]), values) for (f, m), values in rows.items() if f.startswith("transport-p") and m == "seconds")
if sweep:
    largest = sizes[-1]
    print(f"\nTransport floor at {largest} hosts by --parallel:\n")
    print("| --parallel | seconds | peak threads | peak MB |")
    print("|---|---|---|---|")
    entries = sweep + [(int(machine.get("parallel", 0)), rows[("transport", "seconds")])]
    for p, values in sorted(entries):
        figure = "transport" if p == int(machine.get("parallel", 0)) else f"transport-p{p}"
        print(f"| {p} | {values.get(largest, '')} | {rows.get((figure, 'peak_threads'), {}).get(largest, '')} | "
              f"{rows.get((figure, 'peak_mb'), {}).get(largest, '')} |")

if len(sizes) > 1:
    first, last = sizes[0], sizes[-1]
    print(f"\nGrowth from {first} to {last} hosts (x{last / first:g} hosts):")
    floor = rows.get(("transport", "seconds"), {})
    for figure in ("transport", "facts", "noop", "drift"):
        values = rows.get((figure, "seconds"), {})
        if first in values and last in values:
            growth = mean(values[last]) / mean(values[first])
            note = "" if figure == "transport" else (
                " (no faster than the floor: held)" if growth <= mean(floor[last]) / mean(floor[first]) * 1.05
                else " (faster than the floor)")
            print(f"- {figure}: x{growth:.2f}{note}")
