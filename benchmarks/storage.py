"""Benchmark encryption at rest against plain file I/O on the same machine, in the same run.

    .venv/bin/python benchmarks/storage.py [--size-mb 1024] [--repeat 3]

Writes a random-ish file under ``benchmarks/.work/`` (git-ignored), then times, each in a fresh
subprocess and interleaved over ``--repeat`` rounds (medians reported):

* write baseline: ``shutil.copyfile`` into the local store's folder, then fsync (the store fsyncs
  every put, so this is the like-for-like copy); the copy without fsync is shown too;
* read baseline: a streaming read of the file in 1 MiB blocks;
* plain ``LocalObjectStore`` put and get, to separate the store's cost from the cryptography's;
* sealed put (sha256 + AES-256-GCM + store) from the file, and sealed get (fetch + decrypt);
* the file read and the sealed get again with a cold cache: the phase first evicts its own file
  from the page cache (``posix_fadvise(DONTNEED)``, after fsync), as a multi-GB object mostly is.

Peak memory is the phase subprocess's own maximum resident set (``getrusage(RUSAGE_SELF)``),
interpreter and imports included. Warm reads come from the page cache: the files were just
written and the machine has far more RAM than the object. Prints a markdown table; cleans up.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lab.crypto import Keyring, SealedObjectStore
from lab.storage import LocalObjectStore

WORK_ROOT = Path(__file__).resolve().parent / ".work"
MIB = 1024 * 1024
DISTINCT_BLOCKS = 64
BASELINES = {
    "copy_fsync": "copy_fsync",
    "copy_no_fsync": "copy_fsync",
    "plain_put": "copy_fsync",
    "sealed_put": "copy_fsync",
    "read_file": "read_file",
    "plain_get": "read_file",
    "sealed_get": "read_file",
    "read_file_cold": "read_file_cold",
    "sealed_get_cold": "read_file_cold",
}
LABELS = {
    "copy_fsync": "baseline write: `shutil.copyfile` + fsync",
    "copy_no_fsync": "`shutil.copyfile`, no fsync (for reference)",
    "plain_put": "plain `LocalObjectStore.put` (no encryption)",
    "sealed_put": "**sealed put**: sha256 + AES-256-GCM + store",
    "read_file": "baseline read: file read loop, 1 MiB blocks",
    "plain_get": "plain `LocalObjectStore.get` (no decryption)",
    "sealed_get": "**sealed get**: fetch + decrypt",
    "read_file_cold": "baseline read, cold cache",
    "sealed_get_cold": "**sealed get**, cold cache",
}
SEALED_KEY = "bench/sealed.bin"
PLAIN_KEY = "bench/plain.bin"


def make_input(path: Path, size_mb: int) -> None:
    """``size_mb`` MiB cycling through a few random 1 MiB blocks: fast to make, incompressible."""
    blocks = [os.urandom(MIB) for _ in range(DISTINCT_BLOCKS)]
    with path.open("wb") as sink:
        for index in range(size_mb):
            sink.write(blocks[index % DISTINCT_BLOCKS])


def bench_keyring() -> Keyring:
    return Keyring("bench", {"bench": os.urandom(32)})


def fsync_file(path: Path, *, evict: bool = False) -> None:
    """Flush ``path`` to disk; with ``evict``, then drop its (now clean) pages from the cache."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
        if evict:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


def settle(work: Path) -> None:
    """Flush what a phase left dirty (the unsynced copy) so it does not slow the next phase."""
    for path in (work / "objects").rglob("*"):
        if path.is_file():
            fsync_file(path)


def phase_action(name: str, work: Path) -> Callable[[], None]:
    """The timed body of one phase; set-up (opening stores, keys) stays outside the timing."""
    source, store = work / "input.bin", LocalObjectStore(work / "objects")
    sealed = SealedObjectStore(store, bench_keyring())
    copy_target = store.root / "copy.bin"

    def copy(sync: bool) -> None:
        shutil.copyfile(source, copy_target)
        if sync:
            fsync_file(copy_target)

    def put(target: LocalObjectStore | SealedObjectStore, key: str) -> None:
        with source.open("rb") as data:
            target.put(key, data, length=source.stat().st_size)

    def drain(chunks) -> None:
        for _chunk in chunks:
            pass

    def read_file() -> None:
        with source.open("rb") as data:
            drain(iter(lambda: data.read(MIB), b""))

    if name.startswith("sealed_get"):  # the key was drawn in this process: seal first, untimed
        put(sealed, SEALED_KEY)
    if name.endswith("_cold"):
        fsync_file(store.root / SEALED_KEY if name.startswith("sealed") else source, evict=True)
    return {
        "copy_fsync": lambda: copy(sync=True),
        "copy_no_fsync": lambda: copy(sync=False),
        "plain_put": lambda: put(store, PLAIN_KEY),
        "sealed_put": lambda: put(sealed, SEALED_KEY),
        "read_file": read_file,
        "plain_get": lambda: drain(store.get(PLAIN_KEY)),
        "sealed_get": lambda: drain(sealed.get(SEALED_KEY)),
        "read_file_cold": read_file,
        "sealed_get_cold": lambda: drain(sealed.get(SEALED_KEY)),
    }[name]


def run_phase(name: str, work: Path) -> None:
    """Child process: time one phase and print its seconds and peak RSS as JSON."""
    action = phase_action(name, work)
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    settle(work)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mib": peak_mib}))


def measure(name: str, work: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--phase", name, "--work", str(work)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def run_rounds(work: Path, repeat: int) -> dict[str, list[dict[str, float]]]:
    """Interleave the phases round by round so drift in a shared machine hits them alike."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name in LABELS}
    measure("plain_put", work)  # the plain object the read phases fetch
    for _round in range(repeat):
        for name in LABELS:
            results[name].append(measure(name, work))
    return results


def table(results: dict[str, list[dict[str, float]]], size_mb: int) -> str:
    rows = [
        "| phase | seconds (median) | min–max | MiB/s | ratio to baseline | peak RSS (MiB, max) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    seconds = {name: statistics.median(r["seconds"] for r in rs) for name, rs in results.items()}
    for name in LABELS:
        ratio = seconds[BASELINES[name]] / seconds[name]
        peak = max(r["peak_rss_mib"] for r in results[name])
        spread = [r["seconds"] for r in results[name]]
        rows.append(
            f"| {LABELS[name]} | {seconds[name]:.2f} | {min(spread):.2f}–{max(spread):.2f} "
            f"| {size_mb / seconds[name]:,.0f} | {ratio:.2f} | {peak:.0f} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="object size in MiB")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--phase", choices=sorted(LABELS), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, args.work)
        return
    WORK_ROOT.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="storage-", dir=WORK_ROOT))
    try:
        make_input(work / "input.bin", args.size_mb)
        results = run_rounds(work, args.repeat)
    finally:
        shutil.rmtree(work)
    print(f"{args.size_mb} MiB object, {args.repeat} rounds, {os.cpu_count()} CPUs")
    print(table(results, args.size_mb))


if __name__ == "__main__":
    main()
