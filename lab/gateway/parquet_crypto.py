"""Restricted tables as Parquet with modular encryption, the form a Spark cluster reads natively.

Layout of one table version (its *scope*, ``kms.table_scope``) under the shared folder::

    <scope>/unit_bucket=07/part-0.parquet                     footer and every column encrypted
    <scope>/unit_bucket=07/_KEY_MATERIAL_FOR_part-0.parquet.json   wrapped keys, beside the file

* **Partitions.** Rows go to one of ``BUCKETS`` folders by a hash of their privacy unit
  (DuckDB's ``hash``, modulo ``BUCKETS``), so each unit's rows stay together; the bucket number
  is the only thing in a path. The layout is fixed when a table is written; nothing recomputes
  it (md5 would be portable across DuckDB versions but cost 10× the whole export).
* **Keys.** pyarrow generates a data key per file and column set (AES-GCM, ``AES_GCM_V1``), wraps
  each with a per-file key-encryption key (double wrapping), and has the lab's key service wrap
  those under two master key identifiers, ``<scope>/footer`` and ``<scope>/columns``
  (``lab/crypto/kms``). The master keys are the lab's KEKs and never leave the lab.
* **Key material outside the files**, so rotating the lab's KEK re-wraps the small JSON files
  and leaves the data untouched (``rotate``).
* **Atomic.** A table is written into a hidden folder and renamed into place, so a reader never
  sees half of one.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe

from lab.crypto.kms import COLUMNS, FOOTER, master_key_id
from lab.crypto.kms_client import connection
from lab.crypto.kms_jar import CLIENT_CLASS
from lab.sql_text import sql_name

BUCKETS = 16
BUCKET_COLUMN = "unit_bucket"
DATA_FILE = "part-0.parquet"
KEY_MATERIAL_PREFIX = "_KEY_MATERIAL_FOR_"
CRYPTO_FACTORY = "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory"
TRUSTED_CA_OPTION = "datalab.kms.trusted.ca.pem"
_BATCH_ROWS = 512 * 1024
_KEY_CACHE = timedelta(minutes=1)


@dataclass(frozen=True)
class KeyService:
    """Where the lab's key service answers, the token a call presents, and the PEM CA file a
    client trusts for its HTTPS (None: the system's trust store)."""

    url: str
    token: str
    ca: str | None = None


@dataclass(frozen=True)
class EncryptedParquet:
    """An encrypted table version as an engine receives it: its folder and how Spark opens it
    (the key service's URL and a short-lived reading token for this table only)."""

    folder: Path
    key_service: KeyService

    def spark_options(self) -> dict[str, str]:
        """The reader options that make Spark's Parquet decrypt through the lab's key service
        (they become the Hadoop configuration of this one read)."""
        return _spark_kms_options(self.key_service)


def spark_writing_options(scope: str, keys: KeyService) -> dict[str, str]:
    """The writer options that make Spark write encrypted Parquet for ``scope``: the footer and
    every column under the one master key ``<scope>/footer`` (a uniform key, so no column name
    has to be spelled in a property), data keys wrapped by the lab through ``keys``, which must
    hold a writing token for ``scope``; the wrapped keys stay inside each file."""
    return _spark_kms_options(keys) | {
        "parquet.encryption.uniform.key": master_key_id(scope, FOOTER),
        "parquet.encryption.key.material.store.internally": "true",
        "compression": "zstd",
    }


def _spark_kms_options(keys: KeyService) -> dict[str, str]:
    options = {
        "parquet.crypto.factory.class": CRYPTO_FACTORY,
        "parquet.encryption.kms.client.class": CLIENT_CLASS,
        "parquet.encryption.kms.instance.url": keys.url,
        "parquet.encryption.key.access.token": keys.token,
        "parquet.encryption.cache.lifetime.seconds": str(int(_KEY_CACHE.total_seconds())),
    }
    if keys.ca:  # the CA certificate itself (public), read by the JVM client
        options[TRUSTED_CA_OPTION] = Path(keys.ca).read_text()
    return options


def write_encrypted(source: str, target: Path, *, unit: str, scope: str, keys: KeyService) -> None:
    """Write the Parquet at ``source`` as ``target`` (a folder named for ``scope``), encrypted
    and partitioned by ``unit``'s hash; ``keys`` must hold a writing token for ``scope``."""
    factory, kms = connection(keys.url, keys.token, keys.ca)
    config = pe.EncryptionConfiguration(
        footer_key=master_key_id(scope, FOOTER),
        column_keys={master_key_id(scope, COLUMNS): pq.read_schema(source).names},
        encryption_algorithm="AES_GCM_V1",
        plaintext_footer=False,
        double_wrapping=True,
        internal_key_material=False,
        cache_lifetime=_KEY_CACHE,
    )
    staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    staging.mkdir(mode=0o700, parents=True)
    writers: dict[int, pq.ParquetWriter] = {}
    try:
        for bucket, rows in _bucketed(source, unit):
            if bucket not in writers:
                path = staging / f"{BUCKET_COLUMN}={bucket:02d}" / DATA_FILE
                path.parent.mkdir()
                properties = factory.file_encryption_properties(kms, config, str(path))
                writers[bucket] = pq.ParquetWriter(
                    str(path), rows.schema, encryption_properties=properties
                )
            writers[bucket].write_table(rows)
        while writers:
            writers.popitem()[1].close()
        os.rename(staging, target)
    finally:
        for writer in writers.values():
            writer.close()
        shutil.rmtree(staging, ignore_errors=True)


def _bucketed(source: str, unit: str) -> Iterator[tuple[int, pa.Table]]:
    """``source``'s rows in batches, each split into the rows of one bucket (sorted once by
    bucket, then cut into slices)."""
    quoted = sql_name(unit)
    bucket = f"CAST(hash({quoted}) % {BUCKETS} AS INTEGER)"
    with duckdb.connect(config={"threads": 2, "enable_external_file_cache": False}) as database:
        reader = database.sql(
            f"SELECT *, {bucket} AS __bucket FROM read_parquet(?)",  # noqa: S608 (quoted name)
            params=[source],
        ).to_arrow_reader(_BATCH_ROWS)
        for batch in reader:
            table = pa.Table.from_batches([batch])
            table = table.take(pc.sort_indices(table.column("__bucket")))
            counts = pc.value_counts(table.column("__bucket")).to_pylist()
            rows, start = table.drop_columns(["__bucket"]), 0
            for found in sorted(counts, key=lambda each: each["values"]):
                yield found["values"], rows.slice(start, found["counts"])
                start += found["counts"]


def data_files(folder: Path) -> list[Path]:
    """The encrypted data files of a table folder, in bucket order."""
    return sorted(folder.glob(f"{BUCKET_COLUMN}=*/{DATA_FILE}"))


def read_encrypted(folder: Path, keys: KeyService) -> pa.Table:
    """The whole table, decrypted in memory through the key service (a reading token suffices)."""
    return pa.concat_tables(read_encrypted_file(path, keys) for path in data_files(folder))


def read_encrypted_file(path: Path, keys: KeyService) -> pa.Table:
    """One data file of a table, decrypted in memory through the key service."""
    factory, kms = connection(keys.url, keys.token, keys.ca)
    config = pe.DecryptionConfiguration(cache_lifetime=_KEY_CACHE)
    properties = factory.file_decryption_properties(kms, config, str(path))
    return pq.read_table(str(path), decryption_properties=properties)


def copy_decrypted(files: list[Path], target: Path, keys: KeyService) -> int:
    """Write the rows of the encrypted Parquet ``files`` (one table, one schema) into ``target``
    as one zstd Parquet file, decrypting a batch at a time through the key service (a reading
    token suffices); returns the rows copied."""
    factory, kms = connection(keys.url, keys.token, keys.ca)
    config = pe.DecryptionConfiguration(cache_lifetime=_KEY_CACHE)
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for path in files:
            properties = factory.file_decryption_properties(kms, config, str(path))
            with pq.ParquetFile(str(path), decryption_properties=properties) as source:
                schema = source.schema_arrow.remove_metadata()
                if writer is None:
                    writer = pq.ParquetWriter(str(target), schema, compression="zstd")
                for batch in source.iter_batches(_BATCH_ROWS):
                    writer.write_batch(batch.replace_schema_metadata())
                    rows += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows


def rotate(folder: Path, keys: KeyService) -> int:
    """Re-wrap every file's key material under the lab's active KEK (a writing token for the
    table's scope); the data files are not rewritten. Returns how many files were re-wrapped."""
    factory, kms = connection(keys.url, keys.token, keys.ca)
    files = data_files(folder)
    for path in files:
        factory.rotate_master_keys(kms, str(path), double_wrapping=True)
    return len(files)


def kek_usage(folder: Path) -> Counter[str]:
    """How many encrypted data files under ``folder`` (every table) each lab KEK id wraps keys
    of, read from the key material beside them (no key service needed)."""
    usage: Counter[str] = Counter()
    for material in sorted(folder.glob(f"*/{BUCKET_COLUMN}=*/{KEY_MATERIAL_PREFIX}*.json")):
        entries = json.loads(material.read_text()).values()
        wrapped = (json.loads(entry).get("wrappedKEK") or "" for entry in entries)
        usage.update({text.partition(":")[0] for text in wrapped if ":" in text})
    return usage
