"""The pod KubeSpawner builds from the generated values carries every restriction."""

from __future__ import annotations

import copy

import pytest

from tests.unit.sandbox.kube.conftest import DEFAULT_SETTINGS, generate
from tests.unit.sandbox.kube.kube_models import round_trip
from tests.unit.sandbox.kube.kube_spawner import build_pod, use_offline_kubeconfig

RELEASE = DEFAULT_SETTINGS["DATALAB_SANDBOX_K8S_RELEASE"]


@pytest.fixture(scope="module")
def pod(values, tmp_path_factory) -> dict:
    """The server pod of the values generated with the test settings."""
    with pytest.MonkeyPatch.context() as patch:
        use_offline_kubeconfig(patch, tmp_path_factory.mktemp("kubeconfig"))
        return build_pod(values, RELEASE)


def _containers(pod: dict) -> list[dict]:
    return [*pod["spec"].get("initContainers", []), *pod["spec"]["containers"]]


def test_pod_is_a_valid_pod(pod) -> None:
    """The pod survives a strict round trip through ``V1Pod``.

    KubeSpawner writes CPU and memory as JSON numbers, which the API server reads as quantities;
    the client's model types quantities as strings, so they are compared as text.
    """
    quantities_as_text = copy.deepcopy(pod)
    for container in _containers(quantities_as_text):
        for amounts in container["resources"].values():
            amounts.update({name: str(amount) for name, amount in amounts.items()})
    assert round_trip(quantities_as_text, "V1Pod") == quantities_as_text


def test_one_container_and_no_init_containers(pod) -> None:
    """Only the server runs: the chart's privileged iptables init container is off."""
    assert [c["name"] for c in _containers(pod)] == ["notebook"]


def test_never_root(pod) -> None:
    """Pod and container run as uid 1000, gid 100, and refuse to start as root."""
    spec = pod["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == 1000
    for container in _containers(pod):
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True
        assert (context["runAsUser"], context["runAsGroup"]) == (1000, 100)


def test_no_privilege_no_capabilities_seccomp_default(pod) -> None:
    """No privilege, no escalation, every capability dropped, the runtime's seccomp profile."""
    assert pod["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in _containers(pod):
        context = container["securityContext"]
        assert context["privileged"] is False
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}


def test_read_only_root_with_two_writable_volumes(pod) -> None:
    """The root filesystem is read-only; only the home claim and a bounded /tmp are writable."""
    (container,) = pod["spec"]["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert set(mounts) == {"/home/jovyan", "/tmp"}  # noqa: S108 (the pod's own mount)
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert set(volumes) == {"home", "tmp"}
    assert volumes["home"]["persistentVolumeClaim"]["claimName"].startswith("claim-")
    assert volumes["tmp"]["emptyDir"] == {"sizeLimit": "1Gi"}


def test_no_service_account_token_and_no_service_links(pod) -> None:
    """No Kubernetes API credential is mounted and no other Service's address is injected."""
    spec = pod["spec"]
    assert spec["automountServiceAccountToken"] is False
    assert "serviceAccountName" not in spec
    assert spec["enableServiceLinks"] is False
    mounted = {m["mountPath"] for m in pod["spec"]["containers"][0]["volumeMounts"]}
    assert "/var/run/secrets/kubernetes.io/serviceaccount" not in mounted


def test_limits_equal_requests_from_the_settings(pod) -> None:
    """Memory and CPU come from the lab's sandbox settings, limits equal to requests."""
    resources = pod["spec"]["containers"][0]["resources"]
    memory = int(DEFAULT_SETTINGS["DATALAB_SANDBOX_MEMORY_MB"]) * 1024 * 1024
    assert resources["limits"] == resources["requests"]
    assert int(resources["limits"]["memory"]) == memory
    assert float(resources["limits"]["cpu"]) == float(DEFAULT_SETTINGS["DATALAB_SANDBOX_CPU"])
    assert resources["limits"]["ephemeral-storage"] == "1Gi"


def test_environment_names_the_gateway_and_holds_no_lab_secret(pod) -> None:
    """The server learns the relay's address and the sealed Jupyter paths, nothing of the lab."""
    env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
    assert env["DATALAB_GATEWAY_URL"] == "http://hub:8082"
    assert env["JUPYTER_CONFIG_DIR"] == "/etc/datalab-jupyter/config"
    assert env["JUPYTERHUB_ACTIVITY_INTERVAL"] == "150"  # a quarter of the 600 s cull timeout
    leaked = {name for name in env if name.startswith("DATALAB_")} - {
        "DATALAB_GATEWAY_URL",
    }
    assert leaked == set()
    assert all("valueFrom" not in e for e in pod["spec"]["containers"][0]["env"])


def test_pod_is_selected_by_the_policies(pod, policies) -> None:
    """The labels the hub gives the pod are the ones every server policy selects."""
    labels = pod["metadata"]["labels"]
    for policy in policies:
        selector = policy["spec"]["podSelector"]["matchLabels"]
        assert selector.items() <= labels.items(), policy["metadata"]["name"]


@pytest.mark.slow  # measured 15 s
def test_settings_change_the_pod(tmp_path, monkeypatch) -> None:
    """Other settings give another pod: the limits follow the local spawner's settings."""
    values, _ = generate(tmp_path, DATALAB_SANDBOX_MEMORY_MB="512", DATALAB_SANDBOX_CPU="0.25")
    use_offline_kubeconfig(monkeypatch, tmp_path)
    resources = build_pod(values, "sandbox")["spec"]["containers"][0]["resources"]
    assert int(resources["limits"]["memory"]) == 512 * 1024 * 1024
    assert float(resources["requests"]["cpu"]) == 0.25


def test_chart_hub_policy_admits_the_server(pod) -> None:
    """The pod keeps the label the chart's hub policy admits to the hub API (port 8081)."""
    assert pod["metadata"]["labels"]["hub.jupyter.org/network-access-hub"] == "true"
