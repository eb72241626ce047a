"""Loading the demo city into the lab the way a steward would: ingest, decide, declare, publish.

Each generated file goes through the real ingest path, with its data dictionary from the
manifest. The steward's decision confirms the proposed tier (the demo needs no override; if a
proposal ever differs from the intended tier, the proposal is kept and reported). Restricted
versions get the DP metadata the generator describes, and everything publishable is published.
A dataset already in the catalogue is left as it is, so running the demo again is quick.

Once a dataset is in the catalogue its generated source file is deleted (``discard_sources``):
the lab keeps the data encrypted in staging or in its objects, so no plaintext copy of a
restricted table lies around in ``demo-data/``; only the manifest (no values) stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from classification import Tier
from lab.catalogue.dictionary import DataDictionary
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.db.models import Dataset
from lab.demo.manifest import DemoDataset, DemoManifest, DPHints
from lab.ingest.pipeline import ingest
from lab.services import LabServices

DEMO_STEWARD = "steward"
CODED_COLUMNS = {
    "行业门类": "gb4754_section",
    "行业代码": "gb4754_demo_division",
    "行政区划代码": "qingdao_district_code",
}
"""Every demo table with these columns holds these public lists' codes in them."""


@dataclass(frozen=True)
class DemoLoadResult:
    """What happened to one demo dataset."""

    slug: str
    intended: str
    proposed: str
    state: str


def load_demo_catalogue(
    lab: LabServices, data_dir: Path, progress: Callable[[str], None] | None = None
) -> list[DemoLoadResult]:
    """Ingest and publish every dataset of the demo manifest not yet served."""
    manifest = DemoManifest.read(data_dir / "manifest.json")
    results = []
    for dataset in manifest.datasets:
        if progress:
            progress(dataset.id)
        if _in_catalogue(lab, dataset.id):
            results.append(DemoLoadResult(dataset.id, dataset.intended_tier, "-", "already loaded"))
            continue
        results.append(_load_one(lab, data_dir, dataset))
    return results


def discard_sources(lab: LabServices, data_dir: Path) -> None:
    """Delete the generated file of every manifest dataset that is in the catalogue now."""
    for dataset in DemoManifest.read(data_dir / "manifest.json").datasets:
        if _in_catalogue(lab, dataset.id):
            (data_dir / dataset.file_name).unlink(missing_ok=True)


def sources_ready(lab: LabServices, data_dir: Path) -> bool:
    """True when every manifest dataset is either in the catalogue or has its file to ingest."""
    manifest = data_dir / "manifest.json"
    if not manifest.exists():
        return False
    return all(
        _in_catalogue(lab, dataset.id) or (data_dir / dataset.file_name).exists()
        for dataset in DemoManifest.read(manifest).datasets
    )


def _in_catalogue(lab: LabServices, slug: str) -> bool:
    with lab.sessions() as session:
        return session.scalar(select(Dataset.id).where(Dataset.slug == slug)) is not None


def _load_one(lab: LabServices, data_dir: Path, dataset: DemoDataset) -> DemoLoadResult:
    meta = DatasetMeta(
        title=dataset.title,
        department=dataset.department,
        description=dataset.description,
        slug=dataset.id,
        title_en=dataset.title_en,
        topic=dataset.topic,
        tags=tuple(dataset.tags),
        update_frequency=dataset.update_frequency,
    )
    with (data_dir / dataset.file_name).open("rb") as stream:
        outcome = ingest(
            lab,
            stream,
            dataset.file_name,
            meta,
            actor=DEMO_STEWARD,
            dictionary=_dictionary(dataset),
        )
    proposed = outcome.classification.tier
    if outcome.rejected:
        return DemoLoadResult(dataset.id, dataset.intended_tier, proposed.value, "rejected")
    with transaction(lab.sessions) as session:
        version = get_version(session, outcome.version_id)
        decide(
            session, lab.audit, version=version, tier=proposed, justification="", actor=DEMO_STEWARD
        )
        if proposed >= Tier.T3:
            if dataset.dp is None:
                return DemoLoadResult(
                    dataset.id, dataset.intended_tier, proposed.value, "awaiting DP metadata"
                )
            set_dp_metadata(
                session,
                lab.audit,
                version=version,
                declaration=_declaration(dataset.dp),
                actor=DEMO_STEWARD,
                max_domain_groups=lab.settings.gateway_max_domain_groups,
            )
    publish(lab, version_id=outcome.version_id, actor=DEMO_STEWARD)
    return DemoLoadResult(dataset.id, dataset.intended_tier, proposed.value, "published")


def _dictionary(dataset: DemoDataset) -> DataDictionary:
    """The manifest's dictionary, naming the code list of the columns that hold codes."""
    return DataDictionary.from_pairs(
        (column, text, "", CODED_COLUMNS.get(column, "")) for column, text in dataset.dictionary
    )


def _declaration(hints: DPHints) -> DpDeclaration:
    return DpDeclaration(
        privacy_unit=hints.privacy_unit,
        max_rows_per_unit=hints.max_rows_per_unit,
        bounds={b.column: (float(b.lower), float(b.upper)) for b in hints.numeric_bounds},
        domains={d.column: d.code_list for d in hints.categorical_domains},
        unique_per_unit=hints.unique_per_unit,
    )
