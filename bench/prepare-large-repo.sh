#!/usr/bin/env bash
# Builds a large, realistic git history locally, for timing history scans (there is no network to
# clone a big public repository, so the history is made from crate sources already on disk).
#
# Usage: bench/prepare-large-repo.sh [TARGET_MB] [OUT_DIR]
#   defaults: 1000 MB of distinct blob data, bench/out/large-repo
#
# What it makes (deterministically from the crate sources under ~/.cargo/registry/src, sorted):
# - "vendor" commits: each crate's files land under vendor/<name>/, one commit per crate version,
#   so a crate with several versions on disk gets upgrade commits that rewrite its directory;
# - edit rounds until the distinct blob data reaches TARGET_MB: each round edits about 7% of the
#   files (a line inserted or replaced) in commits of about 25 files by a pool of fake authors;
#   every 6th round is done on a feature branch and merged with a merge commit; a tag every 5
#   rounds (annotated every 10th);
# - planted fake secrets (not live credentials; shaped like the real formats):
#     config/prod.env        AWS access key pair, added in round 3, deleted in round 4
#     scripts/deploy.sh      GitHub token, added in round 2, still at HEAD
#     keys/legacy_rsa        an RSA private key PEM block, added then moved to old/keys/, then deleted
#     notify.py              Slack webhook, only on the unmerged branch experiment/webhooks
#     billing/stripe.toml    Stripe live key, only in a commit that the tag v0-hotfix reaches;
# - then `git repack -ad` (ordinary deltas, as a fetched repository has) and a checkout of main.
# Prints the number of commits, distinct blobs and their bytes. Needs git and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
target_mb=${1:-1000}
out=${2:-bench/out/large-repo}
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ 2>/dev/null | sort | head -n1)
if [ -z "$src" ]; then
  echo "no crate sources under ~/.cargo/registry/src: run 'cargo fetch' first" >&2
  exit 2
fi
if [ -e "$out" ]; then
  echo "$out exists: remove it to rebuild" >&2
  exit 2
fi
mkdir -p "$out"
git -c init.defaultBranch=main init -q "$out"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

python3 - "$src" "$target_mb" <<'PY' | git -C "$out" fast-import --quiet --done
import hashlib, os, re, sys, zlib

src, target = sys.argv[1], int(sys.argv[2]) * 1_000_000
out = sys.stdout.buffer
MAX_FILE = 16 << 20
AUTHORS = [("Ada Ops", "ada@example.invalid"), ("Bo Builder", "bo@example.invalid"),
           ("Cy Release", "cy@example.invalid"), ("Di Platform", "di@example.invalid"),
           ("Ed Infra", "ed@example.invalid"), ("Flo Security", "flo@example.invalid"),
           ("Gus Backend", "gus@example.invalid"), ("Hana Data", "hana@example.invalid")]
clock = [1546300800]  # 2019-01-01, one hour per commit
seen_blobs, blob_bytes = set(), [0]
marks, commits = [0], [0]


def stable(text):
    return zlib.crc32(text.encode())


def data(payload):
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


def commit(ref, message, changes, parents=()):
    """changes: [(path, bytes)] or [(path, None)] for deletes; returns the commit's mark."""
    marks[0] += 1
    commits[0] += 1
    clock[0] += 3600
    name, email = AUTHORS[stable(message) % len(AUTHORS)]
    out.write(b"commit %s\nmark :%d\n" % (ref.encode(), marks[0]))
    out.write(b"author %s <%s> %d +0000\n" % (name.encode(), email.encode(), clock[0]))
    out.write(b"committer %s <%s> %d +0000\n" % (name.encode(), email.encode(), clock[0]))
    data(message.encode())
    for i, parent in enumerate(parents):
        out.write(b"%s :%d\n" % (b"from" if i == 0 else b"merge", parent))
    for path, content in changes:
        if content is None:
            out.write(b"D %s\n" % path.encode())
            continue
        blob = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
        if blob in seen_blobs:
            out.write(b"M 100644 %s %s\n" % (blob.encode(), path.encode()))
            continue
        seen_blobs.add(blob)
        blob_bytes[0] += len(content)
        out.write(b"M 100644 inline %s\n" % path.encode())
        data(content)
    return marks[0]


def natural(name):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


# Vendor commits: every crate version in order, a new version replacing the old directory.
tree = {}  # path -> bytes, the tree of main
head = None
for crate in sorted(os.listdir(src), key=natural):
    root = os.path.join(src, crate)
    if not os.path.isdir(root):
        continue
    name = re.sub(r"-\d+\.\d+\.\d+.*$", "", crate)
    prefix = "vendor/%s/" % name
    changes = [(p, None) for p in sorted(tree) if p.startswith(prefix)]
    for p, _ in changes:
        del tree[p]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in sorted(filenames):
            full = os.path.join(dirpath, f)
            if os.path.islink(full) or os.path.getsize(full) > MAX_FILE:
                continue
            with open(full, "rb") as fh:
                content = fh.read()
            path = prefix + os.path.relpath(full, root)
            tree[path] = content
            changes.append((path, content))
    head = commit("refs/heads/main", "vendor %s" % crate, changes, [head] if head else [])

FAKE_PEM = b"-----BEGIN RSA PRIVATE KEY-----\n" + b"\n".join(
    hashlib.sha512(b"nhi-bench-%d" % i).hexdigest()[:64].encode() for i in range(12)
) + b"\n-----END RSA PRIVATE KEY-----\n"
PLANTS = {
    2: [("scripts/deploy.sh", b"#!/bin/sh\nexport GITHUB_TOKEN=ghp_" + b"Bench0123456789abcdefABCDEF0123456789"[:36] + b"\n")],
    3: [("config/prod.env", b"AWS_ACCESS_KEY_ID=AKIAZBENCHFAKE000001\n"
                            b"AWS_SECRET_ACCESS_KEY=bEnChFaKe/K7MDENG/bPxRfiCYEXAMPLEKEY0001\n"),
        ("keys/legacy_rsa", FAKE_PEM)],
    4: [("config/prod.env", None), ("keys/legacy_rsa", None), ("old/keys/legacy_rsa", FAKE_PEM)],
    5: [("old/keys/legacy_rsa", None)],
}


def edit(content, salt):
    lines = content.split(b"\n")
    at = stable(salt) % len(lines)
    note = b"// bench edit %s" % salt.encode()
    if stable(salt + "replace") % 3 == 0:
        lines[at] = note
    else:
        lines.insert(at, note)
    return b"\n".join(lines)


rnd = 0
while blob_bytes[0] < target:
    rnd += 1
    on_branch = rnd % 6 == 0
    ref = "refs/heads/feature/round-%d" % rnd if on_branch else "refs/heads/main"
    fork = head
    tip = head
    edited = [p for p in sorted(tree) if stable("%d:%s" % (rnd, p)) % 100 < 7]
    changes = [(p, edit(tree[p], "%d.%d" % (rnd, i))) for i, p in enumerate(edited)]
    changes += PLANTS.get(rnd, [])
    for i in range(0, len(changes), 25):
        batch = changes[i:i + 25]
        for p, content in batch:
            if content is None:
                tree.pop(p, None)
            else:
                tree[p] = content
        tip = commit(ref, "round %d: update %s" % (rnd, batch[0][0]), batch, [tip])
    if on_branch:
        # The merge starts from main's tree: carry the branch's changes over (blobs by id).
        net = dict(changes)
        head = commit("refs/heads/main", "Merge feature/round-%d" % rnd, sorted(net.items()), [fork, tip])
    else:
        head = tip
    if rnd % 5 == 0:
        if rnd % 10 == 0:
            out.write(b"tag v0.%d.0\nfrom :%d\ntagger Cy Release <cy@example.invalid> %d +0000\n"
                      % (rnd // 5, head, clock[0]))
            data(b"release v0.%d.0" % (rnd // 5))
        else:
            out.write(b"reset refs/tags/v0.%d.0\nfrom :%d\n\n" % (rnd // 5, head))
    if rnd == 7:
        commit("refs/heads/experiment/webhooks", "try slack notifications",
               [("notify.py", b"WEBHOOK = 'https://hooks.slack.com/services/T0BENCH00/B0BENCH00/bEnChFaKeWeBhOoK0000000'\n")],
               [head])
    if rnd == 8:
        hotfix = commit("refs/heads/tmp-hotfix", "hotfix billing",
                        [("billing/stripe.toml", b"[stripe]\nkey = \"sk_live_bEnChFaKe00000000000000\"\n")],
                        [head])
        out.write(b"tag v0-hotfix\nfrom :%d\ntagger Cy Release <cy@example.invalid> %d +0000\n"
                  % (hotfix, clock[0]))
        data(b"hotfix")

out.write(b"done\n")
print("commits %d, distinct blobs %d, blob bytes %d (%.0f MB), edit rounds %d"
      % (commits[0], len(seen_blobs), blob_bytes[0], blob_bytes[0] / 1e6, rnd), file=sys.stderr)
PY

if git -C "$out" show-ref -q --verify refs/heads/tmp-hotfix; then
  git -C "$out" branch -q -D tmp-hotfix # the hotfix stays reachable through its tag only
fi
echo "repacking (ordinary deltas) ..." >&2
git -C "$out" repack -adq
git -C "$out" checkout -q -f main
du -sh "$out/.git" >&2
