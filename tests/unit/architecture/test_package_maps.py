"""Every package says what it holds: its ``__init__`` docstring names each module and
sub-package in it, so a reader finds a module's job from the package map (STYLE §1).

A name counts when it appears as a word (``forms``, ``kms_jar``), not inside another name.
The numbered Alembic migrations are the one exception: Alembic lists them (``datalab db``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[3]
PACKAGES = ("classification", "lab", "opendata", "sandbox")
UNMAPPED = {"lab/db/migrations/versions"}


def _folders_with_code() -> list[Path]:
    """Every folder under the packages that holds Python modules (node_modules aside)."""
    found = {
        module.parent
        for package in PACKAGES
        for module in (ROOT / package).rglob("*.py")
        if "node_modules" not in module.parts
    }
    return sorted(f for f in found if f.relative_to(ROOT).as_posix() not in UNMAPPED)


def _members(folder: Path) -> list[str]:
    modules = [p.stem for p in folder.glob("*.py") if p.stem != "__init__"]
    packages = [p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.py"))]
    return sorted(modules + packages)


def unmapped_members(folder: Path) -> list[str]:
    """The modules and sub-packages of ``folder`` its ``__init__`` docstring does not name (all
    of them, and ``__init__.py`` itself, when the file or its docstring is missing)."""
    init = folder / "__init__.py"
    if not init.exists():
        return ["__init__.py", *_members(folder)]
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    return [
        name
        for name in _members(folder)
        if not re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", docstring)
    ]


def test_every_package_maps_its_modules() -> None:
    """Each package's ``__init__`` docstring names every module and sub-package it holds."""
    gaps = {
        folder.relative_to(ROOT).as_posix(): missing
        for folder in _folders_with_code()
        if (missing := unmapped_members(folder))
    }
    assert gaps == {}


def test_checker_sees_a_missing_init_and_an_unnamed_module(tmp_path) -> None:
    """A folder without ``__init__.py``, and a module the docstring leaves out, are both caught;
    a name inside a longer one does not count."""
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "reader.py").write_text("")
    assert unmapped_members(bare) == ["__init__.py", "reader"]
    mapped = tmp_path / "mapped"
    mapped.mkdir()
    (mapped / "__init__.py").write_text('"""``reader_extra`` and ``writer``."""\n')
    for name in ("reader", "writer"):
        (mapped / f"{name}.py").write_text("")
    assert unmapped_members(mapped) == ["reader"]
