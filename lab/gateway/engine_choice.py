"""The query engine the settings choose: embedded DuckDB (the default) or Spark."""

from __future__ import annotations

from lab.gateway.engine import DuckDBEngine, QueryEngine
from lab.settings import LabSettings


def engine_for(settings: LabSettings) -> QueryEngine:
    """``DATALAB_GATEWAY_ENGINE``'s engine, ready to run: Spark is started (and its
    prerequisites checked) here, so a missing Java or a bad master stops the lab at start."""
    if settings.gateway_engine == "duckdb":
        return DuckDBEngine()
    from lab.gateway.spark_engine import SparkConfig, SparkEngine  # only when chosen

    engine = SparkEngine(
        SparkConfig(settings.gateway_spark_master, settings.gateway_spark_driver_memory)
    )
    engine.start()
    return engine
