"""NetworkPolicy semantics for egress, enough to ask "may this pod open that connection?".

Kubernetes' rules: a pod selected by no policy with ``Egress`` in its types may go anywhere;
otherwise a connection is allowed when any rule of any selecting policy allows it. A rule with no
``to`` allows every destination and one with no ``ports`` every port; a peer with only a
``podSelector`` means pods of the policy's own namespace; ``namespaceSelector`` with a
``podSelector`` means both must match.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Endpoint:
    """A destination: a pod (labels, its namespace and the namespace's labels) or a bare IP."""

    namespace: str = ""
    labels: dict = field(default_factory=dict)
    namespace_labels: dict = field(default_factory=dict)
    ip: str = ""


def _matches(selector: dict, labels: dict) -> bool:
    assert set(selector) <= {"matchLabels"}, f"selector form not modelled: {selector}"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _peer_matches(peer: dict, policy_namespace: str, to: Endpoint) -> bool:
    assert "ipBlock" not in peer, "ipBlock peers are not modelled (and not expected)"
    if not to.labels and not to.namespace:
        return False  # a bare IP is matched by ipBlock peers only
    if "namespaceSelector" in peer:
        in_namespace = _matches(peer["namespaceSelector"], to.namespace_labels)
    else:
        in_namespace = to.namespace == policy_namespace
    return in_namespace and _matches(peer.get("podSelector", {}), to.labels)


def _port_matches(rule_ports: list[dict] | None, port: int, protocol: str) -> bool:
    if not rule_ports:
        return True
    return any(p.get("protocol", "TCP") == protocol and p.get("port") == port for p in rule_ports)


def egress_allowed(
    policies: list[dict], pod: Endpoint, to: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    """Whether ``pod`` may open a connection to ``to`` on ``port``/``protocol``."""
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == pod.namespace
        and _matches(p["spec"]["podSelector"], pod.labels)
        and "Egress" in p["spec"]["policyTypes"]
    ]
    if not selecting:
        return True
    for policy in selecting:
        namespace = policy["metadata"]["namespace"]
        for rule in policy["spec"].get("egress", []):
            peers = rule.get("to")
            reached = not peers or any(_peer_matches(p, namespace, to) for p in peers)
            if reached and _port_matches(rule.get("ports"), port, protocol):
                return True
    return False
