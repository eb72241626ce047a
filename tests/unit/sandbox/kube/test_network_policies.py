"""Servers may reach exactly the hub API and the gateway relay (and cluster DNS), nothing else."""

from __future__ import annotations

import pytest

from tests.unit.sandbox.kube.conftest import DEFAULT_SETTINGS
from tests.unit.sandbox.kube.policy_semantics import Endpoint, egress_allowed

NAMESPACE = DEFAULT_SETTINGS["DATALAB_SANDBOX_K8S_NAMESPACE"]
RELEASE = DEFAULT_SETTINGS["DATALAB_SANDBOX_K8S_RELEASE"]
CHART = {"app": "jupyterhub", "release": RELEASE}
HERE = {"kubernetes.io/metadata.name": NAMESPACE}


def _pod(component: str, **extra: str) -> Endpoint:
    return Endpoint(NAMESPACE, {**CHART, "component": component, **extra}, HERE)


SERVER = _pod("singleuser-server", **{"hub.jupyter.org/network-access-hub": "true"})
HUB = _pod("hub", **{"hub.jupyter.org/network-access-singleuser": "true"})
PROXY = _pod("proxy", **{"hub.jupyter.org/network-access-singleuser": "true"})
OTHER_SERVER = _pod("singleuser-server", **{"hub.jupyter.org/username": "other"})
KUBE_DNS = Endpoint(
    "kube-system", {"k8s-app": "kube-dns"}, {"kubernetes.io/metadata.name": "kube-system"}
)
OTHER_KUBE_SYSTEM = Endpoint(
    "kube-system", {"component": "kube-apiserver"}, {"kubernetes.io/metadata.name": "kube-system"}
)
LAB = Endpoint(
    "datalab",
    {"app.kubernetes.io/name": "city-data-lab"},
    {"kubernetes.io/metadata.name": "datalab"},
)
ALLOWED = [(HUB, 8081, "TCP"), (HUB, 8082, "TCP"), (KUBE_DNS, 53, "UDP"), (KUBE_DNS, 53, "TCP")]
REFUSED = [
    (HUB, 8000, "TCP"),
    (HUB, 8081, "UDP"),
    (PROXY, 8000, "TCP"),
    (PROXY, 8001, "TCP"),
    (OTHER_SERVER, 8888, "TCP"),
    (KUBE_DNS, 9153, "TCP"),
    (OTHER_KUBE_SYSTEM, 53, "UDP"),
    (OTHER_KUBE_SYSTEM, 443, "TCP"),
    (LAB, 8600, "TCP"),
    (Endpoint(ip="169.254.169.254"), 80, "TCP"),
    (Endpoint(ip="93.184.216.34"), 443, "TCP"),
    (Endpoint(ip="10.0.0.1"), 443, "TCP"),
]  # fmt: skip


@pytest.mark.parametrize(("to", "port", "protocol"), ALLOWED)
def test_server_reaches_hub_api_relay_and_dns(policies, to, port, protocol) -> None:
    """The two destinations (and DNS to kube-dns only) are open to a server."""
    assert egress_allowed(policies, SERVER, to, port, protocol)


@pytest.mark.parametrize(("to", "port", "protocol"), REFUSED)
def test_server_reaches_nothing_else(policies, to, port, protocol) -> None:
    """Proxy, other servers, the lab, the API server, metadata and the Internet are closed."""
    assert not egress_allowed(policies, SERVER, to, port, protocol)


def test_egress_rules_are_exactly_the_two_destinations_and_dns(policies) -> None:
    """Every egress rule names its peers and ports: the hub's two ports and kube-dns's 53."""
    server = {"matchLabels": {**CHART, "component": "singleuser-server"}}
    rules = [r for p in policies for r in p["spec"].get("egress", [])]
    assert all(p["spec"]["podSelector"] == server for p in policies)
    opened = {
        (tuple(sorted(peer.get("podSelector", {}).get("matchLabels", {}).items())),
         port["protocol"], port["port"])
        for rule in rules for peer in rule["to"] for port in rule["ports"]
    }  # fmt: skip
    hub = tuple(sorted({**CHART, "component": "hub"}.items()))
    dns = (("k8s-app", "kube-dns"),)
    assert opened == {(hub, "TCP", 8081), (hub, "TCP", 8082), (dns, "UDP", 53), (dns, "TCP", 53)}


def test_default_deny_selects_servers_both_ways(policies) -> None:
    """A policy with no rules selects every server for ingress and egress."""
    (deny,) = [p for p in policies if p["metadata"]["name"].endswith("default-deny")]
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert (deny["spec"]["ingress"], deny["spec"]["egress"]) == ([], [])
    assert not egress_allowed([deny], SERVER, HUB, 8081)


def test_only_proxy_and_hub_reach_a_server(policies) -> None:
    """Ingress comes only from pods the chart marks for it, on the server's port."""
    rules = [r for p in policies for r in p["spec"].get("ingress", [])]
    (rule,) = rules
    assert rule["from"] == [
        {"podSelector": {"matchLabels": {"hub.jupyter.org/network-access-singleuser": "true"}}}
    ]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8888}]


def test_chart_server_policy_is_replaced(values) -> None:
    """The chart's own server policy (which opens the proxy) is off; ours replaces it."""
    assert values["singleuser"]["networkPolicy"] == {"enabled": False}


def test_relay_and_gateway_address_agree(values) -> None:
    """The relay listens where the hub Service, the servers and the policies expect; it forwards
    to the lab's Service on the lab's port."""
    hub = values["hub"]
    (extra,) = hub["service"]["extraPorts"]
    command = hub["services"]["gateway-relay"]["command"]
    listen = command[command.index("--listen") + 1]
    gateway = hub["config"]["KubeSpawner"]["environment"]["DATALAB_GATEWAY_URL"]
    assert extra["port"] == extra["targetPort"] == int(listen.rsplit(":", 1)[1]) == 8082
    assert gateway == "http://hub:8082"
    assert command[command.index("--target") + 1] == "city-data-lab.datalab.svc:8600"
    (ingress,) = hub["networkPolicy"]["ingress"]
    assert ingress["ports"] == [{"protocol": "TCP", "port": 8082}]
    assert ingress["from"] == [
        {"podSelector": {"matchLabels": {**CHART, "component": "singleuser-server"}}}
    ]


def test_policies_live_in_the_release_namespace(policies) -> None:
    """NetworkPolicies only select pods of their own namespace: the hub's."""
    assert {p["metadata"]["namespace"] for p in policies} == {NAMESPACE}
