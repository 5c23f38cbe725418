#!/usr/bin/env python3
"""Generate a tree of small files for `bench/scan-small-files.sh`.

Usage: gen-small-files.py OUT_DIR [COUNT]

Makes COUNT files (default 100,000) of 200 B to 4 KiB in nested folders: source-like text, config
files, and one file in a hundred a PEM certificate or key copied from the demo estate, so the sources
have real work to do. Deterministic (fixed seed): the same tree every run.
"""
import os
import random
import sys

WORDS = ("service account token deploy build cache request handler config value user role "
         "policy cluster namespace secret rotate expire issue bucket queue worker retry").split()
EXTS = [".py", ".rs", ".go", ".yaml", ".json", ".txt", ".md", ".toml", ".sh", ".env"]


def main() -> None:
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    here = os.path.dirname(os.path.abspath(__file__))
    estate = os.path.join(here, "..", "examples", "demo-estate")
    pem_files = []
    for root, _, files in os.walk(estate):
        for name in files:
            with open(os.path.join(root, name), "rb") as fh:
                data = fh.read()
            # Only real PEM files: a JSON key file holding an escaped PEM is no `.pem`.
            if data.lstrip().startswith(b"-----BEGIN"):
                pem_files.append(data)
    rng = random.Random(42)
    for i in range(count):
        folder = os.path.join(out, f"d{i // 1000:03d}", f"s{(i // 100) % 10}")
        os.makedirs(folder, exist_ok=True)
        if pem_files and i % 100 == 0:
            path = os.path.join(folder, f"f{i}.pem")
            data = pem_files[i // 100 % len(pem_files)]
        else:
            path = os.path.join(folder, f"f{i}{rng.choice(EXTS)}")
            size = rng.randint(200, 4096)
            lines = []
            total = 0
            while total < size:
                line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
                lines.append(line)
                total += len(line) + 1
            data = ("\n".join(lines) + "\n").encode()
        with open(path, "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main()
