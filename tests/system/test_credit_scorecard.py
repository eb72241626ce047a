"""Training through the real catalogue: published loan outcomes → point-in-time scorecard with
its model card → `datalab credit train` and `datalab credit monitor` at a shell."""

from __future__ import annotations

from sqlalchemy import select

from lab.credit.refresh import refresh_profiles
from lab.db.models import CreditScorecard, CreditScorecardCheck
from lab.demo import generate_demo_data
from lab.demo.catalogue import load_demo_catalogue
from lab.services import LabServices
from tests.unit.lab.cli.shell import datalab


def _cli(lab: LabServices, *args: str):
    return datalab(
        lab.settings.home, *args, DATALAB_DATABASE_URL=lab.settings.resolved_database_url
    )


def test_train_and_monitor_from_published_sources(lab: LabServices, tmp_path) -> None:
    """The published T4 loan outcomes train a version validated out of sample and out of time;
    its card is stored with it; the monitor records a check against its development sample."""
    data = tmp_path / "demo"
    generate_demo_data(data, scale=3000, seed=5)
    load_demo_catalogue(lab, data)
    refresh_profiles(lab, actor="test")
    trained = _cli(lab, "credit", "train")
    assert trained.returncode == 0, trained.stderr
    assert "out-of-sample AUC" in trained.stdout and "out-of-time AUC" in trained.stdout
    with lab.sessions() as session:
        version = session.scalar(select(CreditScorecard).where(CreditScorecard.active))
    card = version.model_card
    assert card["version"] == version.version
    assert card["data_window"]["out_of_time_vintages"] == ["2025-10", "2025-11"]
    assert card["data_window"]["development_vintages"] == ["2025-06", "2025-09"]
    assert card["samples"]["out_of_time"]["loans"] > 100
    assert "stability_current" in card["validation"]
    monitored = _cli(lab, "credit", "monitor")
    assert monitored.returncode == 0, monitored.stderr
    with lab.sessions() as session:
        check = session.scalars(select(CreditScorecardCheck)).one()
    assert check.version == version.version and check.population >= 2900
    assert check.psi["score"] == card["validation"]["stability_current"]["score"]
