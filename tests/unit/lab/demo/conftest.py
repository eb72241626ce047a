"""One small demo run shared by the demo tests (generation is deterministic, so sharing is safe)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from lab.demo import DemoDataset, DemoManifest, generate_demo_data

SCALE = 300
SEED = 7


@pytest.fixture(scope="package")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding one generated demo at ``SCALE`` firms and ``SEED``."""
    out_dir = tmp_path_factory.mktemp("demo")
    generate_demo_data(out_dir, scale=SCALE, seed=SEED)
    return out_dir


@pytest.fixture(scope="package")
def manifest(demo_dir: Path) -> DemoManifest:
    """The manifest of that run, read back from disk."""
    return DemoManifest.read(demo_dir / "manifest.json")


def read_dataset(demo_dir: Path, dataset: DemoDataset) -> pd.DataFrame:
    """Load one generated file the way an ingest would: identifiers as text, blanks kept blank."""
    path = demo_dir / dataset.file_name
    text = dict.fromkeys(dataset.identifier_columns, str)
    if dataset.format == "csv":
        return pd.read_csv(path, encoding=dataset.encoding, dtype=text, keep_default_na=False)
    if dataset.format == "xlsx":
        return pd.read_excel(path, dtype=text)
    return pd.read_parquet(path)


@pytest.fixture(scope="package")
def read(demo_dir: Path, manifest: DemoManifest) -> Callable[[str], pd.DataFrame]:
    """Read a dataset of the shared run by its id."""
    return lambda dataset_id: read_dataset(demo_dir, manifest.dataset(dataset_id))
