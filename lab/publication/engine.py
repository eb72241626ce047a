"""Which engine cuts a restricted table for publication, by the settings and the table's size."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from lab.catalogue.versions.artifacts import BoundingRecord
from lab.catalogue.versions.bounding_seed import BoundingSeed
from lab.crypto.kms_jar import JAR
from lab.db.models import DpMetadata
from lab.errors import ConfigurationError
from lab.gateway.encrypted_tables import encrypted_tables
from lab.gateway.spark_engine import SparkConfig
from lab.publication.plan import CutSpec
from lab.publication.spark_cut import cut_with_spark
from lab.services import LabServices
from lab.settings import LabSettings


def spark_for(settings: LabSettings, rows: int) -> SparkConfig | None:
    """The Spark configuration when a table of ``rows`` rows is cut on Spark, else None (the
    embedded DuckDB cut): ``publication_engine`` says spark, or auto and the table is large."""
    engine = settings.publication_engine
    if engine == "duckdb" or (engine == "auto" and rows < settings.publication_spark_min_rows):
        return None
    return SparkConfig.of(settings)


@dataclass(frozen=True)
class SparkPublication:
    """A publication's cut as a Spark job: the lab whose shared folder and keyring the job's
    encrypted files go through, and where Spark runs."""

    lab: LabServices
    config: SparkConfig

    def build(
        self, staged: Path, target: Path, dp: DpMetadata, columns: list[str], seed: BoundingSeed
    ) -> BoundingRecord:
        """``artifacts.build_restricted_table``'s table and record, computed by a Spark job."""
        config = self.config
        if not config.is_connect:  # a Connect server carries the jar on its own class path
            if not JAR.is_file():
                raise ConfigurationError(
                    f"a publication on Spark needs the lab's KMS client jar {JAR}: build it with "
                    "`make install` (or `python -m lab.crypto.kms_jar`; a JDK 17)"
                )
            config = replace(config, jars=(*config.jars, str(JAR)))
        spec = CutSpec.of(dp, columns)
        exchange = encrypted_tables(self.lab, bind=self._key_service_bind())
        try:
            return BoundingRecord(*cut_with_spark(spec, staged, target, seed.hex, config, exchange))
        finally:
            exchange.close()

    def _key_service_bind(self) -> str:
        """Where the job's key service listens: loopback for a local master (the executors are
        this machine's JVM), else where the settings put the lab's key service for a cluster."""
        if self.config.master.startswith("local"):
            return "127.0.0.1:0"
        return self.lab.settings.gateway_spark_kms_bind
