"""JupyterHub sandboxes: restricted data usable inside, never visible (DESIGN §5).

Modules:

* ``cli``          — ``datalab sandbox …`` (a ``datalab.commands`` plug-in).
* ``hub``          — start and stop the hub and the host resources it owns.
* ``hub_config``   — the hub's layout (state, ports) and generated ``jupyterhub_config.py``.
* ``authenticator`` — login with lab credentials.
* ``spawner``      — the isolating spawner (account, namespace, cgroup, bubblewrap).
* ``project_spawner`` — what every lab spawner adds: the project choice and its gateway token.
* ``kube``         — sandboxes on Kubernetes: Helm values, NetworkPolicies, ``LabKubeSpawner``.
* ``identity``     — the lab seen from the hub: logins, approved projects, kernel tokens.
* ``runtime``      — the lab's database and audit log, opened once per hub process.
* ``accounts``     — Unix accounts and 0700 homes of sandbox users.
* ``examples``     — the example notebooks a new home starts with (``示例笔记本/``).
* ``templates/``   — the hub's pages: Chinese by default, the portal's English switch.
* ``shared_dirs``  — 0755 folders on the paths sandbox users must traverse (the lab runs umask 077).
* ``network``      — bridge, per-server network namespaces, nftables.
* ``cgroups``      — memory and process limits (cgroup v2 or v1).
* ``confinement``  — the nsenter / setpriv / bwrap command line.
* ``isolation``    — can this host isolate? (and the banner when it cannot).
* ``kernel_env``   — the read-only kernel venv and SDK directory.
* ``relay``        — TCP relay from the bridge to the DP gateway (a hub service).
* ``demo``         — approved demo projects for the demo enterprise and bank.
* ``client``       — the notebook client SDK (HTTP only; imports nothing of the lab).
"""
