#!/usr/bin/env bash
# Median wall time, CPU time and peak memory of `nhi scan` (or `nhi paths` after a stored scan) over
# a generated input, e.g. from gen-host-tree.py, gen-k8s-cluster.py or gen-aws-org.py.
# Usage: bench/time-scan.sh INPUT [RUNS] [EXTRA SCAN ARGS...]     (default 5 runs)
#   bench/time-scan.sh bench/out/host-1000
#   bench/time-scan.sh bench/out/aws-org.json 3 --max-file-size 2G
# Prints one line for `scan --no-store`, then scans once into a scratch store and times
# `nhi paths --to admin` over it. No peer tool builds this inventory, so no ratio is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
input=$1; runs=${2:-5}; shift $(( $# >= 2 ? 2 : 1 ))
cargo build --release --quiet -p nhi-cli
bin=$PWD/target/release/nhi
. bench/lib.sh
# time_runs LABEL CMD...: RUNS runs of CMD, medians of wall, user+sys and max RSS.
time_runs() {
  local label=$1; shift
  local walls=() cpus=() mems=()
  for _ in $(seq "$runs"); do
    local stats; stats=$(mktemp)
    /usr/bin/time -o "$stats" -f '%e %U %S %M' "$@" >/dev/null 2>&1 || true
    read -r wall user sys mem < <(tail -n1 "$stats"); rm -f "$stats"
    walls+=("$wall"); cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')"); mems+=("$mem")
  done
  awk -v l="$label" -v w="$(median "${walls[@]}")" -v c="$(median "${cpus[@]}")" -v m="$(median "${mems[@]}")" -v r="$runs" \
    'BEGIN { printf "%s: median of %d runs: %.2f s wall, %.2f s CPU, peak RSS %.0f MB\n", l, r, w, c, m/1024 }'
}
"$bin" scan --no-store --format json -o /dev/null "$@" "$input" 2>&1 | tail -n2 | sed 's/^/warm-up: /' >&2 || true
time_runs "nhi scan $input" "$bin" scan --no-store --quiet --format json -o /dev/null "$@" "$input"
db=$(mktemp -d)/nhi.db
"$bin" scan --db "$db" --quiet --format json -o /dev/null "$@" "$input" || true
time_runs "nhi paths --to admin" "$bin" paths --db "$db" --to admin --format json -o /dev/null
"$bin" paths --db "$db" --to admin 2>/dev/null | head -n1 | sed 's/^/paths: /' || true
rm -rf "$(dirname "$db")"
