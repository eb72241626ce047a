"""The de-identified extract a T2 (conditional) version publishes, and the gate it must pass.

The plan follows each column's category in the guide: direct identifiers and anything graded
T3 or stricter are dropped; free text has embedded identifiers masked; quasi-identifiers are
generalised (birth dates → year, ages → 10-year bands, addresses → 街道). The result must then
(1) re-classify at T2 or below — the free text is scanned again — and (2) pass k-anonymity
(k ≥ 10) over its quasi-identifiers. Either failure stops the publication with the reason.

The extract is built in memory: k-anonymity needs every class count at once. T2 tables
(annual-report details, person-level extracts) are thousands to a few million rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from classification import Guide, Tier, classify_frame, gate, measure_anonymity
from classification import deidentify as di
from classification.errors import GateFailed
from lab.catalogue.versions.guide_store import known_category
from lab.errors import Conflict

K_ANONYMITY = 10
# category → (transform, header of the generalised column: it now holds coarser facts)
_GENERALISERS = {
    "BIRTH_DATE": (lambda s: di.generalise_dates(s, to="year"), "出生年份"),
    "AGE": (di.generalise_ages, "年龄段"),
    "PERSONAL_ADDRESS": (di.generalise_addresses, "所在街道"),
}


@dataclass(frozen=True)
class ExtractRecord:
    """What de-identification did, for the audit log and the dataset page."""

    rows: int
    dropped: tuple[str, ...]
    generalised: tuple[str, ...]
    masked: tuple[str, ...]
    smallest_class: int | None

    def to_json(self) -> dict:
        return {
            "extract": {
                "rows": self.rows,
                "dropped": list(self.dropped),
                "generalised": list(self.generalised),
                "masked": list(self.masked),
                "k": K_ANONYMITY,
                "smallest_class": self.smallest_class,
            }
        }


def plan(classification: dict, guide: Guide) -> tuple[list[str], list[str], list[str], list[str]]:
    """(drop, generalise, mask, quasi-identifiers) for the columns of a classification."""
    drop, generalise, masked, qis = [], [], [], []
    for column in classification["columns"]:
        name, code = column["name"], column["category"]
        # The category's own level decides: combination rules raise every member column, but
        # generalising the quasi-identifiers is what answers them.
        category = known_category(guide, code)
        role = category.role if category else "attribute"
        level = category.level if category else Tier(column["level"])
        if code in _GENERALISERS:
            generalise.append(name)
            qis.append(name)
        elif role == "free_text":
            masked.append(name)
        elif level >= Tier.T3:
            drop.append(name)
        elif role == "quasi_identifier":
            qis.append(name)
    return drop, generalise, masked, qis


def extract_columns(classification: dict, guide: Guide) -> list[tuple[str, str]]:
    """(source column, extract column) for each column a T2 extract keeps, in table order."""
    drop, generalise, _masked, _qis = plan(classification, guide)
    kept = [c for c in classification["columns"] if c["name"] not in drop]
    names = {c["name"] for c in kept}
    pairs = []
    for column in kept:
        name, header = column["name"], column["name"]
        if name in generalise:
            header = _GENERALISERS[column["category"]][1]
            header = header if header not in names else name
        pairs.append((name, header))
    return pairs


def build_extract(staged: Path, target: Path, classification: dict, guide: Guide) -> ExtractRecord:
    """De-identify the staged table into ``target``; raise Conflict if a gate fails."""
    drop, generalise, masked, qis = plan(classification, guide)
    categories = {c["name"]: c["category"] for c in classification["columns"]}
    frame = pq.read_table(staged).to_pandas().astype(object).where(lambda f: f.notna(), None)
    frame = di.drop(frame, drop)
    if frame.columns.empty:
        raise Conflict("nothing is left after de-identification: every column was dropped")
    renamed = {}
    for name in generalise:
        transform, header = _GENERALISERS[categories[name]]
        frame[name] = transform(frame[name])
        renamed[name] = header if header not in frame.columns else name
    frame = frame.rename(columns=renamed)
    qis = [renamed.get(q, q) for q in qis]
    for name in masked:
        frame[name] = di.mask_embedded(frame[name])
    smallest = _check_gates(frame, qis, guide)
    schema = pa.schema([(c, pa.string()) for c in frame.columns])
    pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), target)
    return ExtractRecord(len(frame), tuple(drop), tuple(generalise), tuple(masked), smallest)


def _check_gates(frame: pd.DataFrame, qis: list[str], guide: Guide) -> int | None:
    again = classify_frame(frame, guide=guide, sample_rows=len(frame) or 1)
    if again.tier > Tier.T2:
        raise Conflict(
            f"the de-identified extract still classifies {again.tier.value}: "
            + "; ".join(again.reasons[:3])
        )
    if not qis:
        return None
    report = measure_anonymity(frame, qis)
    try:
        gate(report, k=K_ANONYMITY)
    except GateFailed as failure:
        raise Conflict(f"T2 extract refused: {failure}") from None
    return report.smallest_class
