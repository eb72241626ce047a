"""The lab on its production backends: PostgreSQL and a real S3 server, behind the same app."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient

from lab.app import create_app
from lab.services import open_services
from lab.settings import LabSettings


def test_lab_runs_on_postgres_and_s3(tmp_path, postgres_url, s3_server) -> None:
    """Start-up creates the bucket; health, sealed objects, publication and audit all work."""
    settings = LabSettings(
        home=tmp_path / "home",
        database_url=postgres_url,
        storage_backend="s3",
        s3_endpoint=s3_server.endpoint,
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        s3_bucket=f"lab-{secrets.token_hex(4)}",
    )
    lab = open_services(settings)
    try:
        with TestClient(create_app(lab)) as client:
            assert client.get("/healthz").json()["checks"] == {
                "database": "ok",
                "object_store": "ok",
            }
        payload = b"restricted monthly tax rows " * 100_000
        lab.sealed.put("restricted/tax/part-0", [payload])
        assert payload not in lab.store.read_bytes("restricted/tax/part-0")
        assert b"".join(lab.sealed.get("restricted/tax/part-0")) == payload
        with lab.store.publication("open/air-quality") as version:
            version.put("data.csv", [b"station,aqi\n"])
        assert lab.store.current("open/air-quality").version == version.version
        lab.audit.append(actor="steward", action="dataset.publish", target="open/air-quality")
        assert lab.audit.verify().ok
    finally:
        lab.close()
