#!/usr/bin/env bash
# Times converge on N lab hosts next to the floor it is held to, a parallel OpenSSH
# `ssh host true` over the same hosts, in one run: the first converge (once), then
# with hyperfine the no-op converge, `converge facts` and a full drift sweep.
#   benchmarks/fleet.sh [N]        boots N lab hosts first (default 17)
#   KEEP_LAB=1 benchmarks/fleet.sh  uses the lab that is up (converged or not)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-17}

scripts/setup
[[ ${KEEP_LAB:-0} == 1 ]] || scripts/lab up "$count" bullseye bookworm trixie
# inventory/lab.json names the lab tests' roles: converge-lab is converge built with them.
swift build -c release --product converge-lab >&2
converge=$(swift build -c release --show-bin-path)/converge-lab
lab=/var/lib/converge-lab
export XDG_CACHE_HOME=$(mktemp -d)   # a cold role-facts cache for the first run
trap 'rm -rf "$XDG_CACHE_HOME"' EXIT

echo "== $(wc -l <"$lab/hosts.tsv") lab hosts" >&2
start=$(date +%s.%N)
"$converge" inventory/lab.json | tail -n 1 >&2
echo "first converge: $(echo "$(date +%s.%N) - $start" | bc) s" >&2

fanout="cut -f2 $lab/hosts.tsv | xargs -P 0 -I{} ssh -F /dev/null -i $lab/id_ed25519 -o IdentitiesOnly=yes \
-o BatchMode=yes -o UserKnownHostsFile=$lab/known_hosts root@{} true"
# drift exits 1 when it finds drift (the lab's releases differ): that is its answer, not a failure.
hyperfine --warmup 1 --runs "${RUNS:-10}" --ignore-failure \
    --command-name "ssh host true (OpenSSH, parallel)" "$fanout" \
    --command-name "converge (no-op)" "$converge inventory/lab.json >/dev/null" \
    --command-name "converge facts" "$converge facts inventory/lab.json >/dev/null" \
    --command-name "converge drift (all packages)" "$converge drift inventory/lab.json --format json >/dev/null"
