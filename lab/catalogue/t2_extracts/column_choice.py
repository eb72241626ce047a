"""The columns an applicant may ask for from a T2 extract, and checking what they chose.

An application names the columns it needs by ticking them in the dataset's data dictionary:
the offer is the extract's columns (dropped ones absent, generalised ones under their new
header), each described by its source column's dictionary entry. A choice naming a column not
on offer is refused with the names, so no free text reaches the steward or the extract. A
column whose entry names a public code list (行业门类 → GB/T 4754 sections) is delivered with a
label column beside it (``行业门类名称``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from lab.catalogue.dictionary import DataDictionary
from lab.catalogue.t2_extracts.extracts import extract_columns
from lab.catalogue.versions.guide_store import current_guide
from lab.db.models import DatasetVersion
from lab.errors import InvalidInput

LABEL_SUFFIX = "名称"


@dataclass(frozen=True)
class OfferedColumn:
    """One column of a T2 extract as the application form offers it."""

    name: str
    description: str
    unit: str
    code_list: str

    @property
    def label_header(self) -> str:
        """The header of the label column delivered beside a coded column ("" if not coded)."""
        return f"{self.name}{LABEL_SUFFIX}" if self.code_list else ""


def offered_columns(session: Session, version: DatasetVersion) -> tuple[OfferedColumn, ...]:
    """The columns of ``version``'s extract, in table order, with their dictionary entries."""
    dictionary = DataDictionary.from_json(version.dictionary)
    offered = []
    for source, public in extract_columns(version.classification, current_guide(session)):
        entry = dictionary.entry(source)
        offered.append(
            OfferedColumn(
                name=public,
                description=entry.description if entry else "",
                unit=entry.unit if entry else "",
                code_list=entry.code_list if entry else "",
            )
        )
    return tuple(offered)


def check_choice(chosen: Sequence[str], offered: Iterable[OfferedColumn]) -> None:
    """InvalidInput unless ``chosen`` names at least one column and only columns on offer."""
    names = {c.name for c in offered}
    unknown = [c for c in chosen if c not in names]
    if unknown:
        raise InvalidInput(
            "所需数据项须从本数据集的数据字典中勾选，以下数据项不存在：" + "、".join(unknown)
        )
    if len(set(chosen)) != len(chosen):
        raise InvalidInput("所需数据项有重复")
