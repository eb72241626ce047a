"""The sandbox network: one bridge, one network namespace per server, nftables in front of the host.

Every server gets its own namespace joined to the bridge by a veth pair whose bridge port is
*isolated* (isolated ports never forward to each other, so servers cannot reach one another).
The namespace has only the bridge subnet's link route — no default route, no way out. The
nftables table lets traffic from the bridge reach exactly two host ports on the bridge address
(the hub API and the gateway relay) and drops everything else, IPv4 and IPv6, input and forward.
All names carry the subnet's third octet, so two hubs on different subnets never collide.
"""

from __future__ import annotations

import ipaddress
import subprocess
from dataclasses import dataclass

NAMESPACE_PREFIX = "cdl"


def _run(*command: str, stdin: str | None = None) -> str:
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])}… failed: {done.stderr.strip()}")
    return done.stdout


@dataclass(frozen=True)
class ServerNamespace:
    """One server's network namespace and its address on the bridge."""

    name: str
    address: str
    host_veth: str

    @property
    def path(self) -> str:
        return f"/run/netns/{self.name}"


@dataclass(frozen=True)
class SandboxNetwork:
    """The bridge, its firewall table and the servers' namespaces for one private /24."""

    subnet: str

    @property
    def _net(self) -> ipaddress.IPv4Network:
        network = ipaddress.IPv4Network(self.subnet)
        if network.prefixlen != 24 or not network.is_private:
            raise ValueError(f"sandbox subnet {self.subnet!r}: use a private /24")
        return network

    @property
    def tag(self) -> str:
        return str(self._net.network_address).split(".")[2]

    @property
    def bridge(self) -> str:
        return f"{NAMESPACE_PREFIX}br{self.tag}"

    @property
    def table(self) -> str:
        return f"datalab_sandbox_{self.tag}"

    @property
    def hub_address(self) -> str:
        """The host's address on the bridge: the hub API and the gateway relay listen here."""
        return str(self._net.network_address + 1)

    def namespace(self, index: int) -> ServerNamespace:
        if not 2 <= index <= 254:
            raise ValueError("a server index is 2–254")
        name = f"{NAMESPACE_PREFIX}{self.tag}-{index}"
        return ServerNamespace(name, str(self._net.network_address + index), f"{name}h")

    def firewall_rules(self, allowed_ports: tuple[int, ...]) -> str:
        """The nftables table: from the bridge, only ``allowed_ports`` on the hub address."""
        ports = ", ".join(str(p) for p in allowed_ports)
        bridge = self.bridge
        return f"""table inet {self.table} {{
  chain input {{
    type filter hook input priority filter - 10; policy accept;
    iifname "{bridge}" ct state established,related accept
    iifname "{bridge}" ip daddr {self.hub_address} tcp dport {{ {ports} }} ct state new accept
    iifname "{bridge}" counter drop
  }}
  chain forward {{
    type filter hook forward priority filter - 10; policy accept;
    iifname "{bridge}" counter drop
    oifname "{bridge}" counter drop
  }}
}}
"""

    def set_up(self, allowed_ports: tuple[int, ...]) -> None:
        """Create the bridge and load the firewall (replacing leftovers of an earlier run)."""
        self.tear_down()
        _run("nft", "-f", "-", stdin=self.firewall_rules(allowed_ports))
        _run("ip", "link", "add", self.bridge, "type", "bridge")
        _run("sysctl", "-q", "-w", f"net.ipv6.conf.{self.bridge}.disable_ipv6=1")
        _run("ip", "addr", "add", f"{self.hub_address}/24", "dev", self.bridge)
        _run("ip", "link", "set", self.bridge, "up")

    def tear_down(self) -> None:
        """Remove every namespace, the bridge and the table of this subnet, if present."""
        for name in self.namespaces():
            _run("ip", "netns", "delete", name)
        if self.bridge in _run("ip", "-br", "link", "show").split():
            _run("ip", "link", "delete", self.bridge)
        if f"inet {self.table}" in _run("nft", "list", "tables"):
            _run("nft", "delete", "table", "inet", self.table)

    def namespaces(self) -> list[str]:
        """Names of this subnet's server namespaces that exist now."""
        prefix = f"{NAMESPACE_PREFIX}{self.tag}-"
        listed = _run("ip", "netns", "list").split("\n")
        return [line.split()[0] for line in listed if line.startswith(prefix)]

    def free_index(self) -> int:
        taken = {int(name.rsplit("-", 1)[1]) for name in self.namespaces()}
        for index in range(2, 255):
            if index not in taken:
                return index
        raise RuntimeError("no free address left on the sandbox bridge")

    def add_server(self, index: int) -> ServerNamespace:
        """Create a server's namespace on an isolated bridge port, with no route out."""
        ns = self.namespace(index)
        peer = f"{ns.name}n"
        _run("ip", "netns", "add", ns.name)
        try:
            _run("ip", "netns", "exec", ns.name, "sysctl", "-q", "-w",
                 "net.ipv6.conf.all.disable_ipv6=1")  # fmt: skip
            _run("ip", "link", "add", ns.host_veth, "type", "veth", "peer", "name", peer)
            _run("ip", "link", "set", peer, "netns", ns.name)
            _run("ip", "link", "set", ns.host_veth, "master", self.bridge)
            _run("ip", "link", "set", ns.host_veth, "type", "bridge_slave", "isolated", "on")
            _run("ip", "link", "set", ns.host_veth, "up")
            _run("ip", "-n", ns.name, "link", "set", peer, "name", "eth0")
            _run("ip", "-n", ns.name, "addr", "add", f"{ns.address}/24", "dev", "eth0")
            _run("ip", "-n", ns.name, "link", "set", "eth0", "up")
            _run("ip", "-n", ns.name, "link", "set", "lo", "up")
        except RuntimeError:
            self.remove_server(ns)
            raise
        return ns

    def remove_server(self, ns: ServerNamespace) -> None:
        """Delete a server's namespace (its veth pair goes with it)."""
        if ns.name in self.namespaces():
            _run("ip", "netns", "delete", ns.name)
