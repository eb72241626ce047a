"""What the kernel environment holds, how it is keyed, and the read-only SDK directory."""

from __future__ import annotations

import os
from importlib.metadata import version

from sandbox import kernel_env
from sandbox.kernel_env import environment_key, wanted_packages

FORBIDDEN = (
    "psycopg",
    "minio",
    "boto",
    "duckdb",
    "sqlalchemy",
    "pymysql",
    "redis",
    "city-data-lab",
)


def test_packages_for_analysis_only() -> None:
    """pandas, numpy, matplotlib, ipykernel and the hub's own single-user release; no driver,
    storage client or lab code is asked for."""
    wanted = wanted_packages()
    names = {w.split(">")[0].split("=")[0] for w in wanted}
    assert {"pandas", "numpy", "matplotlib", "ipykernel", "jupyterhub"} <= names
    assert f"jupyterhub=={version('jupyterhub')}" in wanted
    assert not [w for w in wanted if w.startswith(FORBIDDEN)]


def test_key_changes_with_the_packages() -> None:
    """The cache key is stable for the same packages and differs for others."""
    assert environment_key() == environment_key(wanted_packages())
    assert environment_key(("pandas",)) != environment_key()


def test_interface_starts_in_chinese(monkeypatch) -> None:
    """15: the Chinese language pack is installed and the interface's default locale is zh_CN;
    changing that default gives a new environment (the settings file is built into it)."""
    assert any(w.startswith("jupyterlab-language-pack-zh-CN") for w in wanted_packages())
    assert kernel_env.UI_DEFAULTS["@jupyterlab/translation-extension:plugin"] == {"locale": "zh_CN"}
    before = environment_key()
    monkeypatch.setattr(kernel_env, "UI_DEFAULTS", {})
    assert environment_key() != before


def test_sdk_directory_is_complete_and_read_only(tmp_path) -> None:
    """The SDK copy has the client package and nothing writable by others."""
    target = tmp_path / "sdk-x"
    kernel_env._install_sdk(target)
    assert (target / "sandbox" / "client" / "lab.py").exists()
    assert not list(target.rglob("__pycache__"))
    for path in target.rglob("*"):
        assert not path.stat().st_mode & 0o022, path
    if os.geteuid() == 0:
        assert target.stat().st_uid == 0


def test_sdk_reachable_by_others_under_the_private_umask(tmp_path) -> None:
    """``datalab`` runs with umask 077; folders it creates on the way to the SDK must still let
    a sandbox user through (a fresh machine once got a 0700 sandbox root and no server started)."""
    target = tmp_path / "sandbox-root" / "kernel-env" / "sdk-x"
    previous = os.umask(0o077)
    try:
        kernel_env._install_sdk(target)
    finally:
        os.umask(previous)
    for folder in (tmp_path / "sandbox-root", target.parent, target, target / "sandbox"):
        assert folder.stat().st_mode & 0o777 == 0o755, folder
    assert (target / "sandbox" / "client" / "lab.py").stat().st_mode & 0o004
