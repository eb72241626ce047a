"""Live usage figures: every view and download counts, even when they arrive at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from lab.db import transaction
from lab.errors import InvalidInput, NotFound
from lab.services import LabServices
from opendata.portal.usage import Usage, record_download, record_view, usage_for, usage_of_slugs
from tests.unit.opendata.seed import add_dataset


def test_views_and_downloads_are_counted_live(lab: LabServices) -> None:
    """Figures change at once, per format, with no job in between."""
    add_dataset(lab, "air", "空气质量")
    with transaction(lab.sessions) as session:
        assert usage_for(session, "air") == Usage(0, 0, {})
        record_view(session, "air")
        record_download(session, "air", "csv")
        record_download(session, "air", "csv")
        record_download(session, "air", "parquet")
    with lab.sessions() as session:
        assert usage_for(session, "air") == Usage(1, 3, {"csv": 2, "parquet": 1})


def test_concurrent_increments_lose_nothing(lab: LabServices) -> None:
    """Forty simultaneous views from separate transactions all count."""
    add_dataset(lab, "air", "空气质量")

    def view(_: int) -> None:
        with transaction(lab.sessions) as session:
            record_view(session, "air")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(view, range(40)))
    with lab.sessions() as session:
        assert usage_for(session, "air").views == 40


def test_restricted_datasets_are_not_counted(lab: LabServices) -> None:
    """Recording or reading figures of a restricted dataset is NotFound, like an unknown one."""
    add_dataset(lab, "secret", "机密", tier="T3")
    with transaction(lab.sessions) as session:
        with pytest.raises(NotFound):
            record_view(session, "secret")
        with pytest.raises(NotFound):
            usage_for(session, "secret")


def test_unknown_format_is_refused(lab: LabServices) -> None:
    """A download in a format the portal does not serve is refused naming the format."""
    add_dataset(lab, "air", "空气质量")
    with transaction(lab.sessions) as session, pytest.raises(InvalidInput, match="exe"):
        record_download(session, "air", "exe")


def test_figures_of_many_datasets_at_once(lab: LabServices) -> None:
    """Search pages read every result's figures in one go; datasets without events show zero."""
    add_dataset(lab, "air", "空气质量")
    add_dataset(lab, "bus", "公交")
    with transaction(lab.sessions) as session:
        record_download(session, "bus", "json")
        figures = usage_of_slugs(session, ["air", "bus"])
    assert figures == {"air": Usage(), "bus": Usage(0, 1, {"json": 1})}
