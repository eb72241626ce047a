"""Where profiles come from: the restricted enterprise sources, by catalogue slug and scope.

Restricted sources (T3/T4) are read only here, decrypted into sealed in-memory files for the
length of one refresh; open sources (T1) add the items already public to a report. A source
that is missing or published at the wrong tier is skipped, and its scope says "no data held".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from classification import Tier
from lab.catalogue.datasets import current_version
from lab.db.models import Dataset
from lab.services import LabServices


@dataclass(frozen=True)
class Source:
    """One catalogue dataset a profile reads, and the tiers it may be published at."""

    slug: str
    restricted: bool


SOURCES = (
    Source("enterprise-register", restricted=False),
    Source("shuanggongshi-licences", restricted=False),
    Source("tax-monthly", restricted=True),
    Source("credit-tax-grades", restricted=True),
    Source("social-insurance-monthly", restricted=True),
    Source("housing-fund-monthly", restricted=True),
    Source("utilities-monthly", restricted=True),
    Source("customs-monthly", restricted=True),
    Source("credit-admin-penalties", restricted=True),
    Source("credit-abnormal-operations", restricted=True),
    Source("credit-judicial-cases", restricted=True),
    Source("credit-dishonest-debtors", restricted=True),
    Source("credit-loan-outcomes", restricted=True),
)
LABELS = "credit-loan-outcomes"


def _published(lab: LabServices, source: Source) -> tuple[str, str] | None:
    """(object key, tier) of the source's served version, if it is at an allowed tier."""
    with lab.sessions() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.slug == source.slug))
        version = current_version(session, dataset) if dataset else None
        if version is None or "data.parquet" not in version.objects:
            return None
        tier = Tier(version.tier)
        if source.restricted != (tier >= Tier.T3):
            return None
        return version.objects["data.parquet"], tier.value


@contextmanager
def opened_sources(lab: LabServices) -> Iterator[dict[str, str]]:
    """Paths DuckDB can read for every published source, valid inside the block only."""
    with ExitStack() as stack:
        paths = {}
        for source in SOURCES:
            found = _published(lab, source)
            if found is None:
                continue
            key, _tier = found
            if source.restricted:
                handle = stack.enter_context(lab.sealed.open_plaintext_memfd(key))
                paths[source.slug] = f"/proc/self/fd/{handle.fileno()}"
            else:
                paths[source.slug] = _open_path(lab, key, stack)
        yield paths


def _open_path(lab: LabServices, key: str, stack: ExitStack) -> str:
    """A readable path for an open object: copied into an anonymous in-memory file."""
    descriptor = os.memfd_create("datalab-open-source", os.MFD_CLOEXEC)
    handle = stack.enter_context(open(descriptor, "w+b"))  # noqa: SIM115 (the stack closes it)
    for chunk in lab.store.get(key):
        handle.write(chunk)
    handle.flush()
    return f"/proc/self/fd/{handle.fileno()}"
