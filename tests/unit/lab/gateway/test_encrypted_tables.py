"""Restricted tables for a Spark cluster: Parquet modular encryption on the shared folder, read
by Spark itself through the lab's key service, rotated without rewriting data.

Spark runs in local mode with the lab's JVM KMS client on its class path (``tests/fixtures/
spark.py``); without Java or a JDK these tests skip and say why.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import ipaddress
import json
import os
import re
import struct
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lab.crypto import kms_jar
from lab.crypto.keyring import Keyring, read_keyring_file
from lab.errors import ConfigurationError
from lab.gateway import encrypted_tables as encrypted_tables_module
from lab.gateway import engine_choice
from lab.gateway.encrypted_tables import EncryptedTables, encrypted_tables
from lab.gateway.engine import DuckDBEngine
from lab.gateway.engine_choice import check_engine, tables_for
from lab.gateway.open_tables import OpenTableCache
from lab.gateway.parquet_crypto import (
    BUCKET_COLUMN,
    BUCKETS,
    DATA_FILE,
    KEY_MATERIAL_PREFIX,
    EncryptedParquet,
    KeyService,
    data_files,
    read_encrypted,
    read_encrypted_file,
    write_encrypted,
)
from lab.gateway.planner import compile_plan
from lab.gateway.query import plan_query
from lab.gateway.targets import table_metadata
from lab.services import LabServices
from lab.settings import load_settings
from tests.unit.lab.crypto.test_keys_cli import datalab_keys, printed_no_key
from tests.unit.lab.gateway.restricted import publish_tax_table
from tests.unit.lab.gateway.test_service import _ask, _open_gateway
from tests.unit.lab.ingest.tables import firms

CANARY = 987_654_321_987
UNIT = "统一社会信用代码"
A = '"应纳税额（元）"'
QUERIES = [
    f'SELECT "所属区", COUNT(*), SUM({A}), MEDIAN({A}) FROM tax GROUP BY "所属区"',
    f'SELECT "所属期", AVG({A}), STDDEV({A}) FROM tax '
    f'WHERE "所属区" <> \'市南区\' GROUP BY "所属期"',
    f"SELECT COUNT(*), SUM({A}) FROM tax",
]


@pytest.fixture
def jvm_client(spark_engine):
    """The Spark engine, once the JVM KMS client is on its class path (skipped, saying why)."""
    if str(kms_jar.JAR) not in spark_engine.config.jars:
        pytest.skip(f"the JVM KMS client is not built: {kms_jar.missing_tools()}")
    return spark_engine


@pytest.fixture
def published(sqlite_lab: LabServices, tmp_path):
    """The tax table published (with a canary amount) and its lab's encrypted tables."""
    publish_tax_table(sqlite_lab, tmp_path, units=50, canary=CANARY)
    with sqlite_lab.sessions() as session:
        metadata, _, key = table_metadata(session, "tax")
    tables = encrypted_tables(sqlite_lab)
    yield metadata, key, tables
    tables.close()


def replace_settings(lab: LabServices, **changes) -> LabServices:
    """The same lab services with some settings changed."""
    return dataclasses.replace(lab, settings=lab.settings.model_copy(update=changes))


def _all_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def _candidates() -> list[bytes]:
    """Values of the table that must not appear on shared storage: the canary amount (int64)
    and every unit id."""
    return [struct.pack("<q", CANARY), *(code.encode() for code in firms(50))]


def test_shared_storage_holds_no_plaintext(published) -> None:
    """The exported table: no unit id nor the canary amount in any byte (the same rows written
    the same way without encryption show them), partitions by unit hash only, and no reader
    opens a file without the keys."""
    _, key, tables = published
    with tables.lease(key) as table:
        stored = _all_bytes(table.folder)
        files = data_files(table.folder)
        rows = [read_encrypted_file(path, table.key_service) for path in files]
    control = io.BytesIO()
    pq.write_table(pa.concat_tables(rows), control)
    visible = [value for value in _candidates() if value in control.getvalue()]
    assert _candidates()[0] in visible and len(visible) > 1, "the control must show values"
    assert not any(value in stored for value in visible)
    assert sum(part.num_rows for part in rows) == 50 * 4
    assert not list(table.folder.parent.glob(".*.tmp")), "no staging folder left"
    assert 1 < len(files) <= BUCKETS
    assert all(path.parent.name.startswith(f"{BUCKET_COLUMN}=") for path in files)
    written = {p.name for p in table.folder.parent.rglob("*") if p.is_file()}
    assert written == {DATA_FILE, f"{KEY_MATERIAL_PREFIX}{DATA_FILE}.json"}, "nothing else"
    with pytest.raises(OSError, match=r"encrypted footer|[Dd]ecrypt|[Kk]ey"):
        pq.read_table(files[0])


def test_a_units_rows_stay_in_one_partition(published) -> None:
    """Partitioned by a hash of the privacy unit: every unit's rows lie in a single bucket."""
    _, key, tables = published
    with tables.lease(key) as table:
        buckets: dict[str, set[str]] = {}
        for path in data_files(table.folder):
            units = read_encrypted_file(path, table.key_service).column(UNIT).to_pylist()
            for unit in units:
                buckets.setdefault(unit, set()).add(path.parent.name)
    assert len(buckets) == 50 and all(len(found) == 1 for found in buckets.values())


def test_spark_reads_through_the_key_service_and_agrees_with_duckdb(
    sqlite_lab: LabServices, published, jvm_client
) -> None:
    """Spark's own Parquet reader, keys unwrapped by the lab's key service: the same exact
    aggregates as DuckDB over the lab's decrypted copy, for each query."""
    metadata, key, tables = published
    for sql in QUERIES:
        compiled = compile_plan(plan_query(sql, [metadata], delta=1e-6))
        with sqlite_lab.sealed.open_plaintext_memfd(key) as plaintext:
            expected = DuckDBEngine().run(compiled, [plaintext]).to_pylist()
        with tables.lease(key) as table:
            assert jvm_client.run(compiled, [table]).to_pylist() == expected, sql
    assert sum(row["rows"] for row in expected) == 50 * 4


@pytest.mark.parametrize("token", ["expired", "another table's", "forged"])
def test_spark_without_a_valid_token_reads_nothing(published, jvm_client, token: str) -> None:
    """The key service refuses Spark's executors an expired, misdirected or forged token, and
    the query fails instead of answering."""
    metadata, key, tables = published
    compiled = compile_plan(plan_query(QUERIES[2], [metadata]))
    with tables.lease(key) as table:
        scope = table.folder.name
        bad = {
            "expired": tables.kms.issue_token(scope, seconds=-1),
            "another table's": tables.kms.issue_token("t" + "0" * 32),
            "forged": table.key_service.token[:-2] + "xx",
        }[token]
        stolen = EncryptedParquet(table.folder, KeyService(tables.kms_url, bad))
        with pytest.raises(Exception, match=r"refused|not one this lab issued|expired|Key"):
            jvm_client.run(compiled, [stolen])


def test_the_gateway_answers_from_the_export_publication_wrote(
    sqlite_lab, tmp_path, jvm_client, monkeypatch
) -> None:
    """The gateway's whole path — ledger, noise, cache — with Spark reading the encrypted copy
    that publishing wrote; the query only leases it (writing an export again fails the test)."""
    lab = replace_settings(
        sqlite_lab, gateway_engine="spark", gateway_spark_storage="encrypted-parquet"
    )
    gateway, engine, project_id = _open_gateway(
        lab, tmp_path, units=40, epsilon=1.0, inner=jvm_client
    )
    exported = sorted(lab.settings.resolved_spark_tables_dir.iterdir())

    def refused(*args, **kwargs):
        raise AssertionError("the query exported the table again")

    monkeypatch.setattr(encrypted_tables_module, "write_encrypted", refused)
    try:
        assert isinstance(gateway.tables, EncryptedTables) and len(exported) == 1
        answer = _ask(gateway, project_id, QUERIES[0].replace(", MEDIAN", ", AVG"))
        assert len(answer.rows) == 10 and engine.runs == 1
        assert sorted(lab.settings.resolved_spark_tables_dir.iterdir()) == exported
    finally:
        gateway.tables.close()


def test_rotation_rewraps_key_material_and_old_files_still_read(
    sqlite_lab: LabServices, published, jvm_client
) -> None:
    """After a new active KEK: rotation rewrites only the key-material files (data bytes equal),
    names only the new KEK, and Spark reads the table with a keyring that lacks the old KEK."""
    metadata, key, tables = published
    with tables.lease(key) as table:
        folder = table.folder
    data_before = {path: hashlib.sha256(path.read_bytes()).digest() for path in data_files(folder)}
    old = sqlite_lab.sealed.keyring
    fresh = os.urandom(32)
    rotated = encrypted_tables(sqlite_lab, Keyring("k-new", {**old.keys, "k-new": fresh}))
    try:
        assert rotated.rotate() == len(data_before)
    finally:
        rotated.close()
    assert data_before == {p: hashlib.sha256(p.read_bytes()).digest() for p in data_files(folder)}
    material = [json.loads(p.read_text()) for p in folder.rglob("_KEY_MATERIAL_FOR_*.json")]
    wrapped = [json.loads(v).get("wrappedKEK", "") for m in material for v in m.values()]
    kek_ids = {w.partition(":")[0] for w in wrapped if w}
    assert kek_ids == {"k-new"}
    new_only = encrypted_tables(sqlite_lab, Keyring("k-new", {"k-new": fresh}))
    compiled = compile_plan(plan_query(QUERIES[2], [metadata]))
    try:
        with new_only.lease(key) as table:
            assert jvm_client.run(compiled, [table]).to_pylist()[0]["rows"] == 50 * 4
    finally:
        new_only.close()


def test_keys_rotate_rewraps_the_spark_tables_too(sqlite_lab: LabServices, published) -> None:
    """``datalab keys rotate`` re-wraps the exported tables' key material with the sealed
    objects, ``keys status`` counts their files per KEK, and the rotated table then reads with
    the new KEK alone."""
    _, key, tables = published
    with tables.lease(key) as table:
        files = len(data_files(table.folder))
    home = sqlite_lab.settings.home
    rotated = datalab_keys(home, "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert f"key material of {files} encrypted Parquet files" in rotated.stdout
    keyring = read_keyring_file(sqlite_lab.settings.resolved_keyring_file)
    sealed = sum(map(int, re.search(r"(\d+) objects, (\d+) already", rotated.stdout).groups()))
    status = datalab_keys(home, "status")
    assert f"{keyring.active_id}\t{sealed + files} objects (active)" in status.stdout
    older = [line for line in status.stdout.splitlines()[1:] if "(active)" not in line]
    assert older and all(line.endswith("\t0 objects") for line in older), status.stdout
    assert printed_no_key(rotated, keyring) and printed_no_key(status, keyring)
    new_only = Keyring(keyring.active_id, {keyring.active_id: keyring.keys[keyring.active_id]})
    reader = encrypted_tables(sqlite_lab, new_only)
    try:
        with reader.lease(key) as table:
            assert read_encrypted(table.folder, table.key_service).num_rows == 50 * 4
    finally:
        reader.close()


def test_the_setting_selects_where_tables_come_from(sqlite_lab: LabServices, tmp_path) -> None:
    """Memory is the default, and DuckDB ignores the setting; Spark with encrypted-parquet
    leases encrypted tables from the configured shared folder."""
    assert isinstance(tables_for(sqlite_lab), OpenTableCache)
    duck = replace_settings(sqlite_lab, gateway_spark_storage="encrypted-parquet")
    assert isinstance(tables_for(duck), OpenTableCache)
    shared = tmp_path / "shared"
    spark = replace_settings(duck, gateway_engine="spark", gateway_spark_tables_dir=shared)
    chosen = tables_for(spark)
    try:
        assert isinstance(chosen, EncryptedTables) and chosen.folder == shared
        assert chosen.kms_url.startswith("http://127.0.0.1:")
    finally:
        chosen.close()


def test_encrypted_parquet_without_the_client_jar_stops_in_one_line(
    tmp_path: Path, monkeypatch
) -> None:
    """Spark cannot read encrypted tables without the lab's KMS client: the check says how to
    build it instead of failing at the first query."""
    monkeypatch.setattr(engine_choice, "JAR", tmp_path / "absent.jar")
    settings = load_settings(
        home=tmp_path, gateway_engine="spark", gateway_spark_storage="encrypted-parquet"
    )
    with pytest.raises(ConfigurationError, match=r"KMS client jar .*make install") as raised:
        check_engine(settings)
    assert "\n" not in raised.value.message


def test_a_failed_export_leaves_nothing_behind(sqlite_lab: LabServices, published) -> None:
    """An export that fails half-way (here: a unit column the table lacks) leaves neither the
    table's folder nor its staging folder on the shared storage."""
    _, key, tables = published
    with sqlite_lab.sealed.open_plaintext_memfd(key) as plaintext:
        scope = "t" + "1" * 32
        writing = KeyService(tables.kms_url, tables.kms.issue_token(scope, may_wrap=True))
        with pytest.raises(duckdb.Error):
            write_encrypted(
                f"/proc/self/fd/{plaintext.fileno()}",
                tables.folder / scope,
                unit="no such column",
                scope=scope,
                keys=writing,
            )
    assert not tables.folder.exists() or not any(tables.folder.iterdir())


def _certificate(
    subject: str, key, issuer: tuple[str, object] | None, *, ca: bool
) -> x509.Certificate:
    """A day-long certificate for ``subject``, self-signed or signed by ``issuer`` (name, key);
    a leaf names 127.0.0.1 as its address."""
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer or (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([address]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate and key it signed for 127.0.0.1, as PEM files."""
    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = _certificate("datalab test CA", ca_key, None, ca=True)
    server = _certificate("127.0.0.1", server_key, ("datalab test CA", ca_key), ca=False)
    paths = folder / "ca.pem", folder / "kms.pem", folder / "kms.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def test_spark_reads_through_the_key_service_over_tls(
    sqlite_lab: LabServices, tmp_path, jvm_client
) -> None:
    """With a certificate and key the key service speaks HTTPS: the exporter (Python) and
    Spark's executors (JVM) trust the lab's CA and read the table, and a client without the CA
    is refused at the handshake, in Python and in Spark."""
    ca, cert, private = _tls_files(tmp_path)
    lab = replace_settings(
        sqlite_lab,
        gateway_spark_kms_tls_cert=cert,
        gateway_spark_kms_tls_key=private,
        gateway_spark_kms_tls_ca=ca,
    )
    publish_tax_table(lab, tmp_path, units=50, canary=CANARY)
    with lab.sessions() as session:
        metadata, _, key = table_metadata(session, "tax")
    compiled = compile_plan(plan_query(QUERIES[2], [metadata]))
    tables = encrypted_tables(lab)
    try:
        assert tables.kms_url.startswith("https://127.0.0.1:")
        with tables.lease(key) as table:
            assert jvm_client.run(compiled, [table]).to_pylist()[0]["rows"] == 50 * 4
            scope = table.folder.name
            untrusting = KeyService(tables.kms_url, tables.kms.issue_token(scope))
            with pytest.raises(Exception, match=r"(?i)certificate verify failed"):
                read_encrypted_file(data_files(table.folder)[0], untrusting)
            with pytest.raises(Exception, match=r"(?i)cannot be reached|PKIX|certificat"):
                jvm_client.run(compiled, [EncryptedParquet(table.folder, untrusting)])
    finally:
        tables.close()


def test_a_certificate_without_its_key_stops_in_one_line(sqlite_lab: LabServices, tmp_path) -> None:
    """Half a TLS configuration is refused in one line: by the start-up check of
    ``datalab serve`` and when the key service starts."""
    _, cert, _ = _tls_files(tmp_path)
    lab = replace_settings(
        sqlite_lab,
        gateway_spark_kms_tls_cert=cert,
        gateway_engine="spark",
        gateway_spark_storage="encrypted-parquet",
    )
    with pytest.raises(ConfigurationError, match="set both"):
        check_engine(lab.settings)
    with pytest.raises(ConfigurationError, match="set both") as raised:
        encrypted_tables(lab)
    assert "\n" not in raised.value.message
