"""Building a server's pod with the real KubeSpawner, offline.

KubeSpawner loads a Kubernetes client configuration when it is created; a kubeconfig naming a
closed local port satisfies it, and ``get_pod_manifest`` never calls the API. The client reads
``KUBECONFIG`` once, when it is imported, into ``KUBE_CONFIG_DEFAULT_LOCATION``: tests point
that at the offline file.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest
from kubernetes_asyncio.client import ApiClient
from kubernetes_asyncio.config import kube_config
from traitlets.config import Config

from tests.unit.sandbox.kube.z2jh import spawner_config

OFFLINE_KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: offline
clusters:
- name: offline
  cluster: {server: "https://127.0.0.1:9"}
contexts:
- name: offline
  context: {cluster: offline, user: nobody}
users:
- name: nobody
  user: {}
"""


def use_offline_kubeconfig(patch: pytest.MonkeyPatch, directory: Path) -> None:
    """Make the Kubernetes client load a kubeconfig for a cluster that is never contacted."""
    path = directory / "kubeconfig"
    path.write_text(OFFLINE_KUBECONFIG, encoding="utf-8")
    patch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))


def spawner_class(values: dict) -> type:
    """The class ``hub.config.JupyterHub.spawner_class`` names."""
    module, _, name = values["hub"]["config"]["JupyterHub"]["spawner_class"].rpartition(".")
    return getattr(importlib.import_module(module), name)


def build_pod(values: dict, release: str) -> dict:
    """The pod the hub's spawner builds from these values, as the API would receive it.

    The spawner gets every ``hub.config`` section, as the chart's hub loads them, with
    ``KubeSpawner`` as the chart's mapping leaves it.
    """
    kind = spawner_class(values)
    sections = values["hub"]["config"]
    config = Config({**sections, "KubeSpawner": spawner_config(values, release)})

    async def build() -> dict:
        spawner = kind(config=config, _mock=True)
        spawner.api_token = "hub-api-token"  # a placeholder the env carries
        pod = await spawner.get_pod_manifest()
        async with ApiClient() as client:
            return client.sanitize_for_serialization(pod)

    return asyncio.run(build())
