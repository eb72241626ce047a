"""Cgroup layout detection and limits, on fake v1 and v2 trees (no real cgroup touched)."""

from __future__ import annotations

from sandbox.cgroups import PARENT, CgroupLayout, ServerCgroup, detect_layout


def _v2(root):
    root.mkdir(exist_ok=True)
    (root / "cgroup.controllers").write_text("cpu io memory pids")
    return root


def _v1(root):
    (root / "memory").mkdir(parents=True)
    (root / "memory" / "memory.limit_in_bytes").write_text("max")
    (root / "pids").mkdir()
    return root


def test_detects_v2_v1_or_nothing(tmp_path) -> None:
    """v2 with memory+pids controllers, else v1 hierarchies, else None."""
    assert detect_layout(_v2(tmp_path / "two")) == CgroupLayout(tmp_path / "two", tmp_path / "two")
    one = _v1(tmp_path / "one")
    assert detect_layout(one) == CgroupLayout(one / "memory", one / "pids")
    (tmp_path / "none").mkdir()
    assert detect_layout(tmp_path / "none") is None


def test_v1_limits_written(tmp_path) -> None:
    """v1: memory.limit_in_bytes and pids.max under datalab-sandbox/<server>."""
    layout = detect_layout(_v1(tmp_path))
    ServerCgroup(layout, "cdl42-3").create(memory_bytes=512 * 2**20, max_processes=128)
    assert (layout.memory / PARENT / "cdl42-3" / "memory.limit_in_bytes").read_text() == str(
        512 * 2**20
    )
    assert (layout.pids / PARENT / "cdl42-3" / "pids.max").read_text() == "128"


def test_v2_limits_and_controllers(tmp_path) -> None:
    """v2: memory.max, no swap, pids.max, and the controllers enabled down the tree."""
    layout = detect_layout(_v2(tmp_path))
    ServerCgroup(layout, "cdl42-3").create(memory_bytes=2**30, max_processes=64)
    group = tmp_path / PARENT / "cdl42-3"
    assert (group / "memory.max").read_text() == str(2**30)
    assert (group / "memory.swap.max").read_text() == "0"
    assert (group / "pids.max").read_text() == "64"
    assert (tmp_path / PARENT / "cgroup.subtree_control").read_text() == "+memory +pids"
