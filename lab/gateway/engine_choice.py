"""The query engine the settings choose: embedded DuckDB (the default) or Spark, and how the
restricted tables reach it (decrypted in the lab's memory, or encrypted Parquet for Spark)."""

from __future__ import annotations

from lab.crypto.kms_jar import JAR
from lab.crypto.kms_server import parse_bind, server_tls
from lab.errors import ConfigurationError
from lab.gateway.encrypted_tables import EncryptedTables, encrypted_tables
from lab.gateway.engine import DuckDBEngine, QueryEngine
from lab.gateway.open_tables import OpenTableCache
from lab.gateway.spark_engine import SparkConfig, SparkEngine, check_prerequisites
from lab.gateway.table_exports import exports_enabled
from lab.services import LabServices
from lab.settings import LabSettings


def check_engine(settings: LabSettings, workers: int = 1) -> None:
    """Check, without starting it, that the chosen engine can start in each of ``workers``
    server processes (ConfigurationError)."""
    if exports_enabled(settings):
        check_key_service_ports(settings.gateway_spark_kms_bind, workers)
        server_tls(settings.gateway_spark_kms_tls_cert, settings.gateway_spark_kms_tls_key)
    if settings.gateway_engine == "spark":
        check_prerequisites(_spark_config(settings))


def check_key_service_ports(bind: str, workers: int) -> None:
    """Each server process runs its own key service: a fixed range must hold one port each."""
    _, ports = parse_bind(bind)
    if ports != range(1) and len(ports) < workers:
        raise ConfigurationError(
            f"{workers} server processes each run a key service for Spark, and "
            f"DATALAB_GATEWAY_SPARK_KMS_BIND={bind} has {len(ports)} port(s): give a range "
            f"of at least {workers} (host:first-last) or port 0"
        )


def engine_for(settings: LabSettings) -> QueryEngine:
    """``DATALAB_GATEWAY_ENGINE``'s engine, ready to run: Spark is started (and its
    prerequisites checked) here, so a missing Java or a bad master stops the lab at start."""
    if settings.gateway_engine == "duckdb":
        return DuckDBEngine()
    engine = SparkEngine(_spark_config(settings))
    engine.start()
    return engine


def tables_for(lab: LabServices) -> OpenTableCache | EncryptedTables:
    """Where the gateway leases restricted tables: encrypted Parquet on the shared folder when
    Spark reads them itself (``DATALAB_GATEWAY_SPARK_STORAGE=encrypted-parquet``), else the
    bounded cache of tables decrypted into the lab's memory."""
    if exports_enabled(lab.settings):
        return encrypted_tables(lab)
    return OpenTableCache(lab.sealed.open_plaintext_memfd, lab.settings.gateway_cache_bytes)


def _spark_config(settings: LabSettings) -> SparkConfig:
    """The Spark settings as the engine takes them (with the lab's KMS client jar when Spark
    reads encrypted Parquet; missing, it stops the lab in one line). A Spark Connect server has
    the jar on its own class path: the lab needs none then."""
    connect = settings.gateway_spark_master.startswith("sc://")
    if exports_enabled(settings) and not connect and not JAR.is_file():
        raise ConfigurationError(
            f"DATALAB_GATEWAY_SPARK_STORAGE=encrypted-parquet needs the lab's KMS client jar "
            f"{JAR}: build it with `make install` (or `python -m lab.crypto.kms_jar`; a JDK 17)"
        )
    # on the class path whenever it is built: a publication's Spark job in this process shares
    # the session and reads and writes encrypted Parquet through it
    jars = (str(JAR),) if JAR.is_file() else ()
    return SparkConfig.of(settings, jars)
