"""The public view of the catalogue: the only way portal code reads datasets.

A dataset is visible when its current version is published at T1 (无条件开放) or T2 (有条件开放).
T3, T4 and T5 datasets do not exist here: ``get_public`` answers an unknown slug and a restricted
one with the same ``NotFound``, and nothing in this module ever returns a restricted dataset's
name, columns or figures. T2 datasets show metadata only; their rows are never served openly.

Columns come from the version's profile and classification; each column's description and unit
come from the data dictionary the steward supplied with the version (``lab.catalogue.dictionary``)
and are empty when it does not describe the column — never the classification category's name,
which is a column fact of its own (``category``, ``category_name``). A T2 dataset lists the
columns of its de-identified extract (dropped columns absent, generalised ones under their new
header, described by their source column's entry) and a quality summary without value ranges.

``open_rows`` hands the row API a local, read-only copy of a T1 version's Parquet file, fetched
once per publication from the object store (publications are immutable, so the copy never goes
stale) into ``$DATALAB_HOME/cache/open/<slug>/``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from classification import Guide, load_guide
from lab.catalogue.dictionary import DataDictionary, DictionaryEntry
from lab.catalogue.t2_extracts.extracts import extract_columns
from lab.catalogue.versions.decisions import VersionState
from lab.catalogue.versions.guide_store import known_category
from lab.db.models import Dataset, DatasetVersion, GuideRevision
from lab.errors import InternalError, NotFound, PermissionDenied
from lab.services import LabServices

OPEN_TIER, CONDITIONAL_TIER = "T1", "T2"
VISIBLE_TIERS = (OPEN_TIER, CONDITIONAL_TIER)
FORMATS = ("csv", "xlsx", "json", "parquet")
DATA_OBJECT = "data.parquet"
_NUMBER_ROLES = ("attribute", "count")


@dataclass(frozen=True)
class PublicColumn:
    """One column of a dataset: its dictionary entry ("" when undescribed) and its category
    (``category_role`` is the guide's role for it: identifier, count, …; "" when unmatched)."""

    name: str
    type: str
    description: str
    category: str
    category_name: str = ""
    unit: str = ""
    category_role: str = ""
    code_list: str = ""


@dataclass(frozen=True)
class PublicDataset:
    """What anyone may know of a visible dataset."""

    slug: str
    title: str
    title_en: str
    description: str
    department: str
    topic: str
    tags: tuple[str, ...]
    tier: str
    update_frequency: str
    last_updated: datetime
    row_count: int
    version: int
    columns: tuple[PublicColumn, ...]
    quality: Mapping[str, object]
    formats: tuple[str, ...] = field(default=FORMATS)
    created: datetime | None = None

    @property
    def is_open(self) -> bool:
        """True for T1: rows may be downloaded and queried by anyone."""
        return self.tier == OPEN_TIER


def visible(statement: Select) -> Select:
    """``statement`` (over ``Dataset``) narrowed to datasets the public may see."""
    return statement.join(DatasetVersion, DatasetVersion.id == Dataset.current_version_id).where(
        DatasetVersion.state == VersionState.PUBLISHED.value,
        DatasetVersion.tier.in_(VISIBLE_TIERS),
    )


def list_public(session: Session) -> list[PublicDataset]:
    """Every visible dataset, newest publication first."""
    rows = session.execute(
        visible(select(Dataset, DatasetVersion)).order_by(
            DatasetVersion.published_at.desc(), Dataset.slug
        )
    ).all()
    return _public_all(session, rows)


def get_public(session: Session, slug: str) -> PublicDataset:
    """The visible dataset ``slug``; NotFound alike for unknown and restricted datasets."""
    row = session.execute(
        visible(select(Dataset, DatasetVersion)).where(Dataset.slug == slug)
    ).first()
    if row is None:
        raise NotFound(f"no open dataset {slug!r}")
    return _public_all(session, [row])[0]


def public_named(session: Session, name: str) -> list[PublicDataset]:
    """The visible datasets ``name`` may mean: the one with that slug, else those whose title or
    English title it is (trimmed, case aside). Restricted datasets are never among them."""
    text = name.strip()
    if not text:
        return []
    by_slug = session.execute(visible(select(Dataset, DatasetVersion)).where(Dataset.slug == text))
    rows = by_slug.all()
    if not rows:
        lowered = text.lower()
        titled = func.lower(Dataset.title) == lowered, func.lower(Dataset.title_en) == lowered
        query = visible(select(Dataset, DatasetVersion)).where(or_(*titled))
        rows = session.execute(query.order_by(Dataset.slug)).all()
    return _public_all(session, rows)


def public_titles(session: Session) -> list[tuple[str, str]]:
    """(slug, title) of every visible dataset, by title: what a form may offer to pick from."""
    query = visible(select(Dataset.slug, Dataset.title)).order_by(Dataset.title, Dataset.slug)
    return [(slug, title) for slug, title in session.execute(query)]


def public_by_ids(session: Session, ids: Sequence[int]) -> list[PublicDataset]:
    """The visible datasets among ``ids``, in the order given (invisible ones left out)."""
    if not ids:
        return []
    rows = session.execute(visible(select(Dataset, DatasetVersion)).where(Dataset.id.in_(ids)))
    by_id = {dataset.id: (dataset, version) for dataset, version in rows}
    built = _public_all(session, [by_id[i] for i in ids if i in by_id])
    return built


def _public_all(session: Session, rows: Iterable) -> list[PublicDataset]:
    rows = list(rows)
    if not rows:
        return []
    guide = _current_guide(session)
    return [_public(dataset, version, guide) for dataset, version in rows]


def _current_guide(session: Session) -> Guide:
    """The guide in force (as ``lab.catalogue.versions.guide_store.current_guide``), parsed
    once per text."""
    latest = session.scalar(select(GuideRevision.text).order_by(GuideRevision.id.desc()).limit(1))
    return _parsed_guide(latest)


@lru_cache(maxsize=8)
def _parsed_guide(text: str | None) -> Guide:
    return load_guide(text)


def _public(dataset: Dataset, version: DatasetVersion, guide: Guide) -> PublicDataset:
    profiles = {p["name"]: p for p in version.profile}
    dictionary = DataDictionary.from_json(version.dictionary)
    columns, quality = (
        _open_columns(version, profiles, guide, dictionary)
        if version.tier == OPEN_TIER
        else _extract_columns(version, profiles, guide, dictionary)
    )
    if version.tier is None:
        raise InternalError(f"version {version.id} is served without a tier")
    return PublicDataset(
        slug=dataset.slug,
        title=dataset.title,
        title_en=dataset.title_en,
        description=dataset.description,
        department=dataset.department,
        topic=dataset.topic,
        tags=tuple(dataset.tags or ()),
        tier=version.tier,
        update_frequency=dataset.update_frequency,
        last_updated=_utc(version.published_at or dataset.updated_at),
        row_count=int(version.rows),
        version=version.number,
        columns=columns,
        quality=quality,
        created=_utc(dataset.created_at),
    )


def _open_columns(
    version: DatasetVersion, profiles: dict, guide: Guide, dictionary: DataDictionary
):
    columns, ranges = [], {}
    for finding in version.classification["columns"]:
        name, profile = finding["name"], profiles.get(finding["name"], {})
        category = known_category(guide, finding["category"])
        role = category.role if category else "attribute"
        is_number = profile.get("numeric_share") == 1.0 and role in _NUMBER_ROLES
        kind = "number" if is_number else "text"
        columns.append(_column(name, kind, category, finding, dictionary.entry(name)))
        if is_number and profile.get("min") is not None:
            ranges[name] = [profile["min"], profile["max"]]
    quality = _quality(version, [(c.name, profiles.get(c.name, {})) for c in columns])
    quality["ranges"] = ranges
    quality["distinct"] = {c.name: profiles.get(c.name, {}).get("distinct") for c in columns}
    return tuple(columns), quality


def _extract_columns(
    version: DatasetVersion, profiles: dict, guide: Guide, dictionary: DataDictionary
):
    findings = {f["name"]: f for f in version.classification["columns"]}
    pairs = extract_columns(version.classification, guide)
    columns = tuple(
        _column(
            public,
            "text",
            known_category(guide, findings[source]["category"]),
            findings[source],
            dictionary.entry(source),
        )
        for source, public in pairs
    )
    quality = _quality(version, [(public, profiles.get(source, {})) for source, public in pairs])
    return columns, quality


def _column(
    name: str, kind: str, category, finding: dict, entry: DictionaryEntry | None
) -> PublicColumn:
    return PublicColumn(
        name=name,
        type=kind,
        description=entry.description if entry else "",
        category=finding["category"],
        category_name=category.name_zh if category else "",
        unit=entry.unit if entry else "",
        category_role=category.role if category else "",
        code_list=entry.code_list if entry else "",
    )


def _quality(version: DatasetVersion, named_profiles: list[tuple[str, dict]]) -> dict:
    """Completeness per column and overall: shares of non-empty cells, never values."""
    rows = int(version.rows)
    nulls = {name: int(p.get("nulls", 0)) for name, p in named_profiles}
    cells = rows * len(nulls)
    return {
        "rows": rows,
        "columns": len(nulls),
        "completeness": round(1 - sum(nulls.values()) / cells, 4) if cells else 1.0,
        "null_share": {n: round(v / rows, 4) if rows else 0.0 for n, v in nulls.items()},
    }


def _utc(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def public_slugs(session: Session) -> list[str]:
    """The slugs of every visible dataset, in code-point order (cheap: no metadata is built)."""
    return sorted(session.scalars(visible(select(Dataset.slug))), key=str.encode)


def dataset_id_of(session: Session, slug: str) -> int:
    """The database id of the visible dataset ``slug`` (NotFound as ``get_public``)."""
    found = session.scalar(visible(select(Dataset.id)).where(Dataset.slug == slug))
    if found is None:
        raise NotFound(f"no open dataset {slug!r}")
    return found


def open_rows(services: LabServices, session: Session, dataset: PublicDataset) -> Path:
    """A local read-only Parquet copy of the T1 ``dataset``'s current version.

    ``session`` is the caller's (a request holds one pooled connection at a time).
    PermissionDenied for T2: conditional data is only handed out as a traceable extract to an
    approved applicant, never through the open row paths.
    """
    if not dataset.is_open:
        raise PermissionDenied(
            f"{dataset.slug!r} is conditional data (有条件开放): apply for access to download it"
        )
    version = session.execute(
        visible(select(DatasetVersion).select_from(Dataset)).where(Dataset.slug == dataset.slug)
    ).scalar_one_or_none()
    if version is None or version.tier != OPEN_TIER:
        raise NotFound(f"no open dataset {dataset.slug!r}")
    key, publication = version.objects[DATA_OBJECT], version.publication
    folder = services.settings.home / "cache" / "open" / dataset.slug
    target = folder / f"{publication}.parquet"
    if not target.exists():
        _fetch(services, key, target)
    return target


def _fetch(services: LabServices, key: str, target: Path) -> None:
    """Stream ``key`` into ``target`` atomically, then drop older publications' copies."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in services.store.get(key):
                handle.write(chunk)
        os.chmod(temporary, 0o444)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    for stale in target.parent.glob("*.parquet"):
        if stale != target:
            stale.unlink(missing_ok=True)
