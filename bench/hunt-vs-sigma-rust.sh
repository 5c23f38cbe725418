#!/usr/bin/env bash
# `nhi hunt` side by side with the sigma-rust crate (bench/sigma-rust-peer) over the same generated
# CloudTrail delivery files (.json.gz): records/s, records/s per core (records over user+system CPU
# seconds) and peak memory of each, and the ratio nhi/peer. The two run alternately, RUNS times each;
# medians are printed, nothing is asserted.
#
# Same rules: the peer loads every SigmaHQ CloudTrail rule nhi ships
# (crates/nhi-detect/rules/sigma/cloudtrail, 57 files); sigma-rust 0.7.0 parses all 57, so the peer
# has no rule nhi lacks and lacks none nhi has. The peer calls check_rule with each of the 57 rules on
# each record. nhi does strictly more: it also loads the Kubernetes audit rules (they do not apply to
# CloudTrail records), runs every behavioural detector in time order (so it inflates every file
# twice: once to learn where it starts in time, once to replay it), and writes its alert report.
# Both share files out over all cores. The peer inflates with flate2 (miniz_oxide) and parses into
# serde_json::Value; nhi inflates with libdeflate and parses into sonic_rs::Value. The floors
# printed last are thread CPU timings of those stages alone (the peer's own, and `sigma-rust-peer
# --floors` for nhi's libraries): no hunt reading these files that way can beat them.
# gen-cloudtrail.py spreads RECORDS over 7 days in 5-minute files, so below about 24 million records
# the files are small (1M records: about 41 records a file) and per-file costs weigh more.
# Usage: bench/hunt-vs-sigma-rust.sh [RECORDS] [RUNS]   (defaults 10000000 records, 3 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-10000000}
runs=${2:-3}
logs="bench/out/cloudtrail-$records"
rules=crates/nhi-detect/rules/sigma/cloudtrail
if [ ! -d "$logs" ]; then
  echo "generating $records records under $logs ..." >&2
  python3 bench/gen-cloudtrail.py "$logs" "$records"
fi
cargo build --release --quiet -p nhi-cli
cargo build --release --quiet --manifest-path bench/sigma-rust-peer/Cargo.toml
nhi=target/release/nhi
peer=bench/sigma-rust-peer/target/release/sigma-rust-peer
files=$(find "$logs" -name '*.json.gz' | wc -l)
bytes=$(find "$logs" -name '*.json.gz' -printf '%s\n' | awk '{s+=$1} END {print s}')

# One timed run of a command whose stdout goes to $1: prints "wall cpu peak_kb" (from the last line
# /usr/bin/time writes to stderr).
timed() {
  local stdout=$1
  shift
  { /usr/bin/time -f '%e %U %S %M' "$@" >"$stdout"; } 2>&1 | tail -n1 | awk '{print $1, $2 + $3, $4}'
}
nhi_walls=(); nhi_cpus=(); nhi_mems=(); alerts=()
peer_walls=(); peer_cpus=(); peer_mems=(); evals=(); matches=(); inflates=(); parses=()
for _ in $(seq "$runs"); do
  report=$(mktemp)
  read -r wall cpu mem <<<"$(timed /dev/null "$nhi" hunt --no-store --quiet --format jsonl -o "$report" "$logs")"
  nhi_walls+=("$wall"); nhi_cpus+=("$cpu"); nhi_mems+=("$mem"); alerts+=("$(wc -l <"$report")")
  rm -f "$report"

  out=$(mktemp)
  read -r wall cpu mem <<<"$(timed "$out" "$peer" "$rules" "$logs")"
  peer_walls+=("$wall"); peer_cpus+=("$cpu"); peer_mems+=("$mem")
  evals+=("$(awk '/^evaluation only:/ {print $3}' "$out")")
  # The peer times its stages per thread: inflating alone, and parsing into serde_json::Value.
  inflates+=("$(awk '/^stages/ {gsub(/[()]/, ""); print $8}' "$out")")
  parses+=("$(awk '/^stages/ {gsub(/[()]/, ""); print $15}' "$out")")
  matches+=("$(awk '/^records / {print $(NF-1)}' "$out")")
  loaded=$(awk '/rules loaded/ {print $3 " loaded, " $6 " not loaded"}' "$out")
  rm -f "$out"
done
nhi_floors=$("$peer" --floors "$logs")
. bench/lib.sh
awk -v r="$records" -v f="$files" -v b="$bytes" -v n="$runs" -v cores="$(nproc)" \
  -v nw="$(median "${nhi_walls[@]}")" -v nc="$(median "${nhi_cpus[@]}")" -v nm="$(median "${nhi_mems[@]}")" \
  -v a="$(median "${alerts[@]}")" \
  -v pw="$(median "${peer_walls[@]}")" -v pc="$(median "${peer_cpus[@]}")" -v pm="$(median "${peer_mems[@]}")" \
  -v e="$(median "${evals[@]}")" -v m="$(median "${matches[@]}")" -v l="$loaded" \
  -v fi="$(median "${inflates[@]}")" -v fp="$(median "${parses[@]}")" 'BEGIN {
  printf "%d records in %d files (%.1f MB gzip); median of %d alternating run(s) each on %d cores\n", r, f, b/1e6, n, cores
  printf "  nhi hunt:   %5.1f s wall, %5.1f s CPU: %8.0f records/s, %8.0f records/s per core, peak RSS %5.0f MB, %d alerts\n", nw, nc, r/nw, r/nc, nm/1024, a
  printf "  sigma-rust: %5.1f s wall, %5.1f s CPU: %8.0f records/s, %8.0f records/s per core, peak RSS %5.0f MB, %d rule matches (rules: %s)\n", pw, pc, r/pw, r/pc, pm/1024, m, l
  printf "  sigma-rust evaluation only (no inflate, no parse): %.0f records/s per core\n", e
  printf "  sigma-rust floors (thread CPU): inflating with flate2 alone %.0f records/s per core; inflating and parsing into serde_json::Value %.0f records/s per core\n", fi, 1 / (1 / fi + 1 / fp)
  printf "  nhi/sigma-rust: %.1fx records/s, %.1fx records/s per core, %.2fx peak RSS\n", pw/nw, pc/nc, nm/pm }'
echo "  nhi $nhi_floors"
