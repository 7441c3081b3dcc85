#!/usr/bin/env bash
# scale.sh: the controller at scale, on light lab hosts (scripts/lab-light: a network
# namespace running only sshd per host, hundreds booted in seconds).
#
#   benchmarks/scale.sh [N...]        host counts, default 100 300 1000
#   RUNS=3                            hyperfine runs per figure (the drift sweep: DRIFT_RUNS, 1)
#   PARALLEL=256                      converge --parallel for every figure
#   PARALLEL_SWEEP="64 256 1000"      at the largest N, the transport floor at each --parallel
#   LAB_INSTANCE=N                    a light lab beside the default one
#
# For each N: boots N light hosts (timed), converges them once (the bench role of
# Tests/LabPlaybooks: a directory and 20 files), then times four figures, each first as
# one measured run (peak memory and CPU with GNU time, peak threads and descriptors
# sampled from /proc, the hosts' CPU from their cgroup) and then with hyperfine:
#   the transport floor   converge exec INVENTORY -- true (handshake, login, one command)
#   facts                 converge facts INVENTORY
#   no-op                 converge apply INVENTORY (nothing to change)
#   drift                 converge drift INVENTORY --format json (a full sweep)
# and tears the hosts down (also on failure or Ctrl-C). Results go to
# benchmarks/results/scale-*.tsv and .md. Every host must answer every run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
sizes=("$@")
((${#sizes[@]})) || sizes=(100 300 1000)
runs=${RUNS:-3}
drift_runs=${DRIFT_RUNS:-1}
parallel=${PARALLEL:-256}
read -r -a sweep <<<"${PARALLEL_SWEEP-64 256 1000}"
instance=${LAB_INSTANCE:-0}
suffix=
((instance == 0)) || suffix=-$instance
inventory=$repo/inventory/light$suffix.json
work=$repo/benchmarks/.work-scale$suffix
results=$repo/benchmarks/results
limit=${RUN_TIMEOUT:-1200}   # seconds any one converge run may take
mkdir -p "$work" "$results"

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

scripts/setup
dpkg-query -W -f '${Status}\n' time 2>/dev/null | grep -q '^install ok installed$' \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
swift build -c release --product converge-lab >&2
converge=$(swift build -c release --show-bin-path)/converge-lab
export XDG_CACHE_HOME=$work/cache XDG_CONFIG_HOME=$work/config
trap 'scripts/lab-light down >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM

stamp=$(date -u +%Y%m%dT%H%M%SZ)
tsv=$results/scale-$stamp.tsv
printf 'hosts\tfigure\tmetric\tvalue\n' >"$tsv"
record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$tsv"; printf '   %-10s %-16s %s\n' "$2" "$3" "$4" >&2; }
say "converge $(git rev-parse --short HEAD), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -r); ulimit -n $(ulimit -n)"
record 0 machine commit "$(git rev-parse --short HEAD)"
record 0 machine cores "$(nproc)"
record 0 machine nofile "$(ulimit -n)"
record 0 machine parallel "$parallel"

# The command of a figure: figure_command FIGURE PARALLEL
figure_command() {
    case $1 in
        transport) echo "$converge exec $inventory --parallel $2 -- true" ;;
        facts) echo "$converge facts $inventory --parallel $2" ;;
        noop) echo "$converge apply $inventory --parallel $2" ;;
        drift) echo "$converge drift $inventory --parallel $2 --format json" ;;
    esac
}
# Exit statuses that mean every host answered: drift says 1 when it finds drift.
accepted() { [[ $2 == 0 || ($1 == drift && $2 == 1) ]]; }

# One measured run, recorded: measured HOSTS FIGURE COMMAND
measured() {
    local hosts=$1 figure=$2 json command
    read -r -a command <<<"$3"
    json=$(timeout "$limit" python3 benchmarks/scale/measure.py --cpu-stat "$cgroup/cpu.stat" \
        --log "$work/$figure-$hosts.log" -- "${command[@]}") || { echo "scale: measuring $figure failed" >&2; exit 1; }
    read -r status seconds mb threads fds user sys host < <(python3 -c '
import json, sys; r = json.loads(sys.argv[1])
print(r["exit"], r["seconds"], r["peak_mb"], r["peak_threads"], r["peak_fds"], r["user_s"], r["sys_s"], r["host_cpu_s"])' "$json")
    if ! accepted "$figure" "$status"; then
        echo "scale: $figure at $hosts hosts exited $status; the end of $work/$figure-$hosts.log:" >&2
        tail -n 15 "$work/$figure-$hosts.log" >&2
        exit 1
    fi
    record "$hosts" "$figure" measured_seconds "$seconds"
    record "$hosts" "$figure" peak_mb "$mb"
    record "$hosts" "$figure" peak_threads "$threads"
    record "$hosts" "$figure" peak_fds "$fds"
    record "$hosts" "$figure" controller_cpu_ms_per_host "$(echo "$user $sys $hosts" | awk '{printf "%.1f", ($1 + $2) * 1000 / $3}')"
    record "$hosts" "$figure" host_cpu_ms_per_host "$(echo "$host $hosts" | awk '{printf "%.1f", $1 * 1000 / $2}')"
}

# hyperfine's mean and standard deviation: timed HOSTS FIGURE RUNS COMMAND
timed() {
    local json=$work/hyperfine.json ignore=()
    [[ $2 == drift ]] && ignore=(--ignore-failure)
    timeout $((limit * ($3 + 1))) hyperfine --style none --runs "$3" "${ignore[@]}" --export-json "$json" \
        --command-name "$2" "$4" >/dev/null 2>&1 || { echo "scale: $2 at $1 hosts failed under hyperfine" >&2; exit 1; }
    record "$1" "$2" seconds "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.3f ± %.3f" % (r["mean"], r["stddev"] or 0))' "$json")"
}

cgroup=
for hosts in "${sizes[@]}"; do
    say "$hosts light hosts: booting (load $(cut -d' ' -f1-3 /proc/loadavg))"
    record "$hosts" machine load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
    start=$(date +%s%N)
    scripts/lab-light up "$hosts" >&2
    record "$hosts" boot seconds "$(echo "$start $(date +%s%N)" | awk '{printf "%.1f", ($2 - $1) / 1e9}')"
    cgroup=$(scripts/lab-light cgroup)
    rm -rf "$XDG_CACHE_HOME"
    say "$hosts hosts: first converge (the bench role: a directory, 20 files)"
    if ! (measured "$hosts" first "$(figure_command noop "$parallel")"); then
        # Hosts that were unreachable (handshakes starved of CPU) are converged now.
        say "$hosts hosts: converging what the first run left"
        measured "$hosts" first-again "$(figure_command noop "$parallel")"
    fi
    for figure in transport facts noop drift; do
        say "$hosts hosts: $figure"
        measured "$hosts" "$figure" "$(figure_command "$figure" "$parallel")"
        [[ $figure == drift ]] && figure_runs=$drift_runs || figure_runs=$runs
        timed "$hosts" "$figure" "$figure_runs" "$(figure_command "$figure" "$parallel")"
    done
    if [[ $hosts == "${sizes[-1]}" ]]; then
        for p in "${sweep[@]}"; do
            ((p == parallel)) && continue
            say "$hosts hosts: transport floor with --parallel $p"
            measured "$hosts" "transport-p$p" "$(figure_command transport "$p")"
            timed "$hosts" "transport-p$p" "$runs" "$(figure_command transport "$p")"
        done
    fi
    record "$hosts" machine load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
    scripts/lab-light down >&2
done

say "results: $tsv"
python3 benchmarks/scale/table.py "$tsv" | tee "${tsv%.tsv}.md"
