#!/usr/bin/env python3
"""hostcpu.py NETNS...: the CPU time (ms) the lab hosts have used, summed over every
process in their network namespaces (each process's own time plus its reaped children's:
a probe's short-lived commands count through the sshd session or init that reaped them).
"""
import os
import subprocess
import sys

ticks = os.sysconf("SC_CLK_TCK")
total = 0
for netns in sys.argv[1:]:
    pids = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True).stdout.split()
    for pid in pids:
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        # fields[11..14]: utime stime cutime cstime
        total += sum(int(value) for value in fields[11:15])
print(total * 1000 // ticks)
