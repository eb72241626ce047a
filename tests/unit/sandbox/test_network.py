"""The sandbox network's names and firewall rules, derived from one private /24."""

from __future__ import annotations

import pytest

from sandbox.network import SandboxNetwork


def test_names_and_addresses_follow_the_subnet() -> None:
    """Bridge, table, namespaces and addresses carry the subnet's third octet."""
    network = SandboxNetwork("10.231.42.0/24")
    assert (network.bridge, network.table, network.hub_address) == (
        "cdlbr42",
        "datalab_sandbox_42",
        "10.231.42.1",
    )
    ns = network.namespace(7)
    assert (ns.name, ns.address, ns.path) == ("cdl42-7", "10.231.42.7", "/run/netns/cdl42-7")
    assert len(ns.host_veth) <= 15  # Linux interface names


@pytest.mark.parametrize("subnet", ["8.8.8.0/24", "10.231.0.0/16", "192.168.1.0/25"])
def test_only_private_slash_24s(subnet: str) -> None:
    """A public or differently sized subnet is refused."""
    with pytest.raises(ValueError, match="private /24"):
        _ = SandboxNetwork(subnet).bridge


@pytest.mark.parametrize("index", [0, 1, 255])
def test_server_index_excludes_network_hub_and_broadcast(index: int) -> None:
    """.0, .1 (the hub) and .255 are never given to a server."""
    with pytest.raises(ValueError):
        SandboxNetwork("10.231.42.0/24").namespace(index)


def test_firewall_allows_only_the_two_kernel_ports_on_the_hub_address() -> None:
    """From the bridge: new connections only to the given ports on .1; all else dropped, and
    nothing is forwarded to or from the bridge."""
    rules = SandboxNetwork("10.231.42.0/24").firewall_rules((8612, 8613))
    assert (
        'iifname "cdlbr42" ip daddr 10.231.42.1 tcp dport { 8612, 8613 } ct state new accept'
        in rules
    )
    assert rules.count(" accept\n") == 2  # established replies and the two ports, no more
    assert 'iifname "cdlbr42" counter drop' in rules
    assert 'oifname "cdlbr42" counter drop' in rules
    assert rules.startswith("table inet datalab_sandbox_42")  # IPv4 and IPv6 alike
