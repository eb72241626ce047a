"""A Spark Connect server on this machine, started by the lab: loopback only, token required.

``LocalConnectServer`` runs ``org.apache.spark.sql.connect.service.SparkConnectServer`` (the
``spark-connect`` jar pyspark ships) through pyspark's own ``spark-submit``, in local mode:

* bound to 127.0.0.1 on a free port (``spark.connect.grpc.binding.address``), its driver too;
* requiring a pre-shared token (``spark.connect.authenticate.token``, which the server reads
  from ``SPARK_CONNECT_AUTHENTICATE_TOKEN``): handed over in the JVM's environment rather than
  on its command line, which every local user sees in ``ps``; a client without the token, or
  with another, is refused;
* with the lab's KMS client jar on its class path, so it reads encrypted Parquet through the
  lab's key service, and ``spark.io.encryption.enabled`` for its shuffles and spills;
* with none of the lab's ``DATALAB_*`` settings in its environment (an authenticated client's
  SQL could read the JVM's environment through ``reflect``).

``start`` returns once the port answers; ``stop`` ends the JVM. ``config`` is what a client
(``SparkEngine``) needs: ``sc://localhost:<port>`` and the token.

``python -m lab.gateway.spark_connect`` serves the lab's own settings in the foreground: a
``DATALAB_GATEWAY_SPARK_MASTER`` of ``sc://localhost:<port>`` and its
``DATALAB_GATEWAY_SPARK_CONNECT_TOKEN``, so every ``datalab serve`` worker shares one JVM.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from lab.crypto.kms_jar import JAR
from lab.errors import ConfigurationError
from lab.gateway.spark_engine import SQL_OPTIONS, SparkConfig, check_java, is_loopback
from lab.settings import load_settings

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
TOKEN_VARIABLE = "SPARK_CONNECT_AUTHENTICATE_TOKEN"  # noqa: S105 (a variable's name, no secret)
START_SECONDS = 180.0
_STOP_SECONDS = 30.0
_LOOPBACK = "127.0.0.1"


class LocalConnectServer:
    """One Spark Connect server JVM, child of this process (a context manager)."""

    def __init__(
        self,
        *,
        threads: int = 2,
        driver_memory: str = "1g",
        jars: tuple[str, ...] = (),
        port: int = 0,
        token: str = "",
    ) -> None:
        """``port`` 0 takes a free one at start; an empty ``token`` is drawn at random."""
        self.threads = threads
        self.driver_memory = driver_memory
        self.jars = jars
        self.token = token or secrets.token_urlsafe(32)
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None
        self._logs: tempfile.TemporaryDirectory[str] | None = None

    def __repr__(self) -> str:  # the token stays out of reprs and tracebacks
        return f"LocalConnectServer(port={self.port}, threads={self.threads})"

    @property
    def config(self) -> SparkConfig:
        """How a client reaches this server."""
        return SparkConfig(f"sc://localhost:{self.port}", connect_token=self.token)

    def start(self, timeout: float = START_SECONDS) -> LocalConnectServer:
        """Start the JVM and wait until its port answers (ConfigurationError in one line when
        Java is missing, or the server stops or stays silent)."""
        check_java()
        self.port = self.port or _free_port()
        self._logs = tempfile.TemporaryDirectory(prefix="datalab-spark-connect-")
        with open(self._log_file(), "wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 (pyspark's spark-submit, fixed arguments)
                self._command(),
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_for_port(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """End the JVM (SIGTERM, then SIGKILL after 30 s) and remove its log."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._logs is not None:
            self._logs.cleanup()
            self._logs = None

    def wait(self) -> None:
        """Block until the JVM ends (returns at once when it is not running)."""
        if self._process is not None:
            self._process.wait()

    def __enter__(self) -> LocalConnectServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def _command(self) -> list[str]:
        options = SQL_OPTIONS | {
            "spark.connect.grpc.binding.address": _LOOPBACK,
            "spark.connect.grpc.binding.port": str(self.port),
            "spark.driver.host": _LOOPBACK,
            "spark.driver.bindAddress": _LOOPBACK,
            "spark.ui.enabled": "false",
            "spark.io.encryption.enabled": "true",
            "spark.sql.shuffle.partitions": str(self.threads),
            "spark.log.level": "WARN",
        }
        jars = ["--jars", ",".join(self.jars), "--driver-class-path", ":".join(self.jars)]
        return [
            str(spark_home() / "bin" / "spark-submit"),
            *("--master", f"local[{self.threads}]", "--driver-memory", self.driver_memory),
            *("--name", "datalab-spark-connect", "--class", SERVER_CLASS),
            *(jars if self.jars else []),
            *(part for key, value in options.items() for part in ("--conf", f"{key}={value}")),
        ]

    def _environment(self) -> dict[str, str]:
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DATALAB_", "SPARK_", "PYSPARK_"))
        }
        return inherited | {
            "SPARK_HOME": str(spark_home()),
            "SPARK_LOCAL_IP": _LOOPBACK,
            TOKEN_VARIABLE: self.token,
        }

    def _wait_for_port(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        assert self._process is not None  # started by the caller
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise ConfigurationError(
                    f"the Spark Connect server stopped before it answered (exit {code}): "
                    f"{self._last_log_line()}"
                )
            try:
                socket.create_connection((_LOOPBACK, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.5)
        raise ConfigurationError(
            f"the Spark Connect server did not answer on {_LOOPBACK}:{self.port} "
            f"within {timeout:.0f} s"
        )

    def _log_file(self) -> Path:
        assert self._logs is not None  # made by start
        return Path(self._logs.name) / "server.log"

    def _last_log_line(self) -> str:
        lines = self._log_file().read_text(errors="replace").strip().splitlines()
        return lines[-1][:300] if lines else "no output"


def spark_home() -> Path:
    """pyspark's installation, which is a Spark home (``bin/spark-submit``, ``jars/``)."""
    found = importlib.util.find_spec("pyspark")
    if found is None or found.origin is None:
        raise ConfigurationError(
            "a Spark Connect server needs pyspark: install the lab with its `spark` extra"
        )
    return Path(found.origin).parent


def _free_port() -> int:
    """A loopback port free right now (the server fails fast if another process takes it)."""
    with socket.socket() as probe:
        probe.bind((_LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port


def main() -> int:
    """Serve the settings' loopback Connect master until interrupted (status 2, one line, when
    the settings name no such master or the server cannot start)."""
    try:
        settings = load_settings()
        config = SparkConfig(settings.gateway_spark_master)
        host, port = config.connect_address
        if not config.is_connect or not is_loopback(host):
            raise ConfigurationError(
                "set DATALAB_GATEWAY_SPARK_MASTER=sc://localhost:<port> (and "
                "DATALAB_GATEWAY_SPARK_CONNECT_TOKEN) to serve Spark Connect on this machine"
            )
        server = LocalConnectServer(
            threads=os.cpu_count() or 1,
            driver_memory=settings.gateway_spark_driver_memory,
            jars=(str(JAR),) if JAR.is_file() else (),
            port=port,
            token=settings.gateway_spark_connect_token.get_secret_value(),
        )
        server.start()
    except ConfigurationError as error:
        print(f"datalab: {error.message}", file=sys.stderr)
        return 2
    print(f"Spark Connect serving {config.master} (Ctrl-C stops it)", flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
