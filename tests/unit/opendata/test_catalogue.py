"""The public catalogue view: only published T1/T2 datasets exist, restricted ones never do."""

from __future__ import annotations

import pytest

from lab.errors import NotFound
from lab.services import LabServices
from opendata.portal.catalogue import get_public, list_public
from tests.unit.opendata.seed import CANARY, add_dataset


def test_only_published_open_and_conditional_datasets_are_listed(lab: LabServices) -> None:
    """T1 and T2 published datasets are listed; T3/T4 and unpublished ones are not."""
    add_dataset(lab, "bus-routes", "公交线路", tier="T1")
    add_dataset(lab, "annual-reports", "企业年报", tier="T2")
    add_dataset(lab, "tax-secret", f"纳税{CANARY}", tier="T3")
    add_dataset(lab, "ids-secret", f"身份{CANARY}", tier="T4")
    add_dataset(lab, "draft", "草稿", tier="T1", state="decided")
    with lab.sessions() as session:
        listed = list_public(session)
    assert sorted(d.slug for d in listed) == ["annual-reports", "bus-routes"]
    assert {d.slug: d.tier for d in listed} == {"annual-reports": "T2", "bus-routes": "T1"}


@pytest.mark.parametrize("slug", ["tax-secret", "no-such-dataset", "draft"])
def test_restricted_and_unknown_look_the_same(lab: LabServices, slug: str) -> None:
    """get_public raises the same NotFound message shape for restricted, draft and unknown."""
    add_dataset(lab, "tax-secret", f"纳税{CANARY}", tier="T3")
    add_dataset(lab, "draft", "草稿", tier="T1", state="decided")
    with lab.sessions() as session, pytest.raises(NotFound) as caught:
        get_public(session, slug)
    assert caught.value.message == f"no open dataset {slug!r}"
    assert CANARY not in caught.value.message


def test_public_dataset_carries_dictionary_and_quality(lab: LabServices) -> None:
    """The public record has its columns, row count, version and a completeness summary."""
    add_dataset(lab, "air", "空气质量", tags=("环境",), columns=("站点", "AQI"))
    with lab.sessions() as session:
        dataset = get_public(session, "air")
    assert [c.name for c in dataset.columns] == ["站点", "AQI"]
    assert dataset.row_count == 10 and dataset.version == 1 and dataset.tags == ("环境",)
    assert dataset.quality["completeness"] == 0.9
    assert dataset.last_updated.tzinfo is not None
