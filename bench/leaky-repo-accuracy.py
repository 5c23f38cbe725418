#!/usr/bin/env python3
"""Score `nhi secrets` on the leaky-repo benchmark (../shared/corpora/secrets/leaky-repo.bundle).

Usage: leaky-repo-accuracy.py REPORT.json CLONE_DIR
REPORT is `nhi secrets --format json` output, or a Betterleaks/gitleaks or Kingfisher JSON report.

The corpus labels, per file, how many lines are a risk and how many are informative (175 lines in
44 files); it has no line numbers, so each labelled file scores min(distinct lines found, labelled
lines). Prints the score out of the total, the per-file table, and the findings outside labelled
files (each must be justified).
"""
import csv
import json
import os
import sys


def findings_of(report):
    """`{path, line}` items of a report of nhi (a JSON array), Betterleaks or gitleaks
    (`findings[].location`) or Kingfisher (`findings[].finding`)."""
    if isinstance(report, list):
        return report
    items = []
    for finding in report.get("findings", []):
        if "location" in finding:
            where = finding["location"]
            items.append({"path": where.get("path"), "line": where.get("start_line")})
        elif "finding" in finding:
            where = finding["finding"]
            items.append({"path": where.get("path"), "line": where.get("line")})
    return items


def main() -> None:
    report = findings_of(json.load(open(sys.argv[1])))
    clone = sys.argv[2]
    labels = {}
    # Rows are `path,risk lines,informative lines` after a comment header.
    with open(os.path.join(clone, ".leaky-meta", "secrets.csv")) as fh:
        rows = [line for line in fh if line.strip() and not line.startswith("#")]
    for row in csv.reader(rows):
        labels[row[0].strip().lstrip("/")] = int(row[1] or 0) + int(row[2] or 0)
    found = {}
    for finding in report:
        path = finding.get("path") or ""
        rel = os.path.relpath(path, clone) if os.path.isabs(path) else path.removeprefix("./")
        found.setdefault(rel, set()).add(finding.get("line"))
    total = sum(labels.values())
    score = 0
    print(f"{'file':55} labelled found score")
    for path, labelled in sorted(labels.items()):
        lines = len(found.get(path, ()))
        score += min(lines, labelled)
        print(f"{path:55} {labelled:8} {lines:5} {min(lines, labelled):5}")
    extra = {p: sorted(l for l in lines if l) for p, lines in found.items() if p not in labels}
    print(f"\nscore: {score} / {total} over {len(labels)} labelled files")
    print("findings outside labelled files:", json.dumps(extra, indent=1) if extra else "none")


if __name__ == "__main__":
    main()
