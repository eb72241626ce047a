"""The hub holds no storage credentials or encryption keys: not in its environment, not in
the services it opens."""

from __future__ import annotations

import dataclasses

from pydantic import SecretStr

from lab.db import transaction
from lab.identity import Role
from lab.identity.accounts import create_user
from lab.services import open_directory
from lab.settings import SECRET_SETTINGS
from sandbox.hub import SandboxHub
from sandbox.identity import check_login

SECRETS = {"kek": "k1:" + "A" * 43 + "=", "secret_key": "cookie-secret-1", "s3_secret_key": "s3pw"}


def test_hub_environment_carries_settings_but_no_secret(sqlite_lab, monkeypatch) -> None:
    """Secrets set in the lab's settings or inherited from the shell never reach the hub."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(f"DATALAB_{name.upper()}", value)
    settings = sqlite_lab.settings.model_copy(
        update={name: SecretStr(value) for name, value in SECRETS.items()}
    )
    env = SandboxHub(settings)._environment()
    assert env["DATALAB_HOME"] == str(settings.home)
    assert env["DATALAB_HUB_PORT"] == str(settings.hub_port)
    assert not {f"DATALAB_{name.upper()}" for name in SECRET_SETTINGS} & set(env)
    assert not [value for value in env.values() if any(s in value for s in SECRETS.values())]


def test_the_hubs_directory_checks_logins_without_store_or_keys(sqlite_lab) -> None:
    """``open_directory`` gives the database and audit log only, enough to check a login."""
    with transaction(sqlite_lab.sessions) as session:
        create_user(session, sqlite_lab.audit, actor="t", username="ana", roles=[Role.ANALYST],
                    password="correct-horse-9")  # fmt: skip
    directory = open_directory(sqlite_lab.settings)
    try:
        fields = {field.name for field in dataclasses.fields(directory)}
        assert fields == {"settings", "engine", "sessions", "audit"}
        assert check_login(directory, "ana", "correct-horse-9")
        assert not check_login(directory, "ana", "wrong-password-1")
    finally:
        directory.close()
