"""``LabKubeSpawner``: the pod is for one approved project and carries that project's token."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import aiohttp
import pytest
from sqlalchemy import select
from tornado import web
from traitlets.config import Config

from lab.db import transaction
from lab.db.models import ApiToken
from lab.identity import Role, TokenKind, authenticate_token
from lab.identity.accounts import create_user
from sandbox.identity import approved_projects
from sandbox.kube.spawner import LabKubeSpawner
from sandbox.runtime import hub_lab
from tests.unit.lab.gateway.restricted import publish_tax_table, sandbox_token
from tests.unit.sandbox.kube.conftest import DEFAULT_SETTINGS
from tests.unit.sandbox.kube.kube_spawner import use_offline_kubeconfig

OFFLINE = {"k8s_api_request_timeout": 1, "k8s_api_request_retry_timeout": 2}


@pytest.fixture
def hub_database(sqlite_lab, monkeypatch, tmp_path):
    """The hub process's view of the lab: the same SQLite database as ``sqlite_lab``."""
    monkeypatch.setenv("DATALAB_HOME", str(sqlite_lab.settings.home))
    use_offline_kubeconfig(monkeypatch, tmp_path)
    hub_lab.cache_clear()
    yield sqlite_lab
    hub_lab().close()
    hub_lab.cache_clear()


def _spawner(username: str) -> LabKubeSpawner:
    user = SimpleNamespace(name=username, id=1, url=f"/user/{username}/")
    spawner = LabKubeSpawner(user=user, _mock=True, **OFFLINE)
    spawner.environment = {"DATALAB_GATEWAY_URL": "http://hub:8082"}
    return spawner


def _hub_tokens(lab, username: str) -> list[ApiToken]:
    named = ApiToken.name == f"sandbox server of {username}"
    with lab.sessions() as session:
        return list(session.scalars(select(ApiToken).where(named)))


def test_no_approved_project_no_server_no_token(hub_database) -> None:
    """A user whose organisation has no approved project is told why, and nothing is minted."""
    with transaction(hub_database.sessions) as s:
        create_user(s, hub_database.audit, actor="t", username="loner", roles=[Role.ANALYST])

    async def start() -> None:
        await _spawner("loner").start()

    with pytest.raises(web.HTTPError) as refused:
        asyncio.run(start())
    assert refused.value.status_code == 403
    assert _hub_tokens(hub_database, "loner") == []


def test_pod_carries_the_projects_token(hub_database, tmp_path) -> None:
    """The token in the pod's environment is a sandbox token for the chosen project only."""
    publish_tax_table(hub_database, tmp_path)
    sandbox_token(hub_database, username="analyst")
    (project,) = approved_projects(hub_database, "analyst")

    async def build() -> dict:
        spawner = _spawner("analyst")
        spawner.api_token = "hub-api-token"
        spawner.grant_gateway_token(spawner.chosen_project(), "http://hub:8082")
        pod = await spawner.get_pod_manifest()
        return {e.name: e.value for e in pod.spec.containers[0].env}

    env = asyncio.run(build())
    assert env["DATALAB_SANDBOX_PROJECT"] == str(project.id)
    with hub_database.sessions() as session:
        principal = authenticate_token(session, env["DATALAB_GATEWAY_TOKEN"])
    assert principal.token_kind is TokenKind.SANDBOX
    assert principal.scopes == frozenset({f"project:{project.id}"})


def test_failed_start_revokes_the_token(hub_database, tmp_path) -> None:
    """When the cluster refuses the pod, the token minted for it is revoked at once."""
    publish_tax_table(hub_database, tmp_path)
    sandbox_token(hub_database, username="analyst")

    async def start() -> LabKubeSpawner:
        spawner = _spawner("analyst")
        spawner.api_token = "hub-api-token"
        with pytest.raises(aiohttp.ClientConnectorError):  # the API server is unreachable
            await spawner.start()
        return spawner

    spawner = asyncio.run(start())
    (minted,) = _hub_tokens(hub_database, "analyst")
    assert minted.revoked_at is not None
    assert spawner.token_prefix == ""


def test_token_lifetime_follows_the_server_lifetime(values, monkeypatch, tmp_path) -> None:
    """The kernel token lives as long as a server may (``DATALAB_SANDBOX_SERVER_HOURS``)."""
    hours = int(DEFAULT_SETTINGS["DATALAB_SANDBOX_SERVER_HOURS"])
    use_offline_kubeconfig(monkeypatch, tmp_path)

    async def configured() -> int:
        return LabKubeSpawner(config=Config(values["hub"]["config"]), _mock=True).token_hours

    assert asyncio.run(configured()) == hours
    assert values["cull"]["maxAge"] == hours * 3600
