"""One clock: no module but ``lab.clock`` reads the wall clock (monotonic timers are fine).

A reading is any use of ``datetime.now``/``utcnow``/``today``, ``date.today`` or ``time.time``
(called or passed as a default clock), or importing ``time.time`` by name (``datetime.time``,
a time of day, is no clock). The clock, the pure classification package and the migrations
(frozen history) are exempt, each with its reason below.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[3]
PACKAGES = ("classification", "lab", "opendata", "sandbox")
WALL_CLOCK = {
    "datetime": {"now", "utcnow", "today"},
    "date": {"today"},
    "time": {"time", "time_ns"},
}
ALLOWED = {
    "lab/clock.py": "the clock itself",
    # classification/ imports nothing of the lab (DESIGN §3); callers may pass ``today``.
    "classification/validators.py": "pure package: the date-of-birth check defaults to today",
}
FROZEN_HISTORY = "lab/db/migrations/versions/"  # a migration stays as it ran; it never changes


def _readings(path: Path) -> list[str]:
    """Each wall-clock reading in ``path``, as ``line: name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.attr in WALL_CLOCK.get(node.value.id, ()):
                found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            for alias in node.names:
                if alias.name in WALL_CLOCK["time"]:
                    found.append(f"{node.lineno}: from time import {alias.name}")
    return found


def _checked_modules() -> list[Path]:
    return [
        module
        for package in PACKAGES
        for module in sorted((ROOT / package).rglob("*.py"))
        if "node_modules" not in module.parts
        and not module.relative_to(ROOT).as_posix().startswith(FROZEN_HISTORY)
    ]


def test_only_the_clock_reads_the_wall_clock() -> None:
    """Every current date and time comes from ``lab.clock`` (so one place can stop it)."""
    violations = [
        f"{where}:{reading}"
        for module in _checked_modules()
        if (where := module.relative_to(ROOT).as_posix()) not in ALLOWED
        for reading in _readings(module)
    ]
    assert violations == []


def test_checker_sees_each_kind_of_reading(tmp_path) -> None:
    """The reader catches calls, a clock passed by reference and name imports; not monotonic."""
    module = tmp_path / "m.py"
    module.write_text(
        "import time\nfrom datetime import UTC, date, datetime, time as day_time\n"
        "from time import time as t\n"
        "a = datetime.now(UTC)\nb = datetime.utcnow()\nc = date.today()\n"
        "def f(clock=time.time): return time.monotonic() + time.perf_counter()\n"
    )
    assert [line.split(": ")[1] for line in _readings(module)] == [
        "from time import time",
        "datetime.now",
        "datetime.utcnow",
        "date.today",
        "time.time",
    ]
