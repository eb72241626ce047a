"""After the sandbox suite, nothing it started is left: processes, namespaces, links, tables.

Runs after the other sandbox modules (file order) and also checks a hub of its own whose
kernel left a background process running when the hub was stopped.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sandbox.cgroups import PARENT, detect_layout
from tests.fixtures.sandbox_hub import (
    STARTED,
    SandboxWorld,
    skip_unless_isolation_possible,
    start_sandbox,
    stop_sandbox,
)

pytestmark = pytest.mark.timeout(300)
MARKER = "987654"


def _command_lines() -> list[str]:
    lines = []
    for entry in Path("/proc").iterdir():
        try:
            lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ValueError):
            continue
    return lines


def _leftovers(world: SandboxWorld) -> list[str]:
    network = world.hub.layout.network
    found = []
    if world.hub.process.poll() is None:
        found.append("the hub process")
    traces = [
        str(world.settings.home),
        str(world.settings.sandbox_root),
        f"{network.hub_address}:",
        f"sleep {MARKER}",
    ]
    found += [line for line in _command_lines() if any(t in line for t in traces)]
    found += network.namespaces()
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
    found += [
        name for name in links.split() if name.startswith((network.bridge, f"cdl{network.tag}-"))
    ]
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout
    if network.table in tables:
        found.append(f"nft table {network.table}")
    layout = detect_layout()
    for base in {layout.memory, layout.pids}:
        found += [str(p) for p in (base / PARENT).glob(f"cdl{network.tag}-*")]
    if world.settings.sandbox_root.exists():
        found.append(str(world.settings.sandbox_root))
    return found


def test_nothing_left_after_hub_stops() -> None:
    """21: a hub stopped with a running server (and a kernel's background process) leaves no
    process, namespace, link, nft table, cgroup or test directory — nor did earlier modules."""
    skip_unless_isolation_possible()
    world = start_sandbox("teardown")
    try:
        client = world.client
        client.start_server("analyst")
        token = client.user_token("analyst")
        code = f"import subprocess; subprocess.Popen(['sleep', '{MARKER}']); print('started')"
        kernel = client.new_kernel("analyst", token)
        assert client.execute("analyst", token, code, kernel=kernel).stdout.strip() == "started"
        assert any(f"sleep {MARKER}" in line for line in _command_lines())
    finally:
        stop_sandbox(world)
    for earlier in STARTED:
        assert _leftovers(earlier) == [], earlier.hub.layout.url
