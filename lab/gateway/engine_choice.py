"""The query engine the settings choose: embedded DuckDB (the default) or Spark."""

from __future__ import annotations

from lab.gateway.engine import DuckDBEngine, QueryEngine
from lab.gateway.spark_engine import SparkConfig, SparkEngine, check_prerequisites
from lab.settings import LabSettings


def check_engine(settings: LabSettings) -> None:
    """Check, without starting it, that the chosen engine can start (ConfigurationError)."""
    if settings.gateway_engine == "spark":
        check_prerequisites(_spark_config(settings))


def engine_for(settings: LabSettings) -> QueryEngine:
    """``DATALAB_GATEWAY_ENGINE``'s engine, ready to run: Spark is started (and its
    prerequisites checked) here, so a missing Java or a bad master stops the lab at start."""
    if settings.gateway_engine == "duckdb":
        return DuckDBEngine()
    engine = SparkEngine(_spark_config(settings))
    engine.start()
    return engine


def _spark_config(settings: LabSettings) -> SparkConfig:
    """The Spark settings as the engine takes them."""
    return SparkConfig(settings.gateway_spark_master, settings.gateway_spark_driver_memory)
