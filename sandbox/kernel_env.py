"""The kernel environment: a read-only venv from Debian's system Python, built once and cached.

Sandbox users cannot execute the pyenv interpreter in root's home, so the venv is made from
``/usr/bin/python3`` (DESIGN §5). It holds pandas, numpy, matplotlib, ipykernel, the single-user
server of the hub's own JupyterHub release and the Notebook interface with its Chinese language
pack (the interface starts in Chinese; 设置 → 语言 switches it per user) — no database driver, no
storage client, no credential. The venv is keyed by what goes into it, so a rebuild happens only
when the wanted packages change. The notebook client SDK sits beside it in its own read-only
directory keyed by the SDK's source digest (kernels get it on ``PYTHONPATH``), so checkouts with
different SDK versions on one machine never overwrite each other's. The SDK directory also holds
the kernels' ``matplotlibrc`` (a CJK font first, so Chinese labels render): ``kernel_environ``
is what a kernel's environment needs to find both.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import sandbox.client
from sandbox.shared_dirs import SHARED_MODE, make_shared_dir

SYSTEM_PYTHON = Path("/usr/bin/python3")
STAMP = "datalab-kernel-env.json"
MATPLOTLIBRC = "matplotlibrc"


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
        "jupyterlab-language-pack-zh-CN>=4.2",
    )


UI_DEFAULTS = {"@jupyterlab/translation-extension:plugin": {"locale": "zh_CN"}}
"""Settings the Notebook interface starts from (its ``overrides.json``): Chinese first."""


@dataclass(frozen=True)
class KernelEnvironment:
    """A built environment: the venv, the SDK directory, the build's seconds (0 when cached)."""

    path: Path
    sdk: Path
    build_seconds: float

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def singleuser(self) -> Path:
        return self.path / "bin" / "jupyterhub-singleuser"


def environment_key(packages: tuple[str, ...] = ()) -> str:
    """A short digest of the interpreter and the packages: the cache key of one venv."""
    text = json.dumps([str(SYSTEM_PYTHON), list(packages or wanted_packages()), UI_DEFAULTS])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def kernel_environ(sdk: Path) -> dict[str, str]:
    """Environment variables that give a kernel the SDK and its plotting defaults."""
    return {
        "PYTHONPATH": str(sdk),
        "MATPLOTLIBRC": str(sdk / "sandbox" / "client" / MATPLOTLIBRC),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


def sdk_digest() -> str:
    """A digest of the notebook client SDK's source files and its ``matplotlibrc``."""
    digest = hashlib.sha256()
    for source in sorted([*_sdk_dir().glob("*.py"), _sdk_dir() / MATPLOTLIBRC]):
        digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()[:16]


def ensure_kernel_env(root: Path) -> KernelEnvironment:
    """The cached environment under ``root``, building the venv or the SDK directory if needed."""
    path = root / environment_key()
    started = time.monotonic()
    if _read_stamp(path) is None:
        _build_venv(path)
        (path / STAMP).write_text(json.dumps({"packages": list(wanted_packages())}))
        _make_read_only(path)
    sdk = root / f"sdk-{sdk_digest()}"
    if not (sdk / "sandbox" / "client" / "__init__.py").exists():
        _install_sdk(sdk)
    elapsed = time.monotonic() - started
    return KernelEnvironment(path, sdk, round(elapsed, 1) if elapsed > 1 else 0.0)


def _read_stamp(path: Path) -> dict | None:
    try:
        return json.loads((path / STAMP).read_text())
    except (OSError, ValueError):
        return None


def _build_venv(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
    make_shared_dir(path.parent)
    path.parent.chmod(SHARED_MODE)
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", str(path)], check=True)
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-input"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *wanted_packages()], check=True)
    settings = path / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(UI_DEFAULTS, ensure_ascii=False))


def _install_sdk(target: Path) -> None:
    """Copy the SDK into ``target`` (whole or not at all: built aside, then renamed)."""
    staging = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    make_shared_dir(target.parent)
    shutil.rmtree(staging, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(_sdk_dir(), staging / "sandbox" / "client", ignore=ignore)
    (staging / "sandbox" / "__init__.py").write_text('"""The notebook client SDK."""\n')
    _make_read_only(staging)
    staging.rename(target)


def _make_read_only(path: Path) -> None:
    """Root owns the environment; sandbox users may read and execute it, never write."""
    subprocess.run(["chown", "-R", "root:root", str(path)], check=True)
    subprocess.run(["chmod", "-R", "u+rwX,go+rX,go-w", str(path)], check=True)


def _sdk_dir() -> Path:
    return Path(sandbox.client.__file__).parent
