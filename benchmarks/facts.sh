#!/usr/bin/env bash
# Times `converge facts` over every lab host next to the floor it is held to:
# a parallel OpenSSH `ssh host true` over the same hosts, in one hyperfine run.
#   benchmarks/facts.sh [N]     boots N lab hosts first (default 40)
#   KEEP_LAB=1 benchmarks/facts.sh   uses the lab that is up
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-40}

scripts/setup
[[ ${KEEP_LAB:-0} == 1 ]] || scripts/lab up "$count" bullseye bookworm trixie
# inventory/lab.json names the lab tests' roles: converge-lab is converge built with them.
swift build -c release --product converge-lab >&2
converge=$(swift build -c release --show-bin-path)/converge-lab
lab=/var/lib/converge-lab
hosts=$(wc -l <"$lab/hosts.tsv")

# Each ssh is a separate process with its own handshake, all started at once.
fanout="cut -f2 $lab/hosts.tsv | xargs -P 0 -I{} ssh -F /dev/null -i $lab/id_ed25519 -o IdentitiesOnly=yes \
-o BatchMode=yes -o UserKnownHostsFile=$lab/known_hosts root@{} true"

echo "== $hosts lab hosts" >&2
"$converge" facts inventory/lab.json | tail -n 1 >&2
hyperfine --warmup 1 --runs "${RUNS:-10}" --export-markdown - \
    --command-name "ssh host true (OpenSSH, parallel)" "$fanout" \
    --command-name "converge facts" "$converge facts inventory/lab.json >/dev/null"
