"""Imports point one way (DESIGN §3): classification ← lab ← opendata, lab ← sandbox.

Every module's static imports are read with ``ast``; the notebook client SDK imports nothing of
the lab at all (it speaks HTTP). At the HTTP edge, routes (``lab.api``) and pages (``lab.web``,
the portal) both call the domain and never each other; shared plumbing is in ``lab.http``, and
only the composition root ``lab.app`` sees them all. Domain packages know nothing of HTTP.
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


# The HTTP edge: who may not import whom (dotted prefixes; a module matches its sub-modules).
PAGES = ("lab/web", "opendata/web", "opendata/ckan")
EDGE_PLUMBING = ("lab/http",)
PORTAL_DOMAIN = ("opendata/portal", "opendata/vocabularies")
COMPOSITION_ROOTS = ("lab/app.py", "lab/cli/serve.py")
LAB_EDGE = ("lab.api", "lab.web", "lab.http", "lab.app")
WEB_FRAMEWORKS = ("fastapi", "starlette")


def _full_imports(path: Path) -> set[str]:
    """Every module ``path`` imports statically, by its full dotted name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _imports(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _full_imports(path)}


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _edge_violations(module: Path, root: Path = ROOT) -> list[str]:
    """The HTTP-edge rules ``module`` (a file under ``root``) breaks, one line each."""
    where = module.relative_to(root).as_posix()
    if where in COMPOSITION_ROOTS or where.startswith("tests/"):
        return []
    imported = _full_imports(module)
    if where.startswith(PORTAL_DOMAIN):
        forbidden: tuple[str, ...] = (
            *LAB_EDGE,
            *WEB_FRAMEWORKS,
            "opendata.web",
            "opendata.ckan.routes",
        )
    elif where.startswith(PAGES):
        forbidden = ("lab.api.routes", "lab.app")
    elif where.startswith(EDGE_PLUMBING):
        forbidden = ("lab.api", "lab.web", "lab.app", "opendata")
    elif where.startswith("lab/api"):
        forbidden = ("lab.web", "lab.app", "opendata")
    elif where.startswith(("lab/", "classification/")):
        forbidden = (*LAB_EDGE, *WEB_FRAMEWORKS)  # domain: no route, page, plumbing or framework
    else:
        return []
    return [f"{where} imports {name}" for name in sorted(imported) if _under(name, forbidden)]


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


def test_http_edge_points_one_way() -> None:
    """Pages and the portal never import routes; routes never import pages; lab.http imports
    neither; domain packages (the lab's and the portal's) import no route, page, HTTP plumbing,
    FastAPI or Starlette."""
    violations = [
        line
        for package in ("classification", "lab", "opendata")
        for module in _modules(package)
        for line in _edge_violations(module)
    ]
    assert violations == []


def test_edge_rules_catch_each_kind_of_violation(tmp_path) -> None:
    """Each edge rule fails when someone adds the import it forbids."""
    cases = {
        "lab/web/x.py": "from lab.api.routes.steward import list_negative\n",
        "opendata/web/x.py": "import lab.api.routes.objects\n",
        "lab/api/routes/x.py": "from lab.web import pages\n",
        "lab/http/x.py": "from lab.api.routes import auth\n",
        "lab/catalogue/x.py": "from fastapi import Request\n",
        "lab/identity/x.py": "from starlette.responses import Response\n",
        "lab/gateway/x.py": "from lab.http.deps import DbDep\n",
        "opendata/portal/x.py": "from opendata.web.rendering import render\n",
        "opendata/vocabularies/x.py": "import fastapi\n",
    }
    for where, source in cases.items():
        module = tmp_path / where
        module.parent.mkdir(parents=True, exist_ok=True)
        module.write_text(source)
        assert _edge_violations(module, tmp_path), where
    allowed = tmp_path / "lab/app.py"
    allowed.write_text("from lab.api.routes import auth\nfrom lab.web import site\n")
    assert _edge_violations(allowed, tmp_path) == []
