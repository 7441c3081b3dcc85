#!/usr/bin/env bash
# peers.sh: converge next to pyinfra and Ansible, on the same lab hosts, the same workload
# (benchmarks/peers/workload.json: per host a directory, 20 files, 3 packages, a running
# and enabled service), in one run; with the floors they are held to.
#
#   benchmarks/peers.sh [N...]        host counts, default 17 40 100
#   RUNS=5                            hyperfine runs per no-op (Ansible: ANSIBLE_RUNS, default 2)
#   LATENCY_HOSTS=40 LATENCY_MS=30    the latency run (0 hosts: none), 30 ms each way
#   TOOLS="converge pyinfra ansible"  which tools
#   PEER_MAX_HOSTS=40                 pyinfra and Ansible only up to this many hosts
#                                     (converge and the floors at every count)
#   LAB_INSTANCE=N                    a lab beside the default one (scripts/lab)
#
# For each N: boots N lab hosts in --bench mode (python3 and python3-apt for Ansible, the
# lab's own apt repository only), times the floors (a parallel OpenSSH `ssh host true`,
# and converge's own transport: `converge exec -- true`: handshake, login, one command),
# then for each tool: hosts reset to their base image, a first run (timed, peak memory
# with /usr/bin/time -v), and the no-op run (hyperfine; peak memory; the hosts' CPU per
# host). Then the latency run through benchmarks/peers/delay-proxy.py (this machine's
# kernel has no netem). Results go to benchmarks/results/ as TSV and a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
sizes=("$@")
((${#sizes[@]})) || sizes=(17 40 100)
runs=${RUNS:-5}
ansible_runs=${ANSIBLE_RUNS:-2}
latency_hosts=${LATENCY_HOSTS:-40}
latency_ms=${LATENCY_MS:-30}
read -r -a tools <<<"${TOOLS:-converge pyinfra ansible}"
peer_max_hosts=${PEER_MAX_HOSTS:-1000000}
instance=${LAB_INSTANCE:-0}
suffix=
((instance == 0)) || suffix=-$instance
lab=/var/lib/converge-lab$suffix
netns_prefix=cvlab$([[ $instance == 0 ]] || echo "$instance")-
gateway=10.$((231 + instance)).0.1
work=$repo/benchmarks/.work$suffix
results=$repo/benchmarks/results
venv=$repo/benchmarks/.venv
mkdir -p "$work" "$results"

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

# ---------------------------------------------------------------- tools
scripts/setup
for package in time python3-venv; do
    dpkg-query -W -f '${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; }
done
if [[ ! -x $venv/bin/pyinfra || ! -x $venv/bin/ansible-playbook ]]; then
    say "installing pyinfra and ansible-core (below 2.20, which needs Python 3.12) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "pyinfra>=3,<4" "ansible-core<2.20"
fi
pyinfra_version=$("$venv/bin/pyinfra" --version 2>&1 | head -n 1)
ansible_version=$("$venv/bin/ansible-playbook" --version | head -n 1)
# The lab's test roles (with `bench`) are converge-lab's: converge built with them.
swift build -c release --product converge-lab >&2
converge=$(swift build -c release --show-bin-path)/converge-lab
export XDG_CACHE_HOME=$work/cache XDG_CONFIG_HOME=$work/config ANSIBLE_LOCAL_TEMP=$work/ansible-tmp
say "converge $(git rev-parse --short HEAD), $pyinfra_version, $ansible_version"

tsv=$results/peers-$(date -u +%Y%m%dT%H%M%SZ).tsv
printf 'hosts\tlatency_ms\ttool\tmetric\tvalue\n' >"$tsv"
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$tsv"; printf '   %-9s %-22s %s\n' "$3" "$4" "$5" >&2; }

# hyperfine's mean, in seconds, of COMMAND run RUNS times (after WARMUP runs).
mean() {  # mean RUNS WARMUP NAME COMMAND
    local json=$work/hyperfine.json
    hyperfine --style none --warmup "$2" --runs "$1" --export-json "$json" --command-name "$3" "$4" >/dev/null 2>&1 \
        || { echo "peers: '$3' failed under hyperfine" >&2; return 1; }
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.3f ± %.3f" % (r["mean"], r["stddev"] or 0))' "$json"
}
# Peak resident memory (MB) and wall time (s) of one run of COMMAND.
measured_run() {  # measured_run LOG COMMAND...
    local log=$1
    shift
    /usr/bin/time -v -o "$log.time" "$@" >"$log" 2>&1 || { echo "peers: failed: $* (see $log)" >&2; tail -n 20 "$log" >&2; return 1; }
    awk -F': ' '/Maximum resident set size/ {mb=$2/1024} /Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]} END {printf "%.1f %.2f\n", mb, s}' "$log.time"
}
# Waits until the machine is mostly idle again (hosts just reset are still booting, and
# their CPU would count against whichever tool runs next): at most a minute.
settle() {
    local busy idle busy2 idle2 tries=0
    while ((tries++ < 60)); do
        read -r _ user nice system idle _ </proc/stat
        busy=$((user + nice + system))
        sleep 1
        read -r _ user nice system idle2 _ </proc/stat
        busy2=$((user + nice + system))
        # Under a quarter of the machine busy over that second.
        (((busy2 - busy) * 4 < (busy2 - busy) + (idle2 - idle))) && return 0
    done
}
netns_of_hosts() { cut -f1 "$lab/hosts.tsv" | sed "s/^/$netns_prefix/"; }
host_cpu() { python3 benchmarks/peers/hostcpu.py $(netns_of_hosts); }

tool_command() {  # tool_command TOOL DIR
    case $1 in
        converge) echo "$converge apply $2/converge.json --parallel 256" ;;
        pyinfra) echo "$venv/bin/pyinfra -y --parallel 256 $2/pyinfra_inventory.py $2/deploy.py" ;;
        ansible) echo "env ANSIBLE_CONFIG=$2/ansible.cfg $venv/bin/ansible-playbook -i $2/ansible_inventory.ini $2/playbook.yml" ;;
    esac
}

ssh_fanout() {  # ssh_fanout DIR: every host's `true` through OpenSSH at once
    local known=$lab/known_hosts
    [[ -f $1/known_hosts ]] && known=$1/known_hosts
    python3 - "$1/converge.json" "$known" <<'EOF' >"$1/fanout.sh"
import json, sys
inventory = json.load(open(sys.argv[1]))
key = inventory["ssh"]["identityFile"]
print("#!/bin/sh")
for host in inventory["hosts"]:
    print(f"ssh -F /dev/null -i {key} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile={sys.argv[2]} "
          f"-o ControlMaster=no -p {host.get('port', 22)} root@{host['address']} true &")
print("wait")
EOF
    echo "sh $1/fanout.sh"
}

benchmark() {  # benchmark HOSTS LATENCY_MS DIR
    local hosts=$1 latency=$2 dir=$3 tool cmd result before after mb seconds
    say "$hosts hosts, ${latency} ms latency: floors"
    result=$(mean "$runs" 1 "ssh true (OpenSSH, parallel)" "$(ssh_fanout "$dir")") || exit 1
    record "$hosts" "$latency" ssh noop "$result"
    result=$(mean "$runs" 1 "converge exec true" "$converge exec $dir/converge.json --parallel 256 -- true") || exit 1
    record "$hosts" "$latency" transport noop "$result"
    before=$(host_cpu)
    $converge exec "$dir/converge.json" --parallel 256 -- true >/dev/null
    sleep 1
    after=$(host_cpu)
    record "$hosts" "$latency" transport noop_host_cpu_ms_per_host $(((after - before) / hosts))
    for tool in "${tools[@]}"; do
        [[ $tool == converge ]] || ((hosts <= peer_max_hosts)) || continue
        cmd=$(tool_command "$tool" "$dir")
        if ((latency == 0)); then
            say "$hosts hosts: $tool, first run (hosts reset to their base image)"
            scripts/lab reset $(cut -f1 "$lab/hosts.tsv") >/dev/null 2>&1
            settle
            rm -rf "$XDG_CACHE_HOME" "$dir/ansible-cp"
            result=$(measured_run "$dir/$tool-first.log" $cmd) || exit 1
            read -r mb seconds <<<"$result"
            record "$hosts" "$latency" "$tool" first_seconds "$seconds"
            record "$hosts" "$latency" "$tool" first_peak_mb "$mb"
        fi
        say "$hosts hosts, ${latency} ms: $tool, no-op"
        before=$(host_cpu)
        result=$(measured_run "$dir/$tool-noop.log" $cmd) || exit 1
        read -r mb seconds <<<"$result"
        sleep 1
        after=$(host_cpu)
        record "$hosts" "$latency" "$tool" noop_peak_mb "$mb"
        record "$hosts" "$latency" "$tool" noop_host_cpu_ms_per_host $(((after - before) / hosts))
        # Ansible's no-op runs are minutes at 100 hosts: its measured run above is its warmup.
        local tool_runs=$runs warmup=1
        [[ $tool == ansible ]] && tool_runs=$ansible_runs warmup=0
        result=$(mean "$tool_runs" "$warmup" "$tool no-op" "$cmd") || exit 1
        record "$hosts" "$latency" "$tool" noop "$result"
    done
}

for hosts in "${sizes[@]}"; do
    say "booting $hosts lab hosts (bench mode)"
    scripts/lab up "$hosts" bullseye bookworm trixie --bench >&2
    dir=$work/$hosts
    rm -rf "$dir"
    python3 benchmarks/peers/generate.py --workload benchmarks/peers/workload.json --lab "$lab" --out "$dir"
    benchmark "$hosts" 0 "$dir"
    if ((hosts == latency_hosts && latency_ms > 0)); then
        dir=$work/$hosts-latency
        rm -rf "$dir"
        python3 benchmarks/peers/generate.py --workload benchmarks/peers/workload.json --lab "$lab" --out "$dir" \
            --proxy 20000 --gateway "$gateway"
        python3 benchmarks/peers/delay-proxy.py --delay-ms "$latency_ms" --listen "$gateway" --base-port 20000 \
            $(cut -f2 "$lab/hosts.tsv") >"$work/delay-proxy.log" 2>&1 &
        proxy=$!
        trap 'kill $proxy 2>/dev/null' EXIT
        sleep 1
        benchmark "$hosts" "$latency_ms" "$dir"
        kill "$proxy"
        trap - EXIT
    fi
done

say "results: $tsv"
python3 benchmarks/peers/table.py "$tsv" | tee "${tsv%.tsv}.md"
