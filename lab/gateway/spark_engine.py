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

Spark Connect (an ``sc://`` master) is a gRPC client of a server the lab does not start: only
the runtime SQL options a Connect session accepts are sent (``SQL_OPTIONS``; memory, jars
and addresses are the server's own), with the server's token as the bearer credential. The
token is a field of ``SparkConfig`` that its repr hides and no message shows; pyspark sends it
over gRPC's local credentials to ``localhost`` (a loopback address is dialled as ``localhost``
for that reason) and over TLS to any other host. Restricted rows never go in plaintext to a
Connect server, even on loopback (it stages large handovers on its disk): ``run`` refuses
anything but ``EncryptedParquet``, and the settings refuse ``DATALAB_GATEWAY_SPARK_STORAGE=memory``
with an ``sc://`` master.

Spark is optional: ``SparkEngine.start`` checks, before anything else, that pyspark (and for
Connect its client's packages) or Java 17+ are installed and the master can be reached, and
says in one line what is missing.
"""

from __future__ import annotations

import importlib.util
import ipaddress
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
from urllib.parse import urlsplit

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
_GRPC_STATUS = re.compile(r'status = StatusCode\.(\w+)\s+details = "([^"]*)"')
# The SQL semantics the plans rely on: runtime options, the only ones a Connect session may set.
SQL_OPTIONS = {"spark.sql.session.timeZone": "UTC", "spark.sql.ansi.enabled": "true"}
# pyspark's Connect client: the modules it imports and the packages that hold them.
_CONNECT_CLIENT = {
    "grpc": "grpcio",
    "grpc_status": "grpcio-status",
    "google.rpc": "googleapis-common-protos",
    "zstandard": "zstandard",
    "pandas": "pandas",
}


@dataclass(frozen=True)
class SparkConfig:
    """Where Spark runs and how much memory its driver may take; for a Spark Connect master,
    the server's authentication token (hidden from repr; never part of ``master``)."""

    master: str = "local[2]"
    driver_memory: str = "2g"
    jars: tuple[str, ...] = ()
    secret: str = field(default="", repr=False)  # a standalone cluster's shared secret
    connect_token: str = field(default="", repr=False)  # a Spark Connect server's token

    def __post_init__(self) -> None:
        if self.is_connect and re.search(r";token=", self.master):
            raise ConfigurationError(
                "the Spark Connect token belongs in DATALAB_GATEWAY_SPARK_CONNECT_TOKEN, "
                "not in the master URL"
            )

    @classmethod
    def of(cls, settings: LabSettings, jars: tuple[str, ...] = ()) -> SparkConfig:
        """The Spark settings of the lab, with ``jars`` on the class path."""
        return cls(
            settings.gateway_spark_master,
            settings.gateway_spark_driver_memory,
            jars,
            settings.gateway_spark_cluster_secret.get_secret_value(),
            settings.gateway_spark_connect_token.get_secret_value(),
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
    def connect_address(self) -> tuple[str, int]:
        """A Connect master's host and port (15002 unless it says otherwise)."""
        address = self.master.removeprefix("sc://").partition("/;")[0]
        url = urlsplit(f"//{address}")
        return url.hostname or "localhost", url.port or _CONNECT_PORT

    def connect_url(self) -> str:
        """The Connect URL as pyspark dials it (without the token): a loopback address becomes
        ``localhost``, the one name pyspark reaches without TLS (gRPC's local credentials)."""
        host, port = self.connect_address
        params = self.master.partition("/;")[2]
        if is_loopback(host) and "use_ssl=true" not in params.lower().split(";"):
            host = "localhost"
        return f"sc://{host}:{port}" + (f"/;{params}" if params else "")

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
        """The settings of a session with its own driver (not Connect, which sends only
        ``SQL_OPTIONS``): no UI, encrypted transfers and spills, UTC, ANSI SQL."""
        return {
            **SQL_OPTIONS,
            "spark.app.name": "datalab-gateway",
            "spark.ui.enabled": "false",
            "spark.io.encryption.enabled": "true",
            "spark.sql.shuffle.partitions": str(self.shuffle_partitions),
            "spark.driver.memory": self.driver_memory,
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.log.level": "ERROR",
            "spark.ui.showConsoleProgress": "false",
            **self._jar_options(),
            **self._cluster_options(),
        }

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
        _refuse_plaintext_over_connect(self.config, sources)
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


def _refuse_plaintext_over_connect(
    config: SparkConfig, sources: Sequence[ParquetSource | EncryptedParquet]
) -> None:
    """Only encrypted Parquet goes to a Spark Connect server (DESIGN §9): plaintext columns
    would cross gRPC, and the server stages those over 64 MB in a temporary folder on its disk
    (pyspark caches them as artifacts). The settings refuse the combination earlier."""
    if config.is_connect and not all(isinstance(s, EncryptedParquet) for s in sources):
        raise ConfigurationError(
            f"restricted rows are not sent in plaintext to the Spark Connect server "
            f"{config.master}: set DATALAB_GATEWAY_SPARK_STORAGE=encrypted-parquet"
        )


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: ``localhost`` or a loopback address."""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    """pyspark importable, then its Connect client's packages (an ``sc://`` master) or Java 17+
    (local and standalone masters), and the master reachable."""
    if importlib.util.find_spec("pyspark") is None:
        raise ConfigurationError(
            "DATALAB_GATEWAY_ENGINE=spark needs pyspark: install the lab with its `spark` extra"
        )
    if config.is_connect:
        check_connect_client()
    else:
        check_java()
    if config.is_standalone and not config.secret:
        raise ConfigurationError(
            f"the standalone Spark master {config.master} needs the cluster's shared secret "
            "(DATALAB_GATEWAY_SPARK_CLUSTER_SECRET, its spark.authenticate.secret)"
        )
    _check_reachable(config.master)


def check_connect_client() -> None:
    """The packages pyspark's Connect client imports are installed (its `connect` extra)."""
    missing = [package for module, package in _CONNECT_CLIENT.items() if not _importable(module)]
    if missing:
        raise ConfigurationError(
            f"Spark Connect needs pyspark's connect client, which lacks {', '.join(missing)}: "
            "install the lab's `spark` extra (pip install 'pyspark[connect]')"
        )


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package (``google``) is missing
        return False


def check_java() -> None:
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
    try:
        with quiet_pyspark():
            return _connect_session(config) if config.is_connect else _classic_session(config)
    except Exception as error:  # py4j, gRPC and pyspark raise many kinds; all: "did not start"
        raise ConfigurationError(
            f"Spark did not start at {config.master}: {_reason(error)}"
        ) from None


def _reason(error: Exception) -> str:
    """An error's first line, or a gRPC error's status and details (its text is a
    multi-line repr whose first line says nothing)."""
    text = str(error).strip()
    grpc = _GRPC_STATUS.search(text)
    if grpc:
        return f"{grpc.group(1)}: {grpc.group(2)}"
    return text.splitlines()[0] if text else type(error).__name__


def _classic_session(config: SparkConfig) -> Any:
    """The process's Spark session with a driver JVM of its own (or the one running)."""
    from pyspark.sql import SparkSession  # optional dependency, imported only when chosen

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # the local JVM binds loopback only
    builder = SparkSession.builder.master(config.master)
    for key, value in config.options().items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _connect_session(config: SparkConfig) -> Any:
    """A new session on the Spark Connect server, authenticated by the token, with the SQL
    semantics the plans need (a server that refuses them fails the start here).

    pyspark's Connect classes are used directly: its generic builder would mark the whole
    process as Connect-only, and a local session beside it (publication) could not start."""
    # The lab forks children that exec at once (``datalab serve``'s checks, sandboxes); gRPC's
    # fork handlers would print epoll errors into their stderr (2 forks in 20 measured here).
    os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
    from pyspark.sql.connect.client import DefaultChannelBuilder
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    channel = DefaultChannelBuilder(config.connect_url())
    if config.connect_token:  # what the URL's ";token=" would set, kept out of any URL text
        channel.set(DefaultChannelBuilder.PARAM_TOKEN, config.connect_token)
    session = ConnectSession.builder.channelBuilder(channel).create()
    try:
        for key, value in SQL_OPTIONS.items():
            session.conf.set(key, value)
    except Exception:
        session.stop()
        raise
    return session


@contextmanager
def quiet_pyspark() -> Iterator[None]:
    """Silence two warnings pyspark raises on its own: "pandas 3 is untested" (we hand it
    Arrow, not pandas) and the transfer socket it leaves for the garbage collector."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", ResourceWarning)
        yield
