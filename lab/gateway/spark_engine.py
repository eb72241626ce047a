"""The Spark engine: a compiled plan run by Spark SQL over a restricted table handed over in memory.

The statement is the planner's, rendered for Spark by sqlglot (``spark_sql``); only the exact
per-group aggregates come back, as Arrow, and the gateway noises them in the lab like DuckDB's.

How a restricted table reaches Spark without a plaintext copy on storage: pyarrow reads the
columns the statement uses from the lab's anonymous memory file (``open_tables``), and
``createDataFrame`` streams them to the driver JVM. With ``spark.io.encryption.enabled`` PySpark
sends them over its authenticated local socket instead of a temporary file (its default), and
anything Spark spills or shuffles is encrypted with a key that lives only in the JVM. The
DataFrame is a temporary view for one statement, dropped afterwards. This suits local mode (the
JVM is the lab's child process). A cluster reads encrypted Parquet instead: a source that is an
``EncryptedParquet`` (``DATALAB_GATEWAY_SPARK_STORAGE=encrypted-parquet``, ``encrypted_tables``)
is read by Spark's own Parquet reader with the lab's KMS client and that table's token as the
read's options, so executors unwrap its keys through the lab and nothing is decrypted here.

Spark is optional: ``SparkEngine.start`` checks, before anything else, that pyspark and Java 17+
are installed and the master can be reached, and says in one line what is missing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import threading
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lab.errors import ConfigurationError
from lab.gateway.engine import ParquetSource, parquet_path
from lab.gateway.parquet_crypto import EncryptedParquet
from lab.gateway.planner import CompiledQuery
from lab.gateway.spark_sql import source_columns, spark_sql
from lab.settings import LabSettings

MIN_JAVA = 17
_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')
_REMOTE = re.compile(r"^(spark|sc)://([\w.-]+)(?::(\d+))?")
_CONNECT_PORT = 15002


@dataclass(frozen=True)
class SparkConfig:
    """Where Spark runs and how much memory its driver may take."""

    master: str = "local[2]"
    driver_memory: str = "2g"
    jars: tuple[str, ...] = ()
    secret: str = field(default="", repr=False)  # a standalone cluster's shared secret

    @classmethod
    def of(cls, settings: LabSettings, jars: tuple[str, ...] = ()) -> SparkConfig:
        """The Spark settings of the lab, with ``jars`` on the class path."""
        return cls(
            settings.gateway_spark_master,
            settings.gateway_spark_driver_memory,
            jars,
            settings.gateway_spark_cluster_secret.get_secret_value(),
        )

    @property
    def is_standalone(self) -> bool:
        """Whether the master is a standalone cluster's (``spark://``)."""
        return self.master.startswith("spark://")

    @property
    def is_connect(self) -> bool:
        """Whether the master is a Spark Connect URL (``sc://``)."""
        return self.master.startswith("sc://")

    @property
    def shuffle_partitions(self) -> int:
        """Partitions after a shuffle: one per local thread (the aggregates are small), else
        Spark's default of 200 for a cluster."""
        found = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\d+)?\])?", self.master)
        if found is None:
            return 200
        threads = found.group(1) or "1"
        return os.cpu_count() or 1 if threads == "*" else int(threads)

    def options(self) -> dict[str, str]:
        """The session's settings: no UI, encrypted transfers and spills, UTC, ANSI SQL."""
        return (
            {
                "spark.app.name": "datalab-gateway",
                "spark.ui.enabled": "false",
                "spark.io.encryption.enabled": "true",
                "spark.sql.session.timeZone": "UTC",
                "spark.sql.ansi.enabled": "true",
                "spark.sql.shuffle.partitions": str(self.shuffle_partitions),
                "spark.driver.memory": self.driver_memory,
                "spark.driver.host": "127.0.0.1",
                "spark.driver.bindAddress": "127.0.0.1",
                "spark.log.level": "ERROR",
                "spark.ui.showConsoleProgress": "false",
            }
            | self._jar_options()
            | self._cluster_options()
        )

    def _cluster_options(self) -> dict[str, str]:
        """With a cluster's secret: authenticate to the master and the executors, and encrypt
        the traffic between them (task results and shuffle blocks cross the network)."""
        if not self.secret:
            return {}
        return {
            "spark.authenticate": "true",
            "spark.authenticate.secret": self.secret,
            "spark.network.crypto.enabled": "true",
        }

    def _jar_options(self) -> dict[str, str]:
        """Extra jars (the lab's KMS client) on the driver's class path and shipped to executors."""
        if not self.jars:
            return {}
        return {
            "spark.jars": ",".join(self.jars),
            "spark.driver.extraClassPath": ":".join(self.jars),
        }


class SparkEngine:
    """Runs compiled plans in one Spark session, started on first use (or by ``start``)."""

    def __init__(self, config: SparkConfig | None = None) -> None:
        self.config = config or SparkConfig()
        self._session: Any = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Check the prerequisites and start the session (ConfigurationError says what failed)."""
        self._open()

    def run(
        self, compiled: CompiledQuery, sources: Sequence[ParquetSource | EncryptedParquet]
    ) -> pa.Table:
        """The exact aggregates of ``compiled`` over ``sources``, computed by Spark."""
        session = self._open()
        referenced = set(source_columns(compiled.sql))
        views = tuple(f"restricted_{uuid.uuid4().hex}" for _ in sources)
        try:
            for source, view in zip(sources, views, strict=True):
                with quiet_pyspark():
                    _frame(session, source, referenced).createOrReplaceTempView(view)
            with quiet_pyspark():
                return session.sql(spark_sql(compiled.sql, views)).toArrow()
        finally:
            for view in views:
                session.catalog.dropTempView(view)

    def session(self) -> Any:
        """The running Spark session, started (prerequisites checked) on first use."""
        return self._open()

    def close(self) -> None:
        """Stop the session (a later statement starts a new one)."""
        with self._lock:
            if self._session is not None:
                self._session.stop()
                self._session = None

    def _open(self) -> Any:
        with self._lock:
            if self._session is None:
                check_prerequisites(self.config)
                self._session = start_session(self.config)
            return self._session


def _frame(session: Any, source: ParquetSource | EncryptedParquet, referenced: set[str]) -> Any:
    """A DataFrame of ``source``: read by Spark itself from encrypted Parquet, or the columns
    the statement uses handed over from the lab's memory."""
    if isinstance(source, EncryptedParquet):
        return session.read.options(**source.spark_options()).parquet(str(source.folder))
    path = parquet_path(source)
    names = pq.read_schema(path).names
    columns = [name for name in names if name in referenced] or names[:1]
    return session.createDataFrame(pq.read_table(path, columns=columns))


def check_prerequisites(config: SparkConfig) -> None:
    """pyspark importable, Java 17+ (local and standalone masters) and the master reachable."""
    if importlib.util.find_spec("pyspark") is None:
        raise ConfigurationError(
            "DATALAB_GATEWAY_ENGINE=spark needs pyspark: install the lab with its `spark` extra"
        )
    if config.is_connect:
        if importlib.util.find_spec("grpc") is None:
            raise ConfigurationError(
                f"Spark Connect ({config.master}) needs pyspark's connect client: "
                "pip install 'pyspark[connect]'"
            )
    else:
        _check_java()
    if config.is_standalone and not config.secret:
        raise ConfigurationError(
            f"the standalone Spark master {config.master} needs the cluster's shared secret "
            "(DATALAB_GATEWAY_SPARK_CLUSTER_SECRET, its spark.authenticate.secret)"
        )
    _check_reachable(config.master)


def _check_java() -> None:
    """Java is on the PATH (or under JAVA_HOME) and at least version 17."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        raise ConfigurationError(
            f"the Spark engine needs Java {MIN_JAVA}+, and none was found (PATH or JAVA_HOME); "
            "install a JDK (Debian: openjdk-17-jre-headless) or set DATALAB_GATEWAY_ENGINE=duckdb"
        )
    shown = subprocess.run(  # noqa: S603 (the java binary found above, a fixed argument)
        [java, "-version"], capture_output=True, text=True, timeout=30, check=False
    ).stderr
    found = _JAVA_VERSION.search(shown)
    major = int(found.group(1)) if found else 0
    major = int(found.group(2) or 0) if major == 1 and found else major  # "1.8" is Java 8
    if major < MIN_JAVA:
        raise ConfigurationError(
            f"the Spark engine needs Java {MIN_JAVA}+, found {java} saying "
            f"{shown.splitlines()[0] if shown else 'nothing'!r}"
        )


def _check_reachable(master: str) -> None:
    """A remote master's host and port accept a connection (Spark itself would retry for a
    minute before giving up)."""
    found = _REMOTE.match(master)
    if found is None:
        return
    host, port = found.group(2), int(found.group(3) or _CONNECT_PORT)
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as error:
        raise ConfigurationError(
            f"cannot reach the Spark master {master} "
            f"(DATALAB_GATEWAY_SPARK_MASTER): {error.strerror or error}"
        ) from None


def start_session(config: SparkConfig) -> Any:
    """A Spark session for ``config``; a failure to start is one ConfigurationError line."""
    from pyspark.sql import SparkSession  # optional dependency, imported only when chosen

    if not config.is_connect:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # the local JVM binds loopback only
    builder = SparkSession.builder
    builder = builder.remote(config.master) if config.is_connect else builder.master(config.master)
    for key, value in config.options().items():
        builder = builder.config(key, value)
    try:
        with quiet_pyspark():
            return builder.getOrCreate()
    except Exception as error:  # py4j and pyspark raise many kinds; all mean "did not start"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ConfigurationError(f"Spark did not start at {config.master}: {first}") from None


@contextmanager
def quiet_pyspark() -> Iterator[None]:
    """Silence two warnings pyspark raises on its own: "pandas 3 is untested" (we hand it
    Arrow, not pandas) and the transfer socket it leaves for the garbage collector."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", ResourceWarning)
        yield
