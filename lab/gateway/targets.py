"""Where a query goes: the dataset's served version, its gateway metadata and the budgets charged.

A published version's metadata never changes (its tier and DP metadata are fixed once it is
published; a change is a new version), so it is read from the database once per version and
kept, with the kind of privacy unit it protects (``units``). Each query then needs one small
read: which version is served, which approved budget the project holds on the dataset and the
project's organisation. The organisation's budget rows on the dataset and on the unit kind are
never deleted, so their ids are kept too (created with the default caps the first time).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from classification import Tier
from lab.catalogue.versions.datasets import current_version, get_dataset
from lab.catalogue.versions.dp_metadata import DeclaredBounds, declared_bounds, declared_domains
from lab.db.models import Dataset, DpMetadata, PrivacyBudget, SandboxProject
from lab.errors import NotFound
from lab.gateway.ledger import ChargedBudgets
from lab.gateway.metadata import Bounds, ColumnKind, TableMetadata
from lab.gateway.org_budgets import OrganisationCaps, charge_rows
from lab.gateway.projects import ProjectState
from lab.gateway.units import privacy_unit_kind
from lab.gateway.zcdp import Accounting

_KEPT_VERSIONS = 256


def table_metadata(session: Session, slug: str) -> tuple[TableMetadata, int, str]:
    """The gateway's view of a published restricted dataset: (metadata, version id, object key)."""
    metadata, version_id, object_key, _ = _served(session, slug)
    return metadata, version_id, object_key


def _served(session: Session, slug: str) -> tuple[TableMetadata, int, str, str]:
    """``table_metadata`` and the version's privacy-unit kind."""
    dataset = get_dataset(session, slug)
    version = current_version(session, dataset)
    dp = session.get(DpMetadata, version.id) if version else None
    if version is None or dp is None or version.tier is None or Tier(version.tier) < Tier.T3:
        raise NotFound(f"no restricted dataset {slug!r} is published")
    bounds = declared_bounds(dp.bounds)
    kinds = {p["name"]: _kind(bounds.get(p["name"])) for p in version.profile}
    code_lists, generated = declared_domains(dp.domains, bounds)
    unit = privacy_unit_kind(version.classification, dp.privacy_unit)
    metadata = TableMetadata(
        name=slug,
        columns=kinds,
        privacy_unit=dp.privacy_unit,
        max_rows_per_unit=dp.max_rows_per_unit,
        bounds={c: Bounds(*b.stored(), b.scale) for c, b in bounds.items()},
        public_domains=code_lists,
        generated_domains=generated,
        unique_per_unit=frozenset(dp.unique_per_unit or ()),
        unit_kind=unit,
    )
    return metadata, version.id, version.objects["data.parquet"], unit


def _kind(bounds: DeclaredBounds | None) -> ColumnKind:
    """Bounded columns are numbers: integers, or fixed-point decimals with a precision."""
    if bounds is None:
        return ColumnKind.TEXT
    return ColumnKind.INTEGER if bounds.precision is None else ColumnKind.FLOAT


@dataclass(frozen=True)
class QueryTarget:
    """What one query runs against and charges: metadata, version, object, three budgets, the
    privacy-unit kind whose organisation budget is one of them, and the project's accounting."""

    metadata: TableMetadata
    version_id: int
    object_key: str
    budgets: ChargedBudgets
    unit: str
    accounting: Accounting = Accounting.PURE


@dataclass(frozen=True)
class _Version:
    metadata: TableMetadata
    object_key: str
    unit: str


class QueryTargets:
    """Resolves a dataset slug (and project) to its served version and the budgets it charges."""

    def __init__(self, caps: OrganisationCaps | None = None) -> None:
        self._caps = caps or OrganisationCaps()
        self._kept: OrderedDict[int, _Version] = OrderedDict()
        self._rows: dict[tuple[int, int, str], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def table(self, session: Session, slug: str) -> tuple[TableMetadata, int, str]:
        """``table_metadata`` of the served version, read once per version."""
        version_id = session.scalar(select(Dataset.current_version_id).where(Dataset.slug == slug))
        version_id, kept = self._version(session, slug, version_id)
        return kept.metadata, version_id, kept.object_key

    def target(self, session: Session, *, slug: str, project_id: int) -> QueryTarget:
        """The served version of ``slug`` and the budgets a query by ``project_id`` charges.

        NotFound unless the project is approved with a budget on the dataset. ``session`` may
        commit (creating an organisation-level row on first use).
        """
        row = session.execute(
            select(
                Dataset.current_version_id,
                PrivacyBudget.id,
                SandboxProject.organisation_id,
                Dataset.id,
                SandboxProject.accounting,
            )
            .outerjoin(
                PrivacyBudget,
                and_(
                    PrivacyBudget.dataset_id == Dataset.id, PrivacyBudget.project_id == project_id
                ),
            )
            .outerjoin(
                SandboxProject,
                and_(
                    SandboxProject.id == PrivacyBudget.project_id,
                    SandboxProject.state == ProjectState.APPROVED.value,
                ),
            )
            .where(Dataset.slug == slug)
        ).one_or_none()
        version_id, kept = self._version(session, slug, row[0] if row is not None else None)
        if row is None or row[1] is None or row[2] is None:
            raise NotFound("no approved budget for this project and dataset")
        on_dataset, on_unit = self._organisation_rows(session, row[2], row[3], kept.unit)
        budgets = ChargedBudgets(project=row[1], dataset=on_dataset, unit=on_unit)
        accounting = Accounting(row[4])
        return QueryTarget(
            kept.metadata, version_id, kept.object_key, budgets, kept.unit, accounting
        )

    def _organisation_rows(
        self, session: Session, organisation_id: int, dataset_id: int, unit: str
    ) -> tuple[int, int]:
        key = (organisation_id, dataset_id, unit)
        with self._lock:
            kept = self._rows.get(key)
        if kept is None:
            kept = charge_rows(
                session,
                organisation_id=organisation_id,
                dataset_id=dataset_id,
                unit=unit,
                caps=self._caps,
            )
            with self._lock:
                self._rows[key] = kept
        return kept

    def _version(self, session: Session, slug: str, version_id: int | None) -> tuple[int, _Version]:
        with self._lock:
            kept = self._kept.get(version_id) if version_id is not None else None
            if version_id is not None and kept is not None and kept.metadata.name == slug:
                self._kept.move_to_end(version_id)
                return version_id, kept
        metadata, read_id, object_key, unit = _served(session, slug)  # checks tier, DP metadata
        kept = _Version(metadata, object_key, unit)
        with self._lock:
            self._kept[read_id] = kept
            while len(self._kept) > _KEPT_VERSIONS:
                self._kept.popitem(last=False)
        return read_id, kept
