#!/usr/bin/env bash
# Throughput of `nhi scan` over a directory of many small files: files/s, MB/s and peak memory.
# Usage: bench/scan-small-files.sh [COUNT] [RUNS]   (defaults 100000 files, 5 runs; medians printed)
# No peer tool scans certificates and SSH keys into an inventory this way, so no ratio is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
runs=${2:-5}
tree="bench/out/small-files-$count"
if [ ! -d "$tree" ]; then
  echo "generating $count files under $tree ..." >&2
  python3 bench/gen-small-files.py "$tree" "$count"
fi
cargo build --release --quiet -p nhi-cli
bin=target/release/nhi
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$tree" -type f | wc -l)
# Warm the page cache once so every run measures the same thing.
# Its summary (and any unreadable input: exit 3) is shown once; the timed runs only count time.
"$bin" scan --no-store --format json -o /dev/null "$tree" 2>&1 | tail -n2 | sed 's/^/warm-up: /' >&2 || true
times=(); mems=()
for _ in $(seq "$runs"); do
  out=$( { /usr/bin/time -f '%e %M' "$bin" scan --no-store --quiet --format json -o /dev/null "$tree" >/dev/null; } 2>&1 | tail -n1 || true)
  times+=("${out% *}"); mems+=("${out#* }")
done
. bench/lib.sh
t=$(median "${times[@]}"); m=$(median "${mems[@]}")
awk -v t="$t" -v f="$files" -v b="$bytes" -v m="$m" -v r="$runs" 'BEGIN {
  printf "nhi scan: %d files, %.1f MB; median of %d runs: %.2f s, %.0f files/s, %.1f MB/s, peak RSS %.1f MB\n",
         f, b/1e6, r, t, f/t, b/1e6/t, m/1024 }'
