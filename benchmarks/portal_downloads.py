"""Benchmark the portal's open downloads over real HTTP, against a plain file read in the same run.

    .venv/bin/python benchmarks/portal_downloads.py [--size-mb 1024] [--clients 200]

Sets up a lab in ``benchmarks/.work/`` (git-ignored) and publishes a small open dataset through
the real ingest → decide → publish path, then measures:

* **build**: the first CSV request of a 200,000-row dataset (Parquet → CSV, cached in the store);
* **1 GB download**: a built CSV of ``--size-mb`` (written in place of the built file, with its
  checksum sidecar) fetched over HTTP from uvicorn (in this process) by ``curl`` writing to
  /dev/null, against reading the same object file in 1 MiB blocks — cold (the file evicted from
  the page cache first) and warm (cached); the ratios are the figures. As a second reference the
  same file is sent by the kernel (``sendfile``, no HTTP framework, no Python in the data path)
  over loopback to the same ``curl``: the ceiling any server reaches on this machine. Warm phases
  are interleaved over ``--repeat`` rounds and medians shown. The process's resident memory is
  sampled every 50 ms during each download;
* **concurrency**: ``--clients`` simultaneous downloads of the dataset's CSV (errors counted).

Prints a markdown table; removes its work folder.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from classification import Tier
from lab.app import create_app
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.ingest.pipeline import ingest
from lab.services import open_services
from lab.settings import LabSettings
from opendata.portal.catalogue import get_public
from opendata.portal.downloads import ensure_file

WORK = Path(__file__).resolve().parent / ".work" / "portal-downloads"
MIB = 1024 * 1024


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def publish_dataset(lab, rows: int) -> None:
    path = WORK / "routes.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["线路", "区", "站点数", "里程"])
        writer.writerows([f"{i}路", "市南区", str(10 + i % 30), str(i % 97)] for i in range(rows))
    meta = DatasetMeta(title="公交线路（基准）", department="市交通运输局", slug="bench-routes")
    with path.open("rb") as stream:
        version_id = ingest(lab, stream, path.name, meta, actor="bench").version_id
    with transaction(lab.sessions) as session:
        version = get_version(session, version_id)
        decide(session, lab.audit, version=version, tier=Tier.T1, justification="", actor="bench")
    publish(lab, version_id=version_id, actor="bench")


def replace_built_csv(lab, size_mb: int) -> Path:
    """Write a ``size_mb`` CSV object where the built CSV lives, with a matching sidecar."""
    with lab.sessions() as session:
        dataset = get_public(session, "bench-routes")
    made = ensure_file(lab, dataset, "csv")
    target = lab.settings.home / "objects" / made.key
    row = "1路,市南区,12,34,一段用于填充的中文备注文字\r\n".encode()
    block = row * (MIB // len(row) + 1)
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for _ in range(size_mb):
            out.write(block[:MIB])
            digest.update(block[:MIB])
    meta = json.dumps({"size": size_mb * MIB, "sha256": digest.hexdigest(), "bom_sha256": ""})
    (lab.settings.home / "objects" / f"{made.key}.json").write_text(meta)
    return target


def evict(path: Path) -> None:
    """Drop ``path`` from the page cache, as a multi-GB object mostly is not cached."""
    with path.open("rb") as source:
        os.posix_fadvise(source.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def read_file(path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as source:
        while source.read(MIB):
            pass
    return time.perf_counter() - started


def download(url: str) -> tuple[float, int, float]:
    peak, stop = [rss_mb()], threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak.append(rss_mb())

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    fetched = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}", url],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed, total = time.perf_counter() - started, int(fetched.stdout)
    stop.set()
    sampler.join()
    return elapsed, total, max(peak) - peak[0]


def sendfile_ceiling(path: Path) -> float:
    """Seconds for ``curl`` to fetch ``path`` from a bare socket the kernel fills by sendfile."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_once() -> None:
        conn, _ = listener.accept()
        with conn, path.open("rb") as source:
            conn.recv(65536)
            size = path.stat().st_size
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
            conn.sendall(head.encode())
            conn.sendfile(source)

    server = threading.Thread(target=serve_once)
    server.start()
    try:
        return download(f"http://127.0.0.1:{port}/")[0]
    finally:
        server.join()
        listener.close()


async def concurrent(url: str, clients: int) -> tuple[float, int, int]:
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        started = time.perf_counter()
        answers = await asyncio.gather(
            *(client.get(url) for _ in range(clients)), return_exceptions=True
        )
        elapsed = time.perf_counter() - started
    good = [a for a in answers if isinstance(a, httpx.Response) and a.status_code == 200]
    sizes = {len(a.content) for a in good}
    return elapsed, len(good), len(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    lab = open_services(LabSettings(home=WORK / "home"))
    try:
        publish_dataset(lab, args.rows)
        with lab.sessions() as session:
            dataset = get_public(session, "bench-routes")
        started = time.perf_counter()
        built = ensure_file(lab, dataset, "csv")
        build_seconds = time.perf_counter() - started
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(lab), host="127.0.0.1", port=port, log_config=None, log_level="warning"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{port}"
        while not server.started:
            time.sleep(0.05)
        url = f"{base}/datasets/bench-routes/download/csv"
        many = asyncio.run(concurrent(url, args.clients))
        target = replace_built_csv(lab, args.size_mb)
        evict(target)
        plain_cold = read_file(target)
        evict(target)
        elapsed_cold, _total, _grown = download(url)
        read_file(target)  # now cached, for every warm measurement alike
        plains, ceilings, elapsed_all, grown = [], [], [], 0.0
        for _ in range(args.repeat):
            plains.append(read_file(target))
            ceilings.append(sendfile_ceiling(target))
            elapsed_one, total, grown_one = download(url)
            elapsed_all.append(elapsed_one)
            grown = max(grown, grown_one)
        plain, ceiling = statistics.median(plains), statistics.median(ceilings)
        elapsed = statistics.median(elapsed_all)
        server.should_exit = True
        thread.join(timeout=30)
    finally:
        lab.close()
        shutil.rmtree(WORK, ignore_errors=True)
    size_mb = total / MIB
    print("| measurement | figure |\n|---|---|")
    print(
        f"| first CSV request, {args.rows:,} rows ({built.size / MIB:.1f} MB) | "
        f"{build_seconds:.2f} s |"
    )
    print(
        f"| plain file read, {args.size_mb} MB, warm | {plain:.2f} s "
        f"({size_mb / plain:,.0f} MB/s) |"
    )
    print(
        f"| kernel sendfile over loopback to curl, {size_mb:.0f} MB | {ceiling:.2f} s "
        f"({size_mb / ceiling:,.0f} MB/s) |"
    )
    print(f"| HTTP download, {size_mb:.0f} MB | {elapsed:.2f} s ({size_mb / elapsed:,.0f} MB/s) |")
    print(f"| **download / plain read throughput, warm page cache** | **{plain / elapsed:.2f}** |")
    print(f"| download / kernel sendfile throughput, warm | {ceiling / elapsed:.2f} |")
    print(f"| plain file read, cold | {plain_cold:.2f} s ({size_mb / plain_cold:,.0f} MB/s) |")
    print(f"| HTTP download, cold | {elapsed_cold:.2f} s ({size_mb / elapsed_cold:,.0f} MB/s) |")
    print(f"| **download / plain read throughput, cold** | **{plain_cold / elapsed_cold:.2f}** |")
    print(f"| resident memory growth during the download | {grown:.0f} MB |")
    print(
        f"| {args.clients} concurrent CSV downloads | {many[1]} × 200 OK, identical bodies: "
        f"{many[2] == 1}, {many[0]:.2f} s |"
    )


if __name__ == "__main__":
    main()
