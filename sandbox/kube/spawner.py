"""The hub's spawner on Kubernetes: KubeSpawner's pod, for one approved project, with its token.

The pod itself (restrictions, volumes, limits, ``DATALAB_GATEWAY_URL``) is KubeSpawner's,
configured by the Helm values (``sandbox.kube.pod``); this class adds what the local spawner
does around its server: the project choice and the kernel's gateway token, minted at spawn and
revoked when the server stops or fails to start.
"""

from __future__ import annotations

from kubespawner import KubeSpawner

from sandbox.project_spawner import ProjectSpawner


class LabKubeSpawner(ProjectSpawner, KubeSpawner):
    """One pod per server, for the user's approved project, holding that project's token."""

    async def start(self):
        project = self.chosen_project()
        self.grant_gateway_token(project, self.environment.get("DATALAB_GATEWAY_URL", ""))
        try:
            return await super().start()
        except Exception:
            self.revoke_gateway_token(self.token_prefix)
            self.token_prefix = ""
            raise

    async def stop(self, now=False):
        held = self.token_prefix
        await super().stop(now=now)
        self.revoke_gateway_token(held)
        self.token_prefix = ""
