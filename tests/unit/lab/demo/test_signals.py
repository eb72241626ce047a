"""The latent firm health really drives the signals and outcomes, and the data stay coherent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lab.demo import credit, judicial, loans, tax
from lab.demo.air import POLLUTANTS, individual_index
from lab.demo.firms import Firms, build_firms
from lab.demo.generate import stream
from lab.demo.monthly import Panel, build_panel
from lab.demo.penalties import firm_penalties
from lab.demo.timeline import AS_OF, MONTHS
from lab.reference.regions import CITY_BBOX, DISTRICT_NAMES

SIGNAL_FIRMS = 2_000
"""Large enough that quintile default rates are not a handful of loans; still under a second."""


@pytest.fixture(scope="module")
def firms() -> Firms:
    """A population with its latent health visible to the test."""
    return build_firms(stream(11, "firms"), SIGNAL_FIRMS)


@pytest.fixture(scope="module")
def panel(firms: Firms) -> Panel:
    """The firm-month panel of that population."""
    return build_panel(stream(11, "panel"), firms)


def _health_of(firms: Firms, codes: pd.Series) -> np.ndarray:
    """Latent health of the firm behind each credit code."""
    return pd.Series(firms.health, index=firms.register["统一社会信用代码"])[codes].to_numpy()


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho (Pearson on ranks), robust to the heavy tail of money amounts."""
    return float(np.corrcoef(pd.Series(x).rank(), pd.Series(y).rank())[0, 1])


def test_healthy_firms_pay_more_tax(firms: Firms, panel: Panel) -> None:
    """Rank correlation of health with average monthly tax paid exceeds 0.3."""
    frame = tax.build_tax_monthly(stream(11, "tax"), panel).frame
    paid = frame.groupby("统一社会信用代码", sort=False)["实缴税额（元）"].mean()
    assert _rank_correlation(_health_of(firms, paid.index.to_series()), paid.to_numpy()) > 0.3


def test_worst_health_quintile_defaults_more_than_the_best(firms: Firms) -> None:
    """Loans of the least healthy fifth default at least three times as often as the best fifth."""
    frame = loans.build_loan_outcomes(stream(11, "loans"), firms).frame
    quintile = pd.qcut(_health_of(firms, frame["统一社会信用代码"]), 5, labels=False)
    rates = frame.groupby(quintile)["是否违约"].mean()
    assert rates[0] > 3 * rates[4] and rates[0] > 0.05


def test_weak_firms_carry_more_negative_records(firms: Firms) -> None:
    """Penalised, sued-as-defendant and dishonest-listed firms are less healthy than average."""
    penalties = firm_penalties(stream(11, "penalties"), firms, stream(11, "penalty-records"))
    dishonest = judicial.build_dishonest_debtors(stream(11, "dishonest"), firms).frame
    cases = judicial.build_judicial_cases(stream(11, "judicial"), firms).frame
    defendants = cases.loc[cases["诉讼地位"] == "被告", "统一社会信用代码"]
    mean_health = firms.health.mean()
    assert firms.health[penalties.rows].mean() < mean_health - 0.2
    assert _health_of(firms, dishonest["统一社会信用代码"]).mean() < mean_health - 0.5
    assert _health_of(firms, defendants).mean() < mean_health


def test_tax_grades_follow_health(firms: Firms) -> None:
    """Firms graded A are healthier than those graded C or D."""
    grades = credit.build_tax_credit_grades(stream(11, "grades"), firms).frame
    health = _health_of(firms, grades["统一社会信用代码"])
    is_a = (grades["纳税信用等级"] == "A").to_numpy()
    is_low = grades["纳税信用等级"].isin(["C", "D"]).to_numpy()
    assert health[is_a].mean() > health[is_low].mean() + 1.0


def test_all_ten_districts_are_present(read) -> None:
    """Even a 300-firm register spans every district of the city."""
    assert set(read("enterprise-register")["所属区"]) == set(DISTRICT_NAMES)


def test_monthly_rows_start_at_founding(firms: Firms, panel: Panel) -> None:
    """No firm has tax rows for months before it was founded, nor beyond the window."""
    frame = tax.build_tax_monthly(stream(11, "tax"), panel).frame
    founded = pd.Series(
        firms.register["成立日期"].str[:7].to_numpy(), index=firms.register["统一社会信用代码"]
    )
    assert (frame["所属期"].to_numpy() >= founded[frame["统一社会信用代码"]].to_numpy()).all()
    assert set(frame["所属期"]) <= set(MONTHS)


def test_missed_annual_reports_are_listed_and_absent(read, manifest) -> None:
    """A firm listed for an unfiled report has no annual report row for that year."""
    listed = read("credit-abnormal-operations")
    reports = read("annual-report-details")
    unfiled = listed[listed["列入经营异常名录原因"].str.contains("年度报告")]
    year = unfiled["列入日期"].str[:4].astype(int) - 1
    filed = set(zip(reports["统一社会信用代码"], reports["报告年度"], strict=True))
    assert len(unfiled) > 0
    assert not set(zip(unfiled["统一社会信用代码"], year, strict=True)) & filed


def test_event_dates_never_pass_the_as_of_date(manifest, read) -> None:
    """Decision, filing, listing and founding dates are all on or before the as-of date."""
    date_columns = {
        "成立日期",
        "处罚决定日期",
        "许可决定日期",
        "立案日期",
        "发布日期",
        "列入日期",
        "放款日期",
    }
    for dataset in manifest.datasets:
        frame = read(dataset.id)
        for column in date_columns & set(frame.columns):
            assert frame[column].max() <= str(AS_OF), (dataset.id, column)


def test_coordinates_lie_inside_qingdao(read) -> None:
    """Bus stops and monitoring stations sit inside the city's bounding box."""
    min_lon, min_lat, max_lon, max_lat = CITY_BBOX
    for dataset_id in ("bus-stops", "air-quality-hourly"):
        frame = read(dataset_id)
        assert frame["经度"].between(min_lon, max_lon).all()
        assert frame["纬度"].between(min_lat, max_lat).all()


def test_aqi_is_the_worst_individual_index(read) -> None:
    """AQI is the ceiling of the largest IAQI; level and primary pollutant follow HJ 633."""
    frame = read("air-quality-hourly")
    indices = np.vstack(
        [individual_index(p, frame[column].to_numpy()) for p, (column, *_) in POLLUTANTS.items()]
    )
    assert (frame["AQI"].to_numpy() == np.ceil(indices.max(axis=0))).all()
    good = frame["AQI"] <= 50
    assert good.any() and (~good).any()
    assert (frame.loc[good, "空气质量级别"] == "优").all()
    assert (frame.loc[good, "首要污染物"] == "—").all()
    assert frame.loc[~good, "首要污染物"].isin(list(POLLUTANTS)).all()


def test_the_publication_lists_exactly_the_credit_files_penalties_under_publicity(read) -> None:
    """The T1 双公示 publication and the T4 credit file agree: the publication lists the decisions
    the file marks 公示中, and no repaired (已信用修复) or expired one."""
    public = read("shuanggongshi-penalties")
    records = read("credit-admin-penalties")
    state = records.set_index("行政处罚决定书文号")["信用修复状态"]
    listed = set(public["行政处罚决定书文号"])
    assert len(listed) > 0 and (state == "已信用修复").any()
    assert listed == set(state.index[state == "公示中"])
