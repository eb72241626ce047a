"""The configuration ``datalab sandbox k8s`` writes, generated once per run through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.unit.lab.cli.shell import datalab

DEFAULT_SETTINGS = {
    "DATALAB_SANDBOX_MEMORY_MB": "3072",
    "DATALAB_SANDBOX_CPU": "1.5",
    "DATALAB_SANDBOX_HOME_GB": "7",
    "DATALAB_SANDBOX_CULL_TIMEOUT": "600",
    "DATALAB_SANDBOX_SERVER_HOURS": "8",
    "DATALAB_SANDBOX_K8S_NAMESPACE": "sandboxes",
    "DATALAB_SANDBOX_K8S_RELEASE": "cdl",
}


def generate(directory: Path, **settings: str) -> tuple[dict, list[dict]]:
    """Run ``datalab sandbox k8s --out`` and read back the values and the policies."""
    out = directory / "k8s"
    result = datalab(directory / "home", "sandbox", "k8s", "--out", str(out), **settings)
    assert result.returncode == 0, result.stderr
    values = yaml.safe_load((out / "values.yaml").read_text(encoding="utf-8"))
    policies = list(yaml.safe_load_all((out / "network-policies.yaml").read_text("utf-8")))
    return values, policies


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> tuple[dict, list[dict]]:
    """Values and policies for a lab with non-default sandbox settings."""
    return generate(tmp_path_factory.mktemp("k8s"), **DEFAULT_SETTINGS)


@pytest.fixture(scope="session")
def values(generated) -> dict:
    return generated[0]


@pytest.fixture(scope="session")
def policies(generated) -> list[dict]:
    return generated[1]
