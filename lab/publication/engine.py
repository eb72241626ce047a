"""Which engine cuts a restricted table for publication, by the settings and the table's size."""

from __future__ import annotations

from pathlib import Path

from lab.catalogue.versions.artifacts import BoundingRecord
from lab.catalogue.versions.bounding_seed import BoundingSeed
from lab.db.models import DpMetadata
from lab.gateway.spark_engine import SparkConfig
from lab.publication.plan import CutSpec
from lab.publication.spark_cut import cut_with_spark
from lab.settings import LabSettings


def spark_for(settings: LabSettings, rows: int) -> SparkConfig | None:
    """The Spark configuration when a table of ``rows`` rows is cut on Spark, else None (the
    embedded DuckDB cut): ``publication_engine`` says spark, or auto and the table is large."""
    engine = settings.publication_engine
    if engine == "duckdb" or (engine == "auto" and rows < settings.publication_spark_min_rows):
        return None
    return SparkConfig(settings.gateway_spark_master, settings.gateway_spark_driver_memory)


def build_on_spark(
    staged: Path,
    target: Path,
    dp: DpMetadata,
    columns: list[str],
    seed: BoundingSeed,
    config: SparkConfig,
) -> BoundingRecord:
    """``artifacts.build_restricted_table``'s table and record, computed by a Spark job."""
    spec = CutSpec.of(dp, columns)
    return BoundingRecord(*cut_with_spark(spec, staged, target, seed.hex, config))
