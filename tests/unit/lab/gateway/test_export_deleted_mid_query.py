"""Attack (DESIGN §9.2, the ledger): the version a running query reads on Spark over encrypted
Parquet is withdrawn or superseded, which deletes its export under the query.

The analyst, through the real query route, gets either a correct answer — Spark's exact
aggregates equal DuckDB's over the same version — or one clear error that names what happened
and carries no data; never a partial answer. Either way the cost is charged as the ledger's rule
for a query that fails after its reservation says: in full, once, at every level, the release
marked failed (no refund: the failure itself is visible), and the same query is not run again.

Spark runs in local mode with the lab's JVM KMS client (``tests/fixtures/spark.py``); without
Java these tests skip and say why.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lab.db.models import OrganisationBudget, PrivacyBudget, QueryRelease
from lab.gateway.engine import DuckDBEngine
from lab.gateway.ledger import MICRO
from lab.gateway.planner import CompiledQuery
from lab.gateway.service import DpGateway
from lab.gateway.targets import table_metadata
from lab.identity import Role
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table, sandbox_token
from tests.unit.lab.gateway.test_encrypted_tables import jvm_client  # noqa: F401 (a fixture)
from tests.unit.lab.web.test_steward_pages import add_user, csrf_of, pages_app, post, sign_in

EPSILON = 0.1
UNITS = 400
SQL = 'SELECT "所属区", COUNT(*), SUM("应纳税额（元）") FROM tax GROUP BY "所属区"'
REASON = "来源部门更正数据后重新发布"
CHANGED = "withdrawn or replaced while the query ran"


class SteppingEngine:
    """The real Spark engine, wrapped (our own extension point): once the gateway has reserved
    the cost and leased the table, ``meanwhile`` (the attack) runs before Spark reads it; the
    exact aggregates Spark returns are kept."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.meanwhile: Callable[[], None] = lambda: None
        self.answered: list[tuple[CompiledQuery, list[dict]]] = []

    def run(self, compiled, sources):
        self.meanwhile()
        table = self.inner.run(compiled, sources)
        self.answered.append((compiled, table.to_pylist()))
        return table

    def close(self) -> None:
        """The Spark session belongs to the test session."""


@dataclasses.dataclass
class World:
    """The lab on Spark over encrypted Parquet, the app, a steward signed in, an analyst."""

    lab: LabServices
    engine: SteppingEngine
    steward: TestClient
    analyst: TestClient
    token: str
    published: int = 0

    def publish(self, tmp_path) -> str:
        """Publish a new version of ``tax``; its object key."""
        self.published += 1
        folder = tmp_path / f"v{self.published}"
        folder.mkdir()
        publish_tax_table(self.lab, folder, units=UNITS + self.published)
        return self.served_key()

    def served_key(self) -> str:
        with self.lab.sessions() as session:
            return table_metadata(session, "tax")[2]

    def withdraw(self) -> None:
        form = {"csrf_token": csrf_of(self.steward), "reason": REASON}
        assert post(self.steward, "/steward/datasets/tax/withdraw", form).status_code == 303

    def ask(self):
        body = {"dataset": "tax", "sql": SQL, "epsilon": EPSILON}
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.analyst.post("/api/gateway/query", json=body, headers=headers)


@pytest.fixture
def world(sqlite_lab: LabServices, jvm_client, tmp_path):  # noqa: F811 (the fixture above)
    """Version 1 of ``tax`` published and exported; the app's gateway on the test session's
    Spark; a steward signed in; an analyst's project with ε = 2 on ``tax``."""
    settings = sqlite_lab.settings.model_copy(
        update={"gateway_engine": "spark", "gateway_spark_storage": "encrypted-parquet"}
    )
    lab = dataclasses.replace(sqlite_lab, settings=settings)
    add_user(lab, "steward", Role.STEWARD)
    app = pages_app(sqlite_lab)  # built on DuckDB: the test session's Spark is not the app's
    app.state.gateway.close()
    engine = SteppingEngine(jvm_client)
    app.state.gateway = DpGateway(lab, engine)  # leases encrypted Parquet for Spark
    with TestClient(app) as steward:
        assert sign_in(steward).status_code == 303
        made = World(lab, engine, steward, TestClient(app), "")
        made.publish(tmp_path)
        made.token = sandbox_token(lab, epsilon=2.0)
        yield made


def _assert_spark_was_exact(world: World, key: str) -> None:
    """Spark answered once, with DuckDB's exact aggregates of the same compiled plan over the
    sealed table ``key`` (its objects stay after a withdrawal)."""
    [(compiled, rows)] = world.engine.answered
    with world.lab.sealed.open_plaintext_memfd(key) as plaintext:
        assert rows == DuckDBEngine().run(compiled, [plaintext]).to_pylist()
    assert len(rows) == 10, "one row per district of the public domain"


def _ledger(lab: LabServices) -> tuple[list[tuple[str, int]], set[int]]:
    """Every release's (state, cost) and the distinct spent amounts of every budget row (the
    project's and the organisation's two)."""
    with lab.sessions() as session:
        releases = [(r.state, r.cost_micro) for r in session.scalars(select(QueryRelease))]
        spent = {b.spent_micro for b in session.scalars(select(PrivacyBudget))}
        spent |= {b.spent_micro for b in session.scalars(select(OrganisationBudget))}
    return releases, spent


def _assert_charged_once_each(world: World, expected_states: list[str]) -> None:
    releases, spent = _ledger(world.lab)
    assert [state for state, _ in releases] == expected_states
    assert all(cost == round(EPSILON * MICRO) for _, cost in releases)
    assert spent == {len(releases) * round(EPSILON * MICRO)}, "every level charged each once"


def _assert_one_clear_error(response) -> None:
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert CHANGED in error["message"] and "cost stays charged" in error["message"]
    assert set(response.json()) == {"error"} and "所属区" not in error["message"]


@pytest.mark.parametrize("attack", ["withdraw", "supersede"])
def test_a_version_changed_before_spark_reads_fails_clearly_and_stays_charged(
    world: World, tmp_path, attack: str
) -> None:
    """Reserved and leased, then the version is withdrawn (or a new one published) and its
    export deleted before Spark reads it: one clear error, the cost charged once, the release
    failed; asking again is refused for free (withdrawn) or answered on the new version."""
    before = world.served_key()
    if attack == "withdraw":
        world.engine.meanwhile = world.withdraw
    else:
        world.engine.meanwhile = lambda: world.publish(tmp_path)
    _assert_one_clear_error(world.ask())
    assert world.engine.answered == []
    _assert_charged_once_each(world, ["failed"])
    world.engine.meanwhile = lambda: None
    again = world.ask()
    if attack == "withdraw":
        assert again.status_code == 404
        _assert_charged_once_each(world, ["failed"])
    else:
        assert again.status_code == 200, again.text
        assert world.served_key() != before
        _assert_spark_was_exact(world, world.served_key())
        _assert_charged_once_each(world, ["failed", "released"])


def test_a_version_withdrawn_while_spark_reads_answers_correctly_or_fails_clearly(
    world: World, tmp_path
) -> None:
    """The withdrawal lands at growing delays into Spark's read: each query either answers with
    the exact aggregates of its version or fails with the one clear error; each is charged once,
    the release state matching what the analyst saw."""
    states, outcomes = [], []
    for delay in (0.05, 0.2, 0.4, 0.8, 1.6):
        key = world.served_key()
        withdrawal = threading.Thread(target=_after, args=(delay, world.withdraw))
        world.engine.meanwhile = withdrawal.start
        world.engine.answered.clear()
        response = world.ask()
        withdrawal.join(60)
        if response.status_code == 200:
            _assert_spark_was_exact(world, key)
            states.append("released")
        else:
            _assert_one_clear_error(response)
            states.append("failed")
        outcomes.append((delay, response.status_code))
        _assert_charged_once_each(world, states)
        world.publish(tmp_path)
    print("delay → status:", outcomes)


def _after(delay: float, action: Callable[[], None]) -> None:
    time.sleep(delay)
    action()
