#!/usr/bin/env python3
"""One measured run of a converge command, for benchmarks/scale.sh.

    measure.py --cpu-stat CGROUP/cpu.stat --log LOG -- COMMAND...

Runs COMMAND under GNU time (/usr/bin/time -v: peak resident memory, user and system CPU),
samples the command's process every 20 ms for its thread count (/proc/PID/status
Threads: libssh2 sessions run one thread each) and open descriptors, and reads the light
hosts' cgroup CPU time before and after (the hosts' side of the run: sshd, the shells,
the probes). Prints one JSON object; the command's output goes to LOG.
"""
import argparse, json, os, subprocess, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("--cpu-stat", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("command", nargs=argparse.REMAINDER)
args = parser.parse_args()
command = args.command[1:] if args.command[:1] == ["--"] else args.command


def host_cpu_us():
    with open(args.cpu_stat) as f:
        return next(int(line.split()[1]) for line in f if line.startswith("usage_usec"))


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def sample(pid):
    """Threads and open descriptors of pid, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            threads = next(int(line.split()[1]) for line in f if line.startswith("Threads:"))
        return threads, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, StopIteration):
        return None


time_file = args.log + ".time"
before = host_cpu_us()
start = time.monotonic()
with open(args.log, "wb") as log:
    timer = subprocess.Popen(["/usr/bin/time", "-v", "-o", time_file, *command], stdout=log, stderr=log)
    peak_threads = peak_fds = 0
    target = None
    while timer.poll() is None:
        if target is None:
            kids = children(timer.pid)
            target = kids[0] if kids else None
        if target is not None:
            found = sample(target)
            if found:
                peak_threads = max(peak_threads, found[0])
                peak_fds = max(peak_fds, found[1])
        time.sleep(0.02)
seconds = time.monotonic() - start
time.sleep(0.5)  # sessions the hosts still close
after = host_cpu_us()

fields = {}
with open(time_file) as f:
    for line in f:
        key, _, value = line.strip().rpartition(": ")
        fields[key] = value
status = int(fields.get("Exit status", "-1"))
print(json.dumps({
    "seconds": round(seconds, 3),
    "exit": status,
    "peak_mb": round(int(fields["Maximum resident set size (kbytes)"]) / 1024, 1),
    "user_s": float(fields["User time (seconds)"]),
    "sys_s": float(fields["System time (seconds)"]),
    "peak_threads": peak_threads,
    "peak_fds": peak_fds,
    "host_cpu_s": round((after - before) / 1e6, 3),
}))
