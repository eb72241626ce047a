"""Benchmark the sandbox hub: spawn-to-ready, first execute, memory per sandbox, how many fit.

    .venv/bin/python -m benchmarks.sandbox [--spawns 3] [--concurrent 8]   (from the repo root)

Needs root, bwrap and nft (as the system tests). Starts the same lab-plus-hub world the system
tests use (a private subnet, its own ports), then measures:

* spawn-to-ready: REST request to the server answering ready, median of ``--spawns`` cold starts
  (each a fresh namespace, cgroup and bubblewrap; the kernel venv already built);
* first execute: new kernel + first cell over the websocket, and a first DP query cell (SDK
  import, gateway round trip through the relay);
* memory: ``--concurrent`` servers running at once, each with one kernel that imported pandas
  and matplotlib, read from each server's memory cgroup; "fit" is how many such sandboxes the
  machine's available memory holds at that size (CPU is shared and not the limit for idle ones).

Prints a markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from lab.db import transaction
from lab.db.models import Organisation, User
from lab.identity import Role
from lab.identity.accounts import create_user
from sandbox.cgroups import PARENT, detect_layout
from tests.fixtures.sandbox_hub import PASSWORD, start_sandbox, stop_sandbox

WARM_KERNEL = "import pandas, matplotlib.pyplot, sandbox.client; print('ready')"
DP_SQL = 'SELECT "所属区", COUNT(*) FROM tax GROUP BY "所属区"'
DP_CELL = f"from sandbox.client import Lab\nprint(len(Lab().query({DP_SQL!r}, epsilon=0.01)))"


def _memory_bytes(cgroup: str) -> int:
    layout = detect_layout()
    group = layout.memory / PARENT / cgroup
    name = "memory.current" if layout.unified else "memory.usage_in_bytes"
    return int((group / name).read_text())


def _available_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


def _add_members(world, count: int) -> list[str]:
    """More users in analyst's organisation (so in its approved project)."""
    names = [f"bench{i}" for i in range(count)]
    with transaction(world.lab.sessions) as s:
        org_id = s.query(User).filter_by(username="analyst").one().organisation_id
        org = s.get(Organisation, org_id)
        for name in names:
            create_user(s, world.lab.audit, actor="bench", username=name, roles=[Role.ANALYST],
                        password=PASSWORD, organisation=org.name)  # fmt: skip
    return names


def measure(spawns: int, concurrent: int) -> dict[str, float]:
    world = start_sandbox("bench", sandbox_memory_mb=1024, sandbox_max_processes=256)
    client = world.client
    try:
        ready = []
        for _ in range(spawns):
            ready.append(client.start_server("analyst"))
            client.stop_server("analyst")
        client.start_server("analyst")
        token = client.user_token("analyst")
        started = time.monotonic()
        client.execute("analyst", token, "print(1)")
        first_cell = time.monotonic() - started
        started = time.monotonic()
        client.execute("analyst", token, DP_CELL)
        first_query = time.monotonic() - started
        client.stop_server("analyst")
        users = _add_members(world, concurrent)
        available_before = _available_bytes()
        kernels = []
        for user in users:
            client.start_server(user)
            user_token = client.user_token(user)
            kernel = client.new_kernel(user, user_token)
            client.execute(user, user_token, WARM_KERNEL, kernel=kernel)
            kernels.append(client.server_model(user)["state"]["cgroup"])
        per_server = [_memory_bytes(cgroup) for cgroup in kernels]
        used = available_before - _available_bytes()
        for user in users:
            client.stop_server(user)
    finally:
        stop_sandbox(world)
    median_memory = statistics.median(per_server)
    return {
        "spawn_to_ready_s": statistics.median(ready),
        "spawn_to_ready_max_s": max(ready),
        "first_cell_s": first_cell,
        "first_dp_query_s": first_query,
        "concurrent": concurrent,
        "memory_per_sandbox_mib": median_memory / 2**20,
        "host_memory_used_mib": used / 2**20,
        "fit": int(available_before // median_memory),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spawns", type=int, default=3)
    parser.add_argument("--concurrent", type=int, default=8)
    arguments = parser.parse_args()
    result = measure(arguments.spawns, arguments.concurrent)
    print("| measure | value |\n|---|---|")
    print(f"| spawn-to-ready, median of {arguments.spawns} | {result['spawn_to_ready_s']:.1f} s "
          f"(max {result['spawn_to_ready_max_s']:.1f} s) |")  # fmt: skip
    print(f"| first cell (new kernel + `print`) | {result['first_cell_s']:.1f} s |")
    print(
        f"| first DP query cell (new kernel, SDK, gateway) | {result['first_dp_query_s']:.1f} s |"
    )
    print(f"| sandboxes running at once | {result['concurrent']} |")
    print(f"| memory per sandbox (server + kernel with pandas and matplotlib) | "
          f"{result['memory_per_sandbox_mib']:.0f} MiB |")  # fmt: skip
    print(f"| host memory used by them | {result['host_memory_used_mib']:.0f} MiB |")
    print(f"| sandboxes that fit in available memory | {result['fit']} |")


if __name__ == "__main__":
    main()
