"""The kernel environment: a read-only venv from Debian's system Python, built once and cached.

Sandbox users cannot execute the pyenv interpreter in root's home, so the venv is made from
``/usr/bin/python3`` (DESIGN §5). It holds pandas, numpy, matplotlib, ipykernel, the single-user
server of the hub's own JupyterHub release, the Notebook interface and the notebook client SDK —
no database driver, no storage client, no credential. The venv is keyed by what goes into it, so a rebuild happens only
when the wanted packages change; the SDK is re-copied whenever its source changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import sandbox.client

SYSTEM_PYTHON = Path("/usr/bin/python3")
STAMP = "datalab-kernel-env.json"


def wanted_packages() -> tuple[str, ...]:
    """What the kernel environment installs; the single-user server matches the hub's release."""
    return (
        "pandas>=2.2",
        "numpy>=1.26",
        "matplotlib>=3.8",
        "ipykernel>=6.29",
        "jupyter-server>=2.14",
        "notebook>=7.2",
        f"jupyterhub=={version('jupyterhub')}",
    )


@dataclass(frozen=True)
class KernelEnvironment:
    """A built environment: where it is and how long the build took (0 when cached)."""

    path: Path
    build_seconds: float

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def singleuser(self) -> Path:
        return self.path / "bin" / "jupyterhub-singleuser"


def environment_key(packages: tuple[str, ...] = ()) -> str:
    """A short digest of the interpreter and the packages: the cache key of one venv."""
    text = json.dumps([str(SYSTEM_PYTHON), list(packages or wanted_packages())])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def sdk_digest() -> str:
    """A digest of the notebook client SDK's source files."""
    digest = hashlib.sha256()
    for source in sorted(_sdk_dir().glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()[:16]


def ensure_kernel_env(root: Path) -> KernelEnvironment:
    """The cached environment under ``root``, building the venv or refreshing the SDK if needed."""
    path = root / environment_key()
    started = time.monotonic()
    stamp = _read_stamp(path)
    if stamp is None:
        _build_venv(path)
        stamp = {"packages": list(wanted_packages())}
    if stamp.get("sdk") != sdk_digest():
        _install_sdk(path)
        stamp["sdk"] = sdk_digest()
        (path / STAMP).write_text(json.dumps(stamp))
        _make_read_only(path)
    elapsed = time.monotonic() - started
    return KernelEnvironment(path, round(elapsed, 1) if elapsed > 1 else 0.0)


def _read_stamp(path: Path) -> dict | None:
    try:
        return json.loads((path / STAMP).read_text())
    except (OSError, ValueError):
        return None


def _build_venv(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o755)
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", str(path)], check=True)
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-input"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *wanted_packages()], check=True)


def _install_sdk(path: Path) -> None:
    (site,) = (path / "lib").glob("python3*/site-packages")
    target = site / "sandbox"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(_sdk_dir(), target / "client", ignore=shutil.ignore_patterns("__pycache__"))
    (target / "__init__.py").write_text('"""The notebook client SDK (``sandbox.client``)."""\n')


def _make_read_only(path: Path) -> None:
    """Root owns the environment; sandbox users may read and execute it, never write."""
    subprocess.run(["chown", "-R", "root:root", str(path)], check=True)
    subprocess.run(["chmod", "-R", "u+rwX,go+rX,go-w", str(path)], check=True)


def _sdk_dir() -> Path:
    return Path(sandbox.client.__file__).parent
