"""De-identification of a T2 version: search the lattice, let the steward choose, build the extract.

``propose`` reads the staged table of a version decided T2, plans it from its classification
(direct identifiers and T3+ attributes dropped, free text masked, quasi-identifiers generalised
by their hierarchies, sensitive columns kept for l-diversity) and returns every minimal solution
of ``classification.lattice.search``, best first, the top ones with a preview of generalised
rows; when there is none it refuses, naming the blocking column and a limit that would work.
``choose`` checks a node meets the limits and records it with the version (audited).
``build_chosen_extract`` applies the recorded choice at publication; the result then passes the
re-classification and the k/l gate measured afresh by ``classification.anonymity``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from classification import Guide, Tier, classify_frame, gate, measure_anonymity
from classification import deidentify as di
from classification.errors import ClassificationError, GateFailed
from classification.hierarchies import HierarchySet, content_version
from classification.lattice import (
    Limits,
    QuasiIdentifier,
    SearchResult,
    Solution,
    apply_levels,
    measure_levels,
    search,
)
from lab.audit import AuditLog
from lab.catalogue.versions.datasets import get_version
from lab.catalogue.versions.decisions import VersionState
from lab.catalogue.versions.guide_store import current_guide, known_category
from lab.catalogue.versions.hierarchy_store import current_hierarchies
from lab.catalogue.versions.staged import open_staged
from lab.clock import now
from lab.db import transaction
from lab.db.models import DatasetVersion
from lab.errors import Conflict, InternalError, InvalidInput
from lab.services import LabServices

PREVIEW_ROWS = 10
TOP_SOLUTIONS = 3


@dataclass(frozen=True)
class Plan:
    """What the extract does with each column."""

    drop: tuple[str, ...]
    masked: tuple[str, ...]
    qis: tuple[QuasiIdentifier, ...]
    sensitive: tuple[str, ...]


def plan_columns(classification: dict, guide: Guide, hierarchies: HierarchySet) -> Plan:
    """Drop, mask, generalise or keep (sensitive or not) each column of a classification."""
    drop, masked, qis, sensitive = [], [], [], []
    for column in classification["columns"]:
        name, code = column["name"], column["category"]
        category = known_category(guide, code)
        role = category.role if category else "attribute"
        level = category.level if category else Tier(column["level"])
        hierarchy = hierarchies.for_column(name, code)
        if role == "free_text":
            masked.append(name)
        elif role == "quasi_identifier" and (hierarchy or level < Tier.T3):
            qis.append(QuasiIdentifier(name, hierarchy or hierarchies.fallback()))
        elif level >= Tier.T3:
            drop.append(name)
        elif hierarchy is not None and role != "identifier":
            qis.append(QuasiIdentifier(name, hierarchy))
        elif hierarchies.is_sensitive(name):
            sensitive.append(name)
    return Plan(tuple(drop), tuple(masked), tuple(qis), tuple(sensitive))


def extract_frame(staged: Path, plan: Plan) -> pd.DataFrame:
    """The staged table with dropped columns gone and free text masked (strings, None)."""
    frame = pq.read_table(staged).to_pandas().astype(object).where(lambda f: f.notna(), None)
    frame = di.drop(frame, list(plan.drop))
    if frame.columns.empty:
        raise Conflict("nothing is left after de-identification: every column was dropped")
    for name in plan.masked:
        frame[name] = di.mask_embedded(frame[name])
    return frame


@dataclass(frozen=True)
class Proposal:
    """The search's answer for one version, with previews of the top solutions."""

    version_id: int
    result: SearchResult
    hierarchies_version: str
    previews: tuple[dict, ...]

    def to_json(self) -> dict:
        """The shape the API returns and the page shows."""
        result, limits = self.result, self.result.limits
        top = []
        for rank, solution in enumerate(result.solutions, start=1):
            preview = self.previews[rank - 1] if rank <= len(self.previews) else None
            top.append({"rank": rank, **solution.to_json(result.columns), "preview": preview})
        blocker = result.blocker
        return {
            "version_id": self.version_id,
            "rows": result.rows,
            "limits": {"k": limits.k, "l": limits.l, "max_suppression": limits.max_suppression},
            "quasi_identifiers": list(result.columns),
            "sensitive": list(result.sensitive),
            "hierarchies": self.hierarchies_version,
            "lattice_nodes": result.nodes,
            "nodes_evaluated": result.evaluated,
            "minimal_solutions": len(result.solutions),
            "solutions": top,
            "blocker": None
            if blocker is None
            else {
                "column": blocker.column,
                "needed_suppression": round(blocker.needed_suppression, 6),
                "largest_k": blocker.largest_k,
                "message": blocker.message,
            },
        }


def _decided_t2(session: Session, version_id: int) -> DatasetVersion:
    version = get_version(session, version_id)
    if version.state != VersionState.DECIDED or version.tier != Tier.T2.value:
        raise Conflict(
            f"version {version_id} is {version.state} at {version.tier or 'no tier'}: "
            "de-identification is for versions decided T2 and not yet published"
        )
    return version


def _load(lab: LabServices, version_id: int) -> tuple[DatasetVersion, Guide, HierarchySet]:
    with lab.sessions() as session:
        version = _decided_t2(session, version_id)
        return version, current_guide(session), current_hierarchies(session)


def _staged_frame(lab: LabServices, version: DatasetVersion, plan: Plan) -> pd.DataFrame:
    if version.staging_dir is None:
        raise InternalError(f"version {version.id} is being extracted but its upload was purged")
    with open_staged(Path(version.staging_dir), lab.sealed.keyring) as plaintext:
        return extract_frame(Path(f"/proc/self/fd/{plaintext.fileno()}"), plan)


def _preview(frame: pd.DataFrame, plan: Plan, hs: HierarchySet, limits: Limits, s: Solution):
    applied = apply_levels(frame, list(plan.qis), list(plan.sensitive), hs, limits, s.levels)
    head = applied.frame.head(PREVIEW_ROWS)
    rows = [["" if v is None else str(v) for v in row] for row in head.itertuples(index=False)]
    return {"columns": [str(c) for c in head.columns], "rows": rows}


def propose(lab: LabServices, *, version_id: int, limits: Limits) -> Proposal:
    """Every minimal solution for a version decided T2, best first (top ones previewed)."""
    version, guide, hierarchies = _load(lab, version_id)
    plan = plan_columns(version.classification, guide, hierarchies)
    frame = _staged_frame(lab, version, plan)
    try:
        result = search(frame, list(plan.qis), list(plan.sensitive), hierarchies, limits)
    except ClassificationError as exc:
        raise InvalidInput(str(exc)) from None
    if result.blocker is not None:
        raise Conflict(f"T2 extract refused: {result.blocker.message}")
    previews = tuple(
        _preview(frame, plan, hierarchies, limits, s) for s in result.solutions[:TOP_SOLUTIONS]
    )
    return Proposal(version_id, result, content_version(hierarchies.text), previews)


def quasi_identifier_columns(lab: LabServices, *, version_id: int) -> list[str]:
    """The quasi-identifiers of a version decided T2, in table order (the levels' order)."""
    version, guide, hierarchies = _load(lab, version_id)
    return [q.column for q in plan_columns(version.classification, guide, hierarchies).qis]


def choose(
    lab: LabServices, *, version_id: int, levels: dict[str, int], limits: Limits, actor: str
) -> dict:
    """Record the steward's node for a T2 version once it meets ``limits`` (audited)."""
    version, guide, hierarchies = _load(lab, version_id)
    plan = plan_columns(version.classification, guide, hierarchies)
    columns = [q.column for q in plan.qis]
    if sorted(levels) != sorted(columns):
        raise InvalidInput(f"choose one level for each quasi-identifier: {columns}")
    node = tuple(levels[c] for c in columns)
    frame = _staged_frame(lab, version, plan)
    try:
        measured = measure_levels(
            frame, list(plan.qis), list(plan.sensitive), hierarchies, limits, node
        )
    except ClassificationError as exc:
        raise InvalidInput(str(exc)) from None
    if measured.suppressed > limits.allowed_rows(len(frame)) or measured.classes == 0:
        raise Conflict(
            f"that choice suppresses {measured.suppressed:,} of {len(frame):,} rows, more than "
            f"the limit of {limits.max_suppression:.1%}; pick a solution from the search"
        )
    record = {
        **measured.to_json(tuple(columns)),
        "rows": len(frame),
        "k": limits.k,
        "l": limits.l,
        "max_suppression": limits.max_suppression,
        "sensitive": list(plan.sensitive),
        "hierarchies": content_version(hierarchies.text),
        "hierarchies_version": hierarchies.version,
        "chosen_by": actor,
        "chosen_at": now().isoformat(),
    }
    _record_choice(lab, version_id, record, actor)
    return record


def _record_choice(lab: LabServices, version_id: int, record: dict, actor: str) -> None:
    with transaction(lab.sessions) as session:
        version = _decided_t2(session, version_id)
        version.deidentification = record
        _audit_choice(session, lab.audit, version, record, actor)


def _audit_choice(
    session: Session, audit: AuditLog, version: DatasetVersion, record: dict, actor: str
) -> None:
    audit.append_in(
        session,
        actor=actor,
        action="dataset.deidentify",
        target=f"dataset-version:{version.id}",
        details={"deidentification": record},
    )


def build_chosen_extract(
    staged: Path,
    target: Path,
    classification: dict,
    guide: Guide,
    hierarchies: HierarchySet,
    choice: dict,
) -> dict:
    """Apply the recorded choice to the staged table into ``target``; Conflict if a gate fails."""
    if choice["hierarchies"] != content_version(hierarchies.text):
        raise Conflict(
            "the hierarchies changed since the de-identification was chosen: choose again"
        )
    plan = plan_columns(classification, guide, hierarchies)
    limits = Limits(choice["k"], choice["l"], choice["max_suppression"])
    frame = extract_frame(staged, plan)
    columns = [q.column for q in plan.qis]
    if sorted(choice["levels"]) != sorted(columns):
        raise Conflict("the quasi-identifiers changed since the choice was made: choose again")
    node = tuple(choice["levels"][c] for c in columns)
    applied = apply_levels(frame, list(plan.qis), list(plan.sensitive), hierarchies, limits, node)
    if applied.suppressed > limits.allowed_rows(len(frame)):
        raise Conflict("the chosen de-identification no longer meets its suppression limit")
    gated = [applied.headers[c] for c in columns]
    _check_reclassification(applied.frame, gated, guide)
    smallest, diversity = _check_anonymity(applied.frame, gated, list(plan.sensitive), limits)
    schema = pa.schema([(str(c), pa.string()) for c in applied.frame.columns])
    table = pa.Table.from_pandas(applied.frame, schema=schema, preserve_index=False)
    pq.write_table(table, target)
    return {
        "extract": {
            "rows": len(applied.frame),
            "suppressed": applied.suppressed,
            "dropped": list(plan.drop),
            "masked": list(plan.masked),
            "generalised": choice["level_names"],
            "k": limits.k,
            "l": limits.l,
            "smallest_class": smallest,
            "smallest_diversity": diversity,
        },
        "deidentification": choice,
    }


def _check_reclassification(frame: pd.DataFrame, gated: list[str], guide: Guide) -> None:
    """The extract classifies T2 or below: the rest as a table, each gated column on its own
    (their combination is what the k/l gate answers, so combination rules skip it)."""
    rest = frame.drop(columns=gated)
    parts = [rest] if len(rest.columns) else []
    parts += [frame[[column]] for column in gated]
    for part in parts:
        again = classify_frame(part, guide=guide, sample_rows=len(part) or 1)
        if again.tier > Tier.T2:
            raise Conflict(
                f"the de-identified extract still classifies {again.tier.value}: "
                + "; ".join(again.reasons[1:4])
            )


def _check_anonymity(
    frame: pd.DataFrame, gated: list[str], sensitive: list[str], limits: Limits
) -> tuple[int | None, int | None]:
    """Measure k and l afresh over the extract (``classification.anonymity``) and gate them."""
    if not gated:
        return None, None
    smallest, diversity = None, None
    columns: list[str | None] = list(sensitive) if sensitive else [None]
    for column in columns:
        report = measure_anonymity(frame, gated, column)
        try:
            gate(report, k=limits.k, l=limits.l)
        except GateFailed as failure:
            raise Conflict(f"T2 extract refused: {failure}") from None
        smallest = report.smallest_class
        if report.smallest_diversity is not None:
            diversity = min(d for d in (diversity, report.smallest_diversity) if d is not None)
    return smallest, diversity
