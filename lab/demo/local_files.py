"""The generated demo's data files by dataset id, for tools that read them where they lie.

The credit aggregates read their sources with DuckDB, whose CSV reader takes UTF-8 only. In the
lab they read published versions (Parquet, decoded by the ingest); the credit benchmark,
``datalab credit validate-demo`` and the tests read the generated files directly. A CSV written
in another encoding (the GBK 双公示 export) is decoded once into a UTF-8 copy under
``decoded/``, as the ingest would decode it; the generated file stays as it is.
"""

from __future__ import annotations

from pathlib import Path

from lab.demo.manifest import DemoManifest

READ_IN_PLACE = ("csv", "parquet")
UTF8 = ("utf-8", "utf-8-sig")
DECODED = "decoded"


def readable_files(out_dir: Path) -> dict[str, str]:
    """Paths of the demo's CSV and Parquet files in ``out_dir`` by dataset id, UTF-8 throughout."""
    manifest = DemoManifest.read(out_dir / "manifest.json")
    files = {}
    for dataset in manifest.datasets:
        if dataset.format not in READ_IN_PLACE:
            continue
        path = out_dir / dataset.file_name
        if dataset.format == "csv" and dataset.encoding not in UTF8:
            path = _decoded(path, dataset.encoding or "")
        files[dataset.id] = str(path)
    return files


def _decoded(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of ``path`` (written the first time)."""
    copy = path.parent / DECODED / path.name
    if not copy.exists():
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(path.read_bytes().decode(encoding), encoding="utf-8", newline="")
    return copy
