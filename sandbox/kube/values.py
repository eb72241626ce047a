"""The Helm values for Zero to JupyterHub, and the files ``datalab sandbox k8s`` writes.

The pod's restrictions sit in ``hub.config.KubeSpawner``, which the chart's hub applies after
mapping ``singleuser.*``, so they hold whatever the chart's defaults say. ``singleuser.*`` is
used only where the chart itself acts on it: the image (also pre-pulled), switching off its own
server NetworkPolicy (replaced by ``sandbox.kube.network``), its privileged iptables init
container (the egress policy already denies the metadata address) and its home storage (the
home claim is configured with the pod). The hub needs the lab's database, read from a Secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from lab.settings import LabSettings
from sandbox.hub_config import activity_interval
from sandbox.kube.layout import RELAY_PORT, ClusterLayout
from sandbox.kube.network import hub_policy_values, network_policies
from sandbox.kube.pod import spawner_config

SPAWNER_CLASS = "sandbox.kube.spawner.LabKubeSpawner"
AUTHENTICATOR_CLASS = "sandbox.authenticator.LabAuthenticator"
TEMPLATES_CONFIG = (
    "from sandbox.hub_config import TEMPLATES\nc.JupyterHub.template_paths = [str(TEMPLATES)]\n"
)
"""The hub's pages in Chinese with the English switch, from the project installed in the image
(its path is the image's, so it is resolved there, not where the values are written)."""
HUB_SECRET = "datalab-hub"  # noqa: S105 (a Secret's name; it holds `database-url`)
VALUES_FILE = "values.yaml"
POLICIES_FILE = "network-policies.yaml"


def image(reference: str) -> dict[str, str]:
    """Split ``name:tag`` (the settings insist on a tag) into the chart's image fields."""
    name, _, tag = reference.rpartition(":")
    return {"name": name, "tag": tag}


def relay_service(layout: ClusterLayout) -> dict:
    """The gateway relay as a hub-managed service: listens in the hub pod, forwards to the lab."""
    listen = f"0.0.0.0:{RELAY_PORT}"  # inside the hub pod; the policies gate it
    command = ["python3", "-m", "sandbox.relay", "--listen", listen, "--target", layout.lab_gateway]
    return {"command": command}


def hub_values(settings: LabSettings, layout: ClusterLayout) -> dict:
    """``hub``: our image, the lab database from a Secret, the relay, the spawner's config."""
    database = {"secretKeyRef": {"name": HUB_SECRET, "key": "database-url"}}
    relay_port = {"name": "gateway-relay", "port": RELAY_PORT, "targetPort": RELAY_PORT}
    return {
        "image": image(settings.sandbox_k8s_hub_image),
        "extraEnv": {"DATALAB_DATABASE_URL": {"valueFrom": database}},
        "service": {"extraPorts": [relay_port]},
        "networkPolicy": hub_policy_values(layout),
        "services": {"gateway-relay": relay_service(layout)},
        "extraConfig": {"datalab-templates": TEMPLATES_CONFIG},
        "config": {
            "JupyterHub": {
                "authenticator_class": AUTHENTICATOR_CLASS,
                "spawner_class": SPAWNER_CLASS,
                "last_activity_interval": activity_interval(settings.sandbox_cull_timeout),
            },
            "KubeSpawner": spawner_config(settings, layout),
            "LabKubeSpawner": {"token_hours": settings.sandbox_server_hours},
        },
    }


def helm_values(settings: LabSettings) -> dict:
    """The values file for ``helm upgrade --install … jupyterhub/jupyterhub``."""
    layout = ClusterLayout.from_settings(settings)
    return {
        "fullnameOverride": "",
        "hub": hub_values(settings, layout),
        "singleuser": {
            "image": image(settings.sandbox_k8s_server_image),
            "networkPolicy": {"enabled": False},
            "cloudMetadata": {"blockWithIptables": False},
            "storage": {"type": "none"},
        },
        "cull": {
            "enabled": True,
            "users": False,
            "timeout": settings.sandbox_cull_timeout,
            "every": settings.sandbox_cull_every,
            "maxAge": settings.sandbox_server_hours * 3600,
        },
    }


@dataclass(frozen=True)
class KubernetesConfig:
    """What ``datalab sandbox k8s`` produces: Helm values and NetworkPolicy manifests."""

    values: dict
    policies: list[dict]

    @classmethod
    def from_settings(cls, settings: LabSettings) -> KubernetesConfig:
        return cls(helm_values(settings), network_policies(ClusterLayout.from_settings(settings)))

    def files(self) -> dict[str, str]:
        """File name → YAML text (the policies as one multi-document stream)."""
        return {
            VALUES_FILE: _yaml([self.values]),
            POLICIES_FILE: _yaml(self.policies),
        }

    def write(self, directory: Path) -> list[Path]:
        """Write both files into ``directory`` (created if missing); returns their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.files().items():
            path = directory / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written


def _yaml(documents: list[dict]) -> str:
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True)
