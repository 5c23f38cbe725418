#!/usr/bin/env bash
# Throughput of `nhi hunt` over generated CloudTrail delivery files (.json.gz): records/s, records/s
# per core (records over user+system CPU seconds), and peak memory, with the shipped SigmaHQ rules
# and every behavioural detector.
# Usage: bench/hunt-throughput.sh [RECORDS] [RUNS]   (defaults 10000000 records, 1 run; medians printed)
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-10000000}
runs=${2:-1}
logs="bench/out/cloudtrail-$records"
if [ ! -d "$logs" ]; then
  echo "generating $records records under $logs ..." >&2
  python3 bench/gen-cloudtrail.py "$logs" "$records"
fi
cargo build --release --quiet -p nhi-cli
bin=target/release/nhi
files=$(find "$logs" -name '*.json.gz' | wc -l)
bytes=$(find "$logs" -name '*.json.gz' -printf '%s\n' | awk '{s+=$1} END {print s}')
walls=(); cpus=(); mems=(); alerts=()
for _ in $(seq "$runs"); do
  report=$(mktemp)
  out=$( { /usr/bin/time -f '%e %U %S %M' "$bin" hunt --no-store --quiet --format jsonl -o "$report" "$logs" >/dev/null; } 2>&1 | tail -n1)
  read -r wall user sys mem <<<"$out"
  walls+=("$wall"); cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')"); mems+=("$mem")
  alerts+=("$(wc -l <"$report")")
  rm -f "$report"
done
. bench/lib.sh
w=$(median "${walls[@]}"); c=$(median "${cpus[@]}"); m=$(median "${mems[@]}"); a=$(median "${alerts[@]}")
awk -v r="$records" -v f="$files" -v b="$bytes" -v w="$w" -v c="$c" -v m="$m" -v a="$a" -v n="$runs" -v cores="$(nproc)" 'BEGIN {
  printf "nhi hunt: %d records in %d files (%.1f MB gzip); median of %d run(s) on %d cores: %.1f s wall, %.1f s CPU\n", r, f, b/1e6, n, cores, w, c
  printf "  %.0f records/s, %.0f records/s per core, peak RSS %.0f MB, %d alerts\n", r/w, r/c, m/1024, a }'
