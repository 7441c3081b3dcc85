#!/usr/bin/env python3
"""table.py RESULTS.tsv: the Markdown tables of a benchmarks/peers.sh run (for the README)."""
import collections
import sys

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])][1:]
values = collections.defaultdict(dict)   # (hosts, latency) -> {(tool, metric): value}
for hosts, latency, tool, metric, value in rows:
    values[(int(hosts), int(latency))][(tool, metric)] = value
tools = [tool for tool in ("converge", "pyinfra", "ansible") if any((tool, "noop") in v for v in values.values())]


def seconds(text):
    return float(text.split()[0]) if text else None


def cell(runs, tool, metric, unit=""):
    value = runs.get((tool, metric))
    return f"{value}{unit}" if value else "-"


plain = sorted(key for key in values if key[1] == 0)
print("| | " + " | ".join(f"{hosts} hosts" for hosts, _ in plain) + " |")
print("|---" * (len(plain) + 1) + "|")
print("| parallel OpenSSH `ssh host true` | " + " | ".join(cell(values[key], "ssh", "noop", " s") for key in plain) + " |")
print("| converge's transport (`converge exec -- true`) | " + " | ".join(cell(values[key], "transport", "noop", " s") for key in plain) + " |")
for tool in tools:
    print(f"| {tool} no-op | " + " | ".join(cell(values[key], tool, "noop", " s") for key in plain) + " |")
for tool in tools:
    print(f"| {tool} first run | " + " | ".join(cell(values[key], tool, "first_seconds", " s") for key in plain) + " |")
for tool in tools:
    print(f"| {tool} peak memory, first run | " + " | ".join(cell(values[key], tool, "first_peak_mb", " MB") for key in plain) + " |")
for tool in tools:
    print(f"| {tool} peak memory, no-op | " + " | ".join(cell(values[key], tool, "noop_peak_mb", " MB") for key in plain) + " |")
print("| host CPU per host, `converge exec -- true` | " + " | ".join(cell(values[key], "transport", "noop_host_cpu_ms_per_host", " ms") for key in plain) + " |")
for tool in tools:
    print(f"| host CPU per host, {tool} no-op | " + " | ".join(cell(values[key], tool, "noop_host_cpu_ms_per_host", " ms") for key in plain) + " |")

print()
print("Ratios (no-op):")
for key in plain:
    runs = values[key]
    floor = seconds(runs.get(("transport", "noop")))
    parts = []
    for tool in tools:
        noop = seconds(runs.get((tool, "noop")))
        if noop and floor:
            parts.append(f"{tool} {noop / floor:.2f}x the transport floor")
    converge = seconds(runs.get(("converge", "noop")))
    for tool in ("pyinfra", "ansible"):
        other = seconds(runs.get((tool, "noop")))
        if converge and other:
            parts.append(f"converge {other / converge:.1f}x faster than {tool}")
    first = seconds(runs.get(("converge", "first_seconds")))
    pyinfra_first = seconds(runs.get(("pyinfra", "first_seconds")))
    if first and pyinfra_first:
        parts.append(f"first run {pyinfra_first / first:.1f}x faster than pyinfra")
    print(f"- {key[0]} hosts: " + "; ".join(parts))

# Growth: from the smallest count of 17 or more hosts to the largest, against the floors'.
grown = [key for key in plain if key[0] >= 17]
if len(grown) >= 2:
    low, high = values[grown[0]], values[grown[-1]]
    parts = []
    for name, tool in (("OpenSSH", "ssh"), ("transport", "transport"), ("converge no-op", "converge")):
        a, b = seconds(low.get((tool, "noop"))), seconds(high.get((tool, "noop")))
        if a and b:
            parts.append(f"{name} x{b / a:.2f}")
    a, b = seconds(low.get(("converge", "first_seconds"))), seconds(high.get(("converge", "first_seconds")))
    if a and b:
        parts.append(f"converge first run x{b / a:.2f}")
    print(f"- growth from {grown[0][0]} to {grown[-1][0]} hosts (x{grown[-1][0] / grown[0][0]:.2f} hosts): " + ", ".join(parts))

latent = sorted(key for key in values if key[1] > 0)
if latent:
    print()
    print("| with latency | " + " | ".join(f"{hosts} hosts, {latency} ms each way" for hosts, latency in latent) + " |")
    print("|---" * (len(latent) + 1) + "|")
    print("| parallel OpenSSH `ssh host true` | " + " | ".join(cell(values[key], "ssh", "noop", " s") for key in latent) + " |")
    print("| converge's transport | " + " | ".join(cell(values[key], "transport", "noop", " s") for key in latent) + " |")
    for tool in tools:
        print(f"| {tool} no-op | " + " | ".join(cell(values[key], tool, "noop", " s") for key in latent) + " |")
