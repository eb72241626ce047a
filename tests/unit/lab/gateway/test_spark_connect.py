"""Spark Connect behind the gateway: a real Connect server the lab starts (loopback, token, the
lab's KMS client), the same exact aggregates as DuckDB over encrypted Parquet it reads through
the lab's key service, the gateway's HTTP route answering from it, a client without the token
refused, and restricted rows never sent to a Connect server in plaintext.

One server for the whole test run (``tests/fixtures/spark_connect.py``); without Java or
pyspark's Connect client these tests skip and say why.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from lab.app import create_app
from lab.crypto.keyring import Keyring
from lab.crypto.kms import LabKms
from lab.crypto.kms_server import serve_on_first_free
from lab.errors import ConfigurationError
from lab.gateway import engine_choice
from lab.gateway.engine import DuckDBEngine
from lab.gateway.engine_choice import check_engine
from lab.gateway.parquet_crypto import EncryptedParquet, KeyService, write_encrypted
from lab.gateway.planner import compile_plan
from lab.gateway.query import plan_query
from lab.gateway.spark_connect import TOKEN_VARIABLE, LocalConnectServer
from lab.gateway.spark_engine import SparkConfig, SparkEngine, check_prerequisites
from lab.services import LabServices
from lab.settings import LabSettings, load_settings
from tests.unit.lab.gateway.restricted import publish_tax_table, sandbox_token
from tests.unit.lab.gateway.test_spark_exactness import SHAPES, TABLE, edge_table  # noqa: F401

# A representative subset of the DuckDB-vs-Spark shapes: every aggregate kind, public domains
# with an empty group, partition selection, periods, bins, fixed point, wide sums, LIKE.
CONNECT_SHAPES = [
    "every aggregate kind",
    "public domain with an empty group",
    "partition selection with a NULL key",
    "quarter periods from dates",
    "numeric bins with overflow",
    "fixed-point clamping and WHERE in the declared unit",
    "bin arithmetic too wide for BIGINT",
    "LIKE with underscore, percent and backslash",
]
REMOTE = "sc://spark.example.org:15002"
EDGE_SCOPE = "t" + "e" * 32


@pytest.fixture(scope="module")
def encrypted_edge(edge_table: Path, tmp_path_factory) -> Iterator[EncryptedParquet]:  # noqa: F811
    """The edge-case table written as the gateway's exports are (encrypted, partitioned by the
    unit's hash), with a key service of its own and a reading token for it."""
    kms = LabKms(Keyring("k1", {"k1": os.urandom(32)}))
    server = serve_on_first_free(kms, "127.0.0.1:0")
    folder = tmp_path_factory.mktemp("shared") / EDGE_SCOPE
    writing = KeyService(server.url, kms.issue_token(EDGE_SCOPE, may_wrap=True))
    write_encrypted(str(edge_table), folder, unit="unit", scope=EDGE_SCOPE, keys=writing)
    yield EncryptedParquet(folder, KeyService(server.url, kms.issue_token(EDGE_SCOPE)))
    server.close()


@pytest.mark.parametrize("shape", CONNECT_SHAPES)
def test_connect_reads_encrypted_parquet_and_agrees_with_duckdb(
    shape: str,
    edge_table: Path,  # noqa: F811
    encrypted_edge: EncryptedParquet,
    connect_engine: SparkEngine,
) -> None:
    """Over Spark Connect, the server's Parquet reader unwrapping keys through the lab's key
    service: the same exact aggregates (keys, order, values) as DuckDB on the plaintext."""
    sql, delta = SHAPES[shape]
    compiled = compile_plan(plan_query(sql, [TABLE], delta=delta))
    expected = DuckDBEngine(threads=1).run(compiled, [edge_table]).to_pylist()
    assert any(row["rows"] for row in expected), "the shape must select some rows"
    assert connect_engine.run(compiled, [encrypted_edge]).to_pylist() == expected


def test_a_live_connect_engine_refuses_a_plaintext_table(
    edge_table: Path,  # noqa: F811
    connect_engine: SparkEngine,
) -> None:
    """Even to the server on loopback, with a session open, the engine sends no plaintext
    table: the lab's decrypted columns are refused in one line."""
    compiled = compile_plan(plan_query("SELECT COUNT(*) FROM edge", [TABLE]))
    with pytest.raises(ConfigurationError, match="not sent in plaintext") as refused:
        connect_engine.run(compiled, [edge_table])
    assert "\n" not in refused.value.message


@pytest.mark.parametrize("token", ["none", "wrong"])
def test_a_client_without_the_token_is_refused(spark_connect_server, token: str) -> None:
    """No token, or another one: the server refuses the session at start, in one line that
    shows neither token."""
    config = spark_connect_server.config
    presented = "" if token == "none" else config.connect_token[::-1]
    engine = SparkEngine(dataclasses.replace(config, connect_token=presented))
    with pytest.raises(ConfigurationError, match=r"Spark did not start at sc://") as refused:
        engine.start()
    message = refused.value.message
    assert "\n" not in message and config.connect_token not in message
    assert not presented or presented not in message
    assert message.endswith(
        "UNAUTHENTICATED: No authentication token provided"
        if token == "none"
        else "UNAUTHENTICATED: Invalid authentication token"
    )


def test_the_server_listens_on_loopback_and_keeps_secrets_off_its_command_line(
    spark_connect_server,
) -> None:
    """The token is in the server's environment only (``ps`` shows command lines to every
    user), the lab's own settings are not there, and no other address of this host answers."""
    pid = spark_connect_server._process.pid
    command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    token = spark_connect_server.token.encode()
    assert token not in command_line and b"SparkConnectServer" in command_line
    assert f"{TOKEN_VARIABLE}=".encode() + token in environment
    assert not [entry for entry in environment if entry.startswith(b"DATALAB_")]
    outward = _outward_address()
    if outward is None:
        pytest.skip("this host has no address but loopback")
    with pytest.raises(OSError):
        socket.create_connection((outward, spark_connect_server.port), timeout=2).close()


def _outward_address() -> str | None:
    """This host's address towards the outside (a UDP socket's choice; nothing is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: a route is chosen, no packet leaves
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_memory_storage_with_spark_connect_is_refused() -> None:
    """The settings refuse plaintext handover to a Connect server, on another host or on
    loopback, in one line naming the storage setting, and accept encrypted Parquet; the engine
    refuses a plaintext source before it connects anywhere."""
    common = {"gateway_engine": "spark", "gateway_spark_connect_token": "s3cret-token"}
    for master in (REMOTE, "sc://localhost:15002", "sc://127.0.0.1:15002"):
        with pytest.raises(ConfigurationError, match="use encrypted-parquet") as refused:
            load_settings(gateway_spark_master=master, **common)
        message = refused.value.message
        assert "\n" not in message and "DATALAB_GATEWAY_SPARK_STORAGE" in message
        assert "s3cret-token" not in message
        load_settings(
            gateway_spark_master=master, gateway_spark_storage="encrypted-parquet", **common
        )
    load_settings(gateway_spark_master="local[2]", gateway_engine="spark")
    engine = SparkEngine(SparkConfig(REMOTE, connect_token="s3cret-token"))
    compiled = compile_plan(plan_query("SELECT COUNT(*) FROM edge", [TABLE]))
    with pytest.raises(ConfigurationError, match="not sent in plaintext") as plaintext:
        engine.run(compiled, ["/nonexistent/edge.parquet"])
    assert "\n" not in plaintext.value.message and engine._session is None


def test_a_connect_master_needs_its_token_and_keeps_it_out_of_the_url() -> None:
    """Without a token an ``sc://`` master is refused; a token written into the URL is refused
    without echoing it, and the config's repr never shows the token."""
    with pytest.raises(ConfigurationError, match="needs the server's authentication token"):
        load_settings(gateway_spark_master="sc://localhost:15002")
    with pytest.raises(ConfigurationError, match="DATALAB_GATEWAY_SPARK_CONNECT_TOKEN") as inline:
        load_settings(gateway_spark_master="sc://localhost:15002/;token=hunter2")
    assert "hunter2" not in inline.value.message
    config = SparkConfig("sc://localhost:15002", connect_token="hunter2")
    assert "hunter2" not in repr(config) and "hunter2" not in config.connect_url()
    dialled = {
        "sc://127.0.0.1:9": "sc://localhost:9",
        "sc://127.0.0.1": "sc://localhost:15002",
        "sc://127.0.0.1:9/;use_ssl=true": "sc://127.0.0.1:9/;use_ssl=true",
        "sc://spark.example.org:9/;user_id=lab": "sc://spark.example.org:9/;user_id=lab",
    }
    assert {master: SparkConfig(master).connect_url() for master in dialled} == dialled


def test_connect_prerequisites_fail_in_one_line(monkeypatch) -> None:
    """Without pyspark's gRPC client, or with nobody at the Connect URL, one clear line each."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    config = SparkConfig(f"sc://localhost:{closed}", connect_token="t")
    with pytest.raises(
        ConfigurationError, match=rf"cannot reach the Spark master sc://localhost:{closed}"
    ):
        check_prerequisites(config)
    monkeypatch.setitem(sys.modules, "grpc", None)
    with pytest.raises(ConfigurationError, match=r"connect client, which lacks grpcio:") as missing:
        check_prerequisites(config)
    assert "\n" not in missing.value.message


def _on_connect(settings: LabSettings, server: LocalConnectServer) -> LabSettings:
    """``settings`` with the gateway on ``server``, reading encrypted Parquet."""
    return settings.model_copy(
        update={
            "gateway_engine": "spark",
            "gateway_spark_master": server.config.master,
            "gateway_spark_connect_token": SecretStr(server.token),
            "gateway_spark_storage": "encrypted-parquet",
        }
    )


def test_the_gateway_route_answers_from_spark_connect(
    sqlite_lab: LabServices, tmp_path, spark_connect_server
) -> None:
    """``POST /api/gateway/query`` on a lab whose engine is the Connect server, reading the
    encrypted export publishing wrote: a charged answer over every district."""
    settings = _on_connect(sqlite_lab.settings, spark_connect_server)
    lab = dataclasses.replace(sqlite_lab, settings=settings)
    publish_tax_table(lab, tmp_path, units=40)
    token = sandbox_token(lab, epsilon=1.0)
    body = {"dataset": "tax", "sql": 'SELECT "所属区", COUNT(*) FROM tax GROUP BY "所属区"',
            "epsilon": 0.25}  # fmt: skip
    app = create_app(lab)
    with TestClient(app) as client:
        engine = app.state.gateway.engine
        answer = client.post(
            "/api/gateway/query", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["rows"]) == 10 and answer.json()["budget_left"] == pytest.approx(0.75)
    assert isinstance(engine, SparkEngine) and engine.config.is_connect
    assert any(settings.resolved_spark_tables_dir.iterdir()), "publishing wrote the export"


def test_the_lab_needs_no_kms_jar_of_its_own_for_connect(
    sqlite_lab: LabServices, spark_connect_server, monkeypatch
) -> None:
    """With a Connect master the KMS client jar is the server's business: the start-up check
    passes on a lab that has none (local mode would stop, saying how to build it)."""
    monkeypatch.setattr(engine_choice, "JAR", Path("/nonexistent/datalab-kms-client.jar"))
    settings = _on_connect(sqlite_lab.settings, spark_connect_server)
    check_engine(settings)
    with pytest.raises(ConfigurationError, match="KMS client jar"):
        check_engine(settings.model_copy(update={"gateway_spark_master": "local[1]"}))


def test_serving_a_master_on_another_host_is_refused(tmp_path: Path) -> None:
    """``python -m lab.gateway.spark_connect`` serves only a loopback master: the settings'
    master on another host stops it at once, in one line, with status 2."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATALAB_")} | {
        "DATALAB_HOME": str(tmp_path),
        "DATALAB_GATEWAY_SPARK_MASTER": REMOTE,
        "DATALAB_GATEWAY_SPARK_CONNECT_TOKEN": "s3cret-token",
    }
    done = subprocess.run(
        [sys.executable, "-m", "lab.gateway.spark_connect"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert "sc://localhost:<port>" in lines[0] and "s3cret-token" not in done.stderr
