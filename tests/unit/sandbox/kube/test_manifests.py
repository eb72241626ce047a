"""Generated configuration is valid: values against the chart's schema, policies against the API."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from lab.errors import ConfigurationError
from lab.settings import load_settings
from tests.unit.lab.cli.shell import datalab
from tests.unit.sandbox.kube.conftest import DEFAULT_SETTINGS
from tests.unit.sandbox.kube.kube_models import round_trip
from tests.unit.sandbox.kube.z2jh import chart_defaults, merged, values_schema


def _schema_errors(values: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(values_schema())
    chart = merged(chart_defaults(), values)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(chart)]


def test_values_pass_the_charts_schema(values) -> None:
    """Helm would accept the values: the chart's defaults merged with ours validate."""
    assert _schema_errors(values) == []


def test_hub_pages_use_the_lab_templates(values) -> None:
    """The hub's extra config points template_paths at the installed sandbox/templates."""
    code = values["hub"]["extraConfig"]["datalab-templates"]
    namespace = {"c": _Config()}
    exec(compile(code, "extraConfig", "exec"), namespace)  # noqa: S102 (our own config text)
    (folder,) = namespace["c"].JupyterHub.template_paths
    assert folder.endswith("sandbox/templates")


class _Config:
    """Just enough of JupyterHub's ``c`` to run one extraConfig snippet."""

    def __init__(self) -> None:
        self.JupyterHub = type("JupyterHub", (), {})()


def test_schema_check_catches_a_misspelt_key(values) -> None:
    """The schema check can fail: a misspelt server key is refused (the chart forbids extras)."""
    broken = merged(values, {"singleuser": {"networkPolicy": {"enable": False}}})
    assert any("enable" in error for error in _schema_errors(broken))


def test_policies_are_valid_network_policies(policies) -> None:
    """Every policy document survives a strict round trip through ``V1NetworkPolicy``."""
    assert [p["kind"] for p in policies] == ["NetworkPolicy"] * 3
    for policy in policies:
        assert round_trip(policy, "V1NetworkPolicy") == policy


def test_model_check_catches_an_unknown_field(policies) -> None:
    """The round trip can fail: a misspelt field vanishes on the way through the model."""
    broken = {**policies[1], "spec": {**policies[1]["spec"], "egres": []}}
    assert round_trip(broken, "V1NetworkPolicy") != broken


def test_hub_policy_rules_are_valid(values) -> None:
    """The rules added to the chart's hub policy are valid ingress and egress rules."""
    hub = values["hub"]["networkPolicy"]
    for rule in hub["ingress"]:
        assert round_trip(rule, "V1NetworkPolicyIngressRule") == rule
    for rule in hub["egress"]:
        assert round_trip(rule, "V1NetworkPolicyEgressRule") == rule


def test_stdout_carries_the_same_documents(tmp_path, values, policies) -> None:
    """Without ``--out`` the command prints the values, then the policies, as one YAML stream."""
    result = datalab(tmp_path / "home", "sandbox", "k8s", **DEFAULT_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert list(yaml.safe_load_all(result.stdout)) == [values, *policies]


def test_bad_setting_is_one_clear_line(tmp_path) -> None:
    """A bad setting stops the command with one line naming it, and writes nothing."""
    out = tmp_path / "k8s"
    setting = "DATALAB_SANDBOX_K8S_NAMESPACE"
    result = datalab(tmp_path / "home", "sandbox", "k8s", "--out", str(out), **{setting: "Sb_1"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert setting in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("sandbox_k8s_namespace", "Sandbox_NS", "a Kubernetes name"),
        ("sandbox_k8s_release", "-sandbox", "a Kubernetes name"),
        ("sandbox_k8s_server_image", "registry.local:5000/singleuser", "pinned tag"),
        ("sandbox_k8s_hub_image", "hub", "pinned tag"),
        ("sandbox_cpu", 0, "greater than 0"),
    ],
)
def test_kubernetes_settings_say_what_they_expect(tmp_path, name, value, expected) -> None:
    """Names that Kubernetes would refuse and untagged images are refused with the fix."""
    with pytest.raises(ConfigurationError, match=expected) as refused:
        load_settings(home=tmp_path, **{name: value})
    assert f"DATALAB_{name.upper()}" in refused.value.message
