"""Where things are in the cluster: the release's names, pod labels and ports.

Zero to JupyterHub (with ``fullnameOverride: ""``) names the hub's Service ``hub`` and labels
its pods ``app: jupyterhub``, ``release: <release>`` and ``component: hub`` or
``component: singleuser-server``; the NetworkPolicies select pods by those labels. The gateway
relay (``sandbox.relay``) runs as a hub-managed service inside the hub pod, on a second port of
the hub's Service, so a server has exactly two destinations, as on a single host: the hub API
and the relay. The relay forwards to the lab's Service in the lab's namespace.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.settings import LabSettings

HUB_SERVICE = "hub"
HUB_API_PORT = 8081
RELAY_PORT = 8082
SERVER_PORT = 8888
DNS_PORT = 53
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}  # CoreDNS and kube-dns both carry this label
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # set by Kubernetes on every namespace


@dataclass(frozen=True)
class ClusterLayout:
    """The release's namespace and name, and where the lab's gateway is."""

    namespace: str
    release: str
    lab_namespace: str
    lab_service: str
    lab_port: int

    @classmethod
    def from_settings(cls, settings: LabSettings) -> ClusterLayout:
        return cls(
            settings.sandbox_k8s_namespace,
            settings.sandbox_k8s_release,
            settings.sandbox_k8s_lab_namespace,
            settings.sandbox_k8s_lab_service,
            settings.port,
        )

    def pod_labels(self, component: str) -> dict[str, str]:
        """The labels Zero to JupyterHub gives pods of ``component`` in this release."""
        return {"app": "jupyterhub", "release": self.release, "component": component}

    @property
    def server_labels(self) -> dict[str, str]:
        return self.pod_labels("singleuser-server")

    @property
    def hub_labels(self) -> dict[str, str]:
        return self.pod_labels("hub")

    @property
    def hub_api_url(self) -> str:
        return f"http://{HUB_SERVICE}:{HUB_API_PORT}"

    @property
    def gateway_url(self) -> str:
        """The DP gateway as servers reach it: the relay's port on the hub's Service."""
        return f"http://{HUB_SERVICE}:{RELAY_PORT}"

    @property
    def lab_gateway(self) -> str:
        """``host:port`` of the lab's Service, which the relay forwards allowed requests to."""
        return f"{self.lab_service}.{self.lab_namespace}.svc:{self.lab_port}"
