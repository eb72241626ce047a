"""Imports point one way (DESIGN §3): classification ← lab ← opendata, lab ← sandbox.

Every module's static imports are read with ``ast``; the notebook client SDK imports nothing of
the lab at all (it speaks HTTP).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[3]
PACKAGES = ("classification", "lab", "opendata", "sandbox")
ALLOWED = {
    "classification": set(),
    "lab": {"classification"},
    "opendata": {"lab", "classification"},
    "sandbox": {"lab", "classification"},
}
CLIENT_SDK = "sandbox/client"
CLASSIFICATION_FORBIDDEN = {"sqlalchemy", "fastapi", "starlette", "minio", "requests", "httpx"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def test_packages_import_only_downstream() -> None:
    """No package imports one it must not (e.g. lab importing opendata)."""
    violations = []
    for package in PACKAGES:
        forbidden = set(PACKAGES) - ALLOWED[package] - {package}
        for module in _modules(package):
            for name in _imports(module) & forbidden:
                violations.append(f"{module.relative_to(ROOT)} imports {name}")
    assert violations == []


def test_classification_is_pure() -> None:
    """classification/ uses no web, database or storage library."""
    bad = [
        f"{m.relative_to(ROOT)} imports {n}"
        for m in _modules("classification")
        for n in _imports(m) & CLASSIFICATION_FORBIDDEN
    ]
    assert bad == []


def test_client_sdk_speaks_http_only() -> None:
    """The notebook client SDK imports nothing from the lab's packages."""
    bad = [
        f"{m.relative_to(ROOT)} imports {n}"
        for m in sorted((ROOT / CLIENT_SDK).rglob("*.py"))
        for n in _imports(m) & set(PACKAGES)
    ]
    assert bad == []


def test_checker_sees_a_violation(tmp_path) -> None:
    """The import reader catches both import forms, so the rules above can fail."""
    module = tmp_path / "m.py"
    module.write_text("import opendata.web\nfrom sandbox import x\nfrom . import y\n")
    assert _imports(module) == {"opendata", "sandbox"}
