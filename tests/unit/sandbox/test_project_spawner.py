"""The project choice and token shared by both spawners keep their config and state in each."""

from __future__ import annotations

from types import SimpleNamespace

from traitlets.config import Config

from sandbox.spawner import IsolatingSpawner


def _isolating(config: Config | None = None) -> IsolatingSpawner:
    user = SimpleNamespace(name="analyst", id=1, url="/user/analyst/")
    return IsolatingSpawner(user=user, config=config or Config())


def test_token_lifetime_is_configured_per_spawner_class() -> None:
    """``c.IsolatingSpawner.token_hours`` (what hub_config writes) still reaches the mixin."""
    config = Config({"IsolatingSpawner": {"token_hours": 5}})
    assert _isolating(config).token_hours == 5
    assert _isolating().token_hours == 12


def test_project_form_is_the_options_form() -> None:
    """The spawn form lists the approved projects (the mixin's default, not the base class's)."""
    spawner = _isolating()
    assert spawner.options_form == spawner._project_form
    assert spawner.options_from_form({"project": ["7"]}) == {"project": "7"}


def test_state_round_trip_keeps_namespace_cgroup_and_token() -> None:
    """After a hub restart the namespace, cgroup and token are found again; clear drops them."""
    spawner = _isolating()
    spawner.namespace_name = spawner.cgroup_name = "cdl0-5"
    spawner.token_prefix = "dlsb_abc"
    state = spawner.get_state()
    assert (state["namespace"], state["cgroup"], state["token"]) == ("cdl0-5", "cdl0-5", "dlsb_abc")
    restored = _isolating()
    restored.load_state(state)
    assert (restored.namespace_name, restored.cgroup_name, restored.token_prefix) == (
        "cdl0-5",
        "cdl0-5",
        "dlsb_abc",
    )
    restored.clear_state()
    assert (restored.namespace_name, restored.cgroup_name, restored.token_prefix) == ("", "", "")
