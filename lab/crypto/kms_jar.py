"""Build the JVM KMS client (``java/kms-client``) into the jar Spark loads.

``make install`` runs ``python -m lab.crypto.kms_jar``: with a JDK 17+ (``javac``) and pyspark
present it compiles ``LabKmsClient`` against pyspark's own Parquet, Hadoop and Jackson jars and
writes ``build/java/datalab-kms-client.jar``; without them it prints why and builds nothing (the
Spark engine's encrypted-Parquet storage then says the jar is missing).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
SOURCES = REPOSITORY / "java" / "kms-client" / "src"
JAR = REPOSITORY / "build" / "java" / "datalab-kms-client.jar"
CLIENT_CLASS = "org.citydatalab.kms.LabKmsClient"


def missing_tools() -> str | None:
    """Why the jar cannot be built here, or None when it can."""
    if shutil.which("javac") is None or shutil.which("jar") is None:
        return "no JDK (javac, jar) on the PATH; Debian: apt-get install openjdk-17-jdk-headless"
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (the `spark` extra)"
    return None


def build(target: Path = JAR) -> Path:
    """Compile the client against pyspark's jars into ``target`` (RuntimeError if javac fails)."""
    pyspark = importlib.util.find_spec("pyspark")
    assert pyspark is not None and pyspark.origin is not None  # checked by missing_tools
    classpath = str(Path(pyspark.origin).parent / "jars" / "*")
    sources = sorted(str(path) for path in SOURCES.rglob("*.java"))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as classes:
        _run(["javac", "--release", "17", "-cp", classpath, "-d", classes, *sources])
        partial = target.with_suffix(".jar.tmp")
        _run(["jar", "--create", "--file", str(partial), "-C", classes, "."])
        partial.replace(target)
    return target


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


def main() -> int:
    """Build the jar, or say in one line why it is skipped (never an error for the install)."""
    reason = missing_tools()
    if reason is not None:
        print(f"JVM KMS client not built: {reason}")
        return 0
    print(f"built the JVM KMS client: {build().relative_to(REPOSITORY)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
