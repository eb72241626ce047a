"""The steward API's shapes: what a steward sends (``…In``) and what the lab answers (``…Out``).

Outputs carry only what the stored version already holds: the classification's stable JSON and
a profile whose top values and ranges were dropped at ingest for every column that may not be
shown, and for every column of a T3+ proposal or decision (see ``lab.ingest.pipeline``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from classification import Guide, Tier
from lab.catalogue.versions.decisions import Decision, VersionState
from lab.catalogue.versions.dp_metadata import (
    NUMERIC_SHARE_FOR_BOUNDS,
    DpDeclaration,
    declared_bounds,
)
from lab.catalogue.versions.version_queries import VersionUnderReview
from lab.db.models import Dataset, DatasetVersion, DpMetadata
from lab.ingest.pipeline import IngestOutcome

"""Share of numeric values a column needs for DP bounds (what ``DpDeclaration`` checks)."""


class _In(BaseModel):
    """Inputs refuse unknown fields, so a misspelt key is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ColumnFindingOut(BaseModel):
    """One column's category, level and the reasons for them."""

    name: str
    category: str
    level: Tier
    reasons: list[str]


class ClassificationOut(BaseModel):
    """The proposed tier under one guide version, with the dataset's and each column's reasons."""

    tier: Tier
    guide_version: str
    reasons: list[str]
    columns: list[ColumnFindingOut]


class IngestOut(BaseModel):
    """What an ingest recorded: the version and its proposal (``rejected`` for T5)."""

    version_id: int
    slug: str
    number: int
    rejected: bool
    classification: ClassificationOut

    @classmethod
    def of(cls, outcome: IngestOutcome) -> IngestOut:
        return cls(
            version_id=outcome.version_id,
            slug=outcome.slug,
            number=outcome.number,
            rejected=outcome.rejected,
            classification=ClassificationOut.model_validate(outcome.classification.to_json()),
        )


class ColumnProfileOut(BaseModel):
    """What was measured of one column; ``min``/``max``/``top_values`` only for shown columns."""

    name: str
    rows: int
    nulls: int
    distinct: int
    distinct_capped: bool
    numeric_share: float
    min: float | None
    max: float | None
    max_length: int
    top_values: list[tuple[str, int]]

    @property
    def numeric(self) -> bool:
        """True when DP bounds may be declared for this column."""
        return self.numeric_share >= NUMERIC_SHARE_FOR_BOUNDS


class VersionSummaryOut(BaseModel):
    """One dataset version as a line of the steward's queue."""

    id: int
    dataset_slug: str
    dataset_title: str
    department: str
    number: int
    state: VersionState
    proposed_tier: Tier
    tier: Tier | None
    rows: int
    source_name: str
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, version: DatasetVersion, dataset: Dataset, **extra: Any) -> Self:
        """The shape filled from the stored version and its dataset (plus ``extra`` fields)."""
        stored = {
            name: getattr(version, name) for name in cls.model_fields if hasattr(version, name)
        }
        return cls(
            **stored,
            dataset_slug=dataset.slug,
            dataset_title=dataset.title,
            department=dataset.department,
            **extra,
        )


class DpMetadataOut(BaseModel):
    """The DP metadata declared for a T3/T4 version."""

    privacy_unit: str
    max_rows_per_unit: int
    bounds: dict[str, tuple[float, float]]
    precisions: dict[str, str]
    domains: dict[str, str]
    unique_per_unit: list[str] = []
    updated_by: str
    updated_at: datetime

    @classmethod
    def of(cls, row: DpMetadata) -> DpMetadataOut:
        declared = declared_bounds(row.bounds)
        return cls(
            privacy_unit=row.privacy_unit,
            max_rows_per_unit=row.max_rows_per_unit,
            bounds={c: (b.low, b.high) for c, b in declared.items()},
            precisions={c: b.precision for c, b in declared.items() if b.precision is not None},
            domains=row.domains,
            unique_per_unit=list(row.unique_per_unit or ()),
            updated_by=row.updated_by,
            updated_at=row.updated_at,
        )


class DictionaryEntryOut(BaseModel):
    """One column's entry in the data dictionary supplied with the version."""

    column: str
    description: str
    unit: str = ""
    code_list: str = ""


class VersionDetailOut(VersionSummaryOut):
    """Everything a steward reviews: profile, classification with reasons, DP metadata, and
    the data dictionary supplied with the file."""

    guide_version: str
    justification: str
    decided_by: str | None
    source_format: str
    source_bytes: int
    published_at: datetime | None
    profile: list[ColumnProfileOut]
    classification: ClassificationOut
    dp_metadata: DpMetadataOut | None
    deidentification: dict | None = None
    dictionary: list[DictionaryEntryOut] = []

    @classmethod
    def of_review(cls, review: VersionUnderReview) -> Self:
        """The shape of one version under review: profile, classification, DP metadata."""
        dp = review.dp_metadata
        return cls.of(
            review.version,
            review.dataset,
            dp_metadata=DpMetadataOut.of(dp) if dp else None,
        )


class DecisionIn(_In):
    """The steward's tier; lowering the proposal needs a written justification."""

    tier: Tier
    justification: str = Field("", max_length=4000)


class DecisionOut(BaseModel):
    """The recorded decision: confirm, raise or lower, and the version's new state."""

    version_id: int
    decision: Decision
    tier: Tier
    state: VersionState


class DpMetadataIn(_In):
    """A DP declaration: privacy unit, rows per unit, numeric bounds, public domains."""

    privacy_unit: str = Field(min_length=1, max_length=200)
    max_rows_per_unit: int
    bounds: dict[str, tuple[float, float]] = Field(default_factory=dict)
    precisions: dict[str, str] = Field(
        default_factory=dict,
        description="fixed-point step per non-integer bounded column, e.g. {'金额': '0.01'}",
    )
    domains: dict[str, str] = Field(
        default_factory=dict,
        description="Per column: a public code list's name, or a generated domain — "
        "months:2024-01:2025-12, quarters:2024-Q1:2025-Q4, years:2020:2025, "
        "days:2024-01-01:2024-12-31, bins:LOW:HIGH:STEP[:overflow], list:A,B,C",
    )
    unique_per_unit: list[str] = Field(
        default_factory=list,
        description="Columns whose value identifies at most one row of a unit, e.g. the month "
        "of a monthly table; publication keeps one row per (unit, value), and joins that match "
        "such a column get a smaller per-unit bound",
    )

    def declaration(self) -> DpDeclaration:
        """The domain's value object (checked against the version when it is set)."""
        return DpDeclaration(
            self.privacy_unit,
            self.max_rows_per_unit,
            self.bounds,
            self.domains,
            self.precisions,
            tuple(self.unique_per_unit),
        )


class PublishOut(BaseModel):
    """The version now served, by its tier."""

    version_id: int
    number: int
    tier: Tier
    state: VersionState
    published_at: datetime | None


class NegativeEntryIn(_In):
    """A category code or header cue that forces T5, why, and the note kept with the revision."""

    kind: Literal["category", "header"]
    value: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=200)
    note: str = Field("", max_length=500)


class NegativeEntryOut(BaseModel):
    """One entry of the negative list in force."""

    kind: str
    value: str
    reason: str


class NegativeListOut(BaseModel):
    """The negative list of the guide in force, with that guide's version."""

    guide_version: str
    entries: list[NegativeEntryOut]

    @classmethod
    def of(cls, guide: Guide) -> NegativeListOut:
        entries = [
            NegativeEntryOut(kind=e.kind, value=e.value, reason=e.reason)
            for e in guide.negative_list
        ]
        return cls(guide_version=guide.version, entries=entries)
