"""Sandboxes on Kubernetes: Zero to JupyterHub values and NetworkPolicies from the lab's settings.

The same settings that drive the local spawner (memory, culling, server lifetime, the gateway
relay) describe the production hub, where KubeSpawner starts one pod per server (DESIGN §3, §5).

Modules:

* ``layout``   — names, labels and ports of the release (hub, relay, servers, the lab).
* ``pod``      — KubeSpawner's configuration: the restricted single-user pod.
* ``network``  — NetworkPolicies: servers reach only the hub API, the relay and cluster DNS.
* ``values``   — the Helm values for Zero to JupyterHub, and writing everything as YAML.
* ``spawner``  — ``LabKubeSpawner``: KubeSpawner plus the project choice and gateway token.
"""
