"""Checking a source mapping against the catalogue: every bound dataset published, at a tier its
input may come from, with every bound column in its data dictionary (numeric where it must be).

The dictionary is the published version's stored profile: column names and each column's share
of numeric values — never a value, so checking a restricted source reads nothing restricted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import Tier
from lab.catalogue.versions.datasets import current_version
from lab.catalogue.versions.dp_metadata import NUMERIC_SHARE_FOR_BOUNDS
from lab.credit.inputs import INPUTS, NUMERIC_KINDS
from lab.credit.mapping import Binding, MappingError, SourceMapping
from lab.db.models import Dataset


@dataclass(frozen=True)
class PublishedSource:
    """What the catalogue says of a dataset's served version: tier and dictionary."""

    slug: str
    version: int
    tier: Tier
    numeric_share: Mapping[str, float]


def published_sources(session: Session, slugs: tuple[str, ...]) -> dict[str, PublishedSource]:
    """The served version of each of ``slugs`` that has one."""
    found = {}
    for dataset in session.scalars(select(Dataset).where(Dataset.slug.in_(slugs))):
        version = current_version(session, dataset)
        if version is None or version.tier is None:
            continue
        shares = {p["name"]: float(p["numeric_share"]) for p in version.profile}
        found[dataset.slug] = PublishedSource(
            dataset.slug, version.number, Tier(version.tier), shares
        )
    return found


def allowed_tier(binding: Binding, tier: Tier) -> bool:
    """Open inputs come from T1 only (their items appear in reports); the rest from T3/T4."""
    return tier == Tier.T1 if binding.spec.open else Tier.T3 <= tier <= Tier.T4


def binding_problems(binding: Binding, source: PublishedSource | None) -> list[str]:
    """Everything wrong with one binding against its dataset's served version."""
    where = f"[inputs.{binding.input}]"
    if source is None:
        return [f"{where}: dataset {binding.dataset!r} has no published version"]
    problems = []
    if not allowed_tier(binding, source.tier):
        wanted = "T1 (its items are shown in reports)" if binding.spec.open else "T3 or T4"
        problems.append(
            f"{where}: dataset {binding.dataset!r} is published at {source.tier.value}; "
            f"the {binding.input} input must come from {wanted}"
        )
    label = f"{binding.dataset!r} version {source.version}"
    for field, column in binding.columns.items():
        share = source.numeric_share.get(column)
        if share is None:
            problems.append(f"{where}: column {column!r} ({field}) is not in {label}")
        elif binding.spec.field(field).kind in NUMERIC_KINDS and share < NUMERIC_SHARE_FOR_BOUNDS:
            problems.append(
                f"{where}: column {column!r} ({field}) must be numeric; "
                f"{share:.0%} of its values are numbers in {label}"
            )
    return problems


def mapping_problems(mapping: SourceMapping, published: Mapping[str, PublishedSource]) -> list[str]:
    """Every problem of ``mapping`` against the served versions ``published`` (by slug)."""
    if not mapping.bindings:
        return ["the mapping binds no input: no profile could hold any data"]
    problems = []
    for binding in mapping.bindings.values():
        problems += binding_problems(binding, published.get(binding.dataset))
    return problems


def unmapped_inputs(mapping: SourceMapping) -> list[str]:
    """Inputs the mapping leaves out (their scopes say "no data held")."""
    return [spec.name for spec in INPUTS if spec.name not in mapping.bindings]


def check_mapping(session: Session, mapping: SourceMapping) -> list[str]:
    """Every problem of ``mapping`` against the catalogue as it is now."""
    return mapping_problems(mapping, published_sources(session, mapping.datasets()))


def require_valid(session: Session, mapping: SourceMapping) -> None:
    """Refuse (``MappingError``, every problem listed) a mapping the catalogue does not satisfy."""
    problems = check_mapping(session, mapping)
    if problems:
        raise MappingError(mapping.version, problems)
