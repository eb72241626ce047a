"""The single-user pod: KubeSpawner's configuration, from the settings the local spawner uses.

Every restriction is a KubeSpawner trait, so it reaches the pod spec KubeSpawner builds and
(placed in the values' ``hub.config.KubeSpawner``, which Zero to JupyterHub applies last)
overrides whatever the chart's ``singleuser`` defaults say:

* runs as uid 1000, gid 100, never root (``runAsNonRoot`` on pod and container);
* read-only root filesystem; writable only the home (a per-user volume claim) and ``/tmp``
  (an ``emptyDir`` with a size limit) — Jupyter's runtime files live in the home;
* no privilege escalation, every capability dropped, the runtime's default seccomp profile;
* no service-account token and no service links (no cluster API, no other Services' addresses);
* memory and CPU limits equal to their requests (``Guaranteed``: no overcommit);
* the sealed Jupyter paths of the local spawner, so nothing in the home changes the server.

The process limit (``DATALAB_SANDBOX_MAX_PROCESSES``) has no per-pod field in the pod spec: it is
the kubelet's ``podPidsLimit`` (docs/kubernetes.md).
"""

from __future__ import annotations

from lab.settings import LabSettings
from sandbox.hub_config import activity_interval
from sandbox.kube.layout import SERVER_PORT, ClusterLayout
from sandbox.spawner import sealed_jupyter_paths

SERVER_UID = 1000
SERVER_GID = 100
HOME = "/home/jovyan"
TMP_SIZE = "1Gi"


def _non_root() -> dict:
    """What pod and container contexts share: uid 1000, gid 100, never root, default seccomp."""
    return {
        "runAsNonRoot": True,
        "runAsUser": SERVER_UID,
        "runAsGroup": SERVER_GID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict:
    """The notebook container's securityContext (camelCase, as KubeSpawner expects)."""
    return {
        **_non_root(),
        "privileged": False,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def pod_security_context() -> dict:
    """The pod's securityContext: every container non-root; fresh volumes owned by gid 100."""
    return {**_non_root(), "fsGroup": SERVER_GID}


def writable_volumes() -> tuple[dict, dict]:
    """KubeSpawner's ``volumes`` and ``volume_mounts``: the home claim and a bounded ``/tmp``."""
    volumes = {
        "home": {"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}},
        "tmp": {"name": "tmp", "emptyDir": {"sizeLimit": TMP_SIZE}},
    }
    mounts = {
        "home": {"name": "home", "mountPath": HOME},
        "tmp": {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 (the pod's own emptyDir)
    }
    return volumes, mounts


def server_environment(settings: LabSettings, layout: ClusterLayout) -> dict[str, str]:
    """What the server's processes see besides JupyterHub's own variables (no secrets)."""
    return {
        "DATALAB_GATEWAY_URL": layout.gateway_url,
        "JUPYTERHUB_ACTIVITY_INTERVAL": str(activity_interval(settings.sandbox_cull_timeout)),
        "MPLCONFIGDIR": "/tmp/matplotlib",  # noqa: S108 (matplotlib's cache, not the home)
        **sealed_jupyter_paths(HOME),
    }


def spawner_config(settings: LabSettings, layout: ClusterLayout) -> dict:
    """KubeSpawner's traits for one sandbox server, from the lab's settings."""
    memory = settings.sandbox_memory_mb * 1024 * 1024  # bytes
    volumes, mounts = writable_volumes()
    return {
        "uid": SERVER_UID,
        "gid": SERVER_GID,
        "fs_gid": SERVER_GID,
        "privileged": False,
        "allow_privilege_escalation": False,
        "container_security_context": container_security_context(),
        "pod_security_context": pod_security_context(),
        "automount_service_account_token": False,
        "extra_pod_config": {"enableServiceLinks": False},
        "mem_limit": memory,
        "mem_guarantee": memory,
        "cpu_limit": settings.sandbox_cpu,
        "cpu_guarantee": settings.sandbox_cpu,
        "extra_resource_limits": {"ephemeral-storage": TMP_SIZE},
        "extra_resource_guarantees": {"ephemeral-storage": TMP_SIZE},
        "storage_pvc_ensure": True,
        "storage_capacity": f"{settings.sandbox_home_gb}Gi",
        "volumes": volumes,
        "volume_mounts": mounts,
        "port": SERVER_PORT,
        "environment": server_environment(settings, layout),
        "default_url": "/tree",
        "disable_user_config": True,
        "start_timeout": 300,
        "http_timeout": 60,
    }
