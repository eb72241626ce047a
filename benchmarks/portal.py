"""The open-data portal's benchmarks in one command: search, then downloads.

    .venv/bin/python benchmarks/portal.py [--datasets 10000] [--queries 300] [--postgres URL]
                                          [--size-mb 1024] [--clients 200] [--repeat 3]

Runs ``benchmarks/portal_search.py`` (p95 of catalogue search with ``--datasets`` visible
datasets, on SQLite and on PostgreSQL unless ``--postgres ''``) and then
``benchmarks/portal_downloads.py`` (a ``--size-mb`` download against a plain read and the
loopback sendfile ceiling in the same run, memory growth, ``--clients`` concurrent downloads),
each in its own process so neither warms the other's caches. Both print markdown tables.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="10000")
    parser.add_argument("--queries", default="300")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "DATALAB_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--size-mb", default="1024")
    parser.add_argument("--clients", default="200")
    parser.add_argument("--repeat", default="3")
    args = parser.parse_args()
    runs = (
        [
            "portal_search.py",
            "--datasets",
            args.datasets,
            "--queries",
            args.queries,
            "--postgres",
            args.postgres,
        ],
        [
            "portal_downloads.py",
            "--size-mb",
            args.size_mb,
            "--clients",
            args.clients,
            "--repeat",
            args.repeat,
        ],
    )
    for script, *options in runs:
        print(f"## {script}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / script), *options], check=False)
        if done.returncode:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
