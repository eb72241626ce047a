"""The NetworkPolicies around sandbox servers: deny everything, then allow two destinations.

A server may open connections to exactly two ports of the hub pod — the hub API (8081) and the
gateway relay (8082) — and may ask the cluster's DNS (port 53 of the ``kube-dns`` pods in
``kube-system``). DNS is allowed because servers reach both by the hub Service's name
(``hub``): Service addresses are assigned when the chart is installed, so no generated rule or
environment can name them in advance. Nothing else: no other server, no lab, no object store,
no cloud metadata address, no Internet. Only proxy and hub pods (the chart's
``hub.jupyter.org/network-access-singleuser`` label) may open connections to a server.

Zero to JupyterHub's own server policy is switched off in the values: it always lets servers
reach the proxy, and policies add up, so a second, wider policy would undo this one. The hub's
policy (the chart's) gets one extra ingress rule (servers to the relay port) and one egress rule
(the hub to the lab's namespace: the gateway and the lab's database).
"""

from __future__ import annotations

from typing import Any

from sandbox.kube.layout import (
    DNS_NAMESPACE,
    DNS_POD_LABELS,
    DNS_PORT,
    HUB_API_PORT,
    NAMESPACE_NAME_LABEL,
    RELAY_PORT,
    SERVER_PORT,
    ClusterLayout,
)

SINGLEUSER_ACCESS_LABEL = "hub.jupyter.org/network-access-singleuser"


def _policy(layout: ClusterLayout, name: str, spec: dict) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": name,
            "namespace": layout.namespace,
            "labels": {"app.kubernetes.io/part-of": "city-data-lab"},
        },
        "spec": spec,
    }


def default_deny(layout: ClusterLayout) -> dict:
    """Selects every server and allows nothing, in either direction."""
    spec = {
        "podSelector": {"matchLabels": layout.server_labels},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [],
        "egress": [],
    }
    return _policy(layout, "sandbox-servers-default-deny", spec)


def server_egress(layout: ClusterLayout) -> dict:
    """Servers to the hub API and the relay (TCP), and to the cluster DNS (UDP and TCP)."""
    hub: dict[str, Any] = {"to": [{"podSelector": {"matchLabels": layout.hub_labels}}]}
    hub["ports"] = [
        {"protocol": "TCP", "port": HUB_API_PORT},
        {"protocol": "TCP", "port": RELAY_PORT},
    ]
    dns_pods = {
        "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: DNS_NAMESPACE}},
        "podSelector": {"matchLabels": DNS_POD_LABELS},
    }
    dns = {
        "to": [dns_pods],
        "ports": [
            {"protocol": "UDP", "port": DNS_PORT},
            {"protocol": "TCP", "port": DNS_PORT},
        ],
    }
    spec = {
        "podSelector": {"matchLabels": layout.server_labels},
        "policyTypes": ["Egress"],
        "egress": [hub, dns],
    }
    return _policy(layout, "sandbox-servers-egress", spec)


def server_ingress(layout: ClusterLayout) -> dict:
    """The proxy and the hub (pods labelled for it) to the server's port; no one else."""
    source = {"podSelector": {"matchLabels": {SINGLEUSER_ACCESS_LABEL: "true"}}}
    spec = {
        "podSelector": {"matchLabels": layout.server_labels},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [source], "ports": [{"protocol": "TCP", "port": SERVER_PORT}]}],
    }
    return _policy(layout, "sandbox-servers-ingress", spec)


def network_policies(layout: ClusterLayout) -> list[dict]:
    """Every NetworkPolicy the sandbox namespace needs besides the chart's own."""
    return [default_deny(layout), server_egress(layout), server_ingress(layout)]


def hub_policy_values(layout: ClusterLayout) -> dict:
    """``hub.networkPolicy`` additions: servers may reach the relay; the hub reaches the lab."""
    servers = {"podSelector": {"matchLabels": layout.server_labels}}
    lab = {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: layout.lab_namespace}}}
    return {
        "enabled": True,
        "ingress": [{"from": [servers], "ports": [{"protocol": "TCP", "port": RELAY_PORT}]}],
        "egress": [{"to": [lab]}],
    }
