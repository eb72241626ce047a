"""Baselines for ``dp_gateway.py``: plain SQL over HTTP, and OpenDP's Polars API on the same data.

* ``serve_plain(parquet, port)`` — a benchmark-only uvicorn app (FastAPI, a sync route, as the
  gateway's) answering ``POST /query {"sql": …}`` with the exact, non-private rows of the same
  SQL over the plaintext Parquet (``rev``, and ``staff`` for the join), through one DuckDB
  database kept open (a cursor per request). Run as
  ``python benchmarks/dp_gateway_baselines.py PARQUET STAFF_PARQUET PORT`` in its own process.
* ``OpenDpQueries`` — the four queries in OpenDP's Polars API (``dp.Context.compositor``) with
  the gateway's ε and contribution bound (at most 12 rows per privacy unit, already enforced in
  the published table, so declared as ``dp.unit_of(contributions=12)`` and trusted, as the
  gateway trusts it), public keys joined with ``with_keys``, pure ε-DP. Needs the ``bench``
  extra (``pip install -e '.[bench]'``); ``OpenDpQueries.unavailable()`` says why it cannot run.

OpenDP's Polars API (0.16) cannot express Q4's join of two private tables: a ``.join`` in the
query plan is refused when the measurement is built ("A step in your query is not recognized at
this time: INNER JOIN"); its only join is ``with_keys``, a join with a *public* key set. So Q4
hands OpenDP the joined frame as its input — a lazy Polars join, run inside OpenDP's collect —
with the join's bound declared by hand: 12 revenue rows × 1 headcount row per unit = 12 joined
rows, the figure the gateway derives from both tables' metadata. OpenDP neither checks that
bound nor knows the input was a join; a wrong hand-made bound would go unnoticed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

DISTRICT, INDUSTRY, REVENUE, HEADCOUNT = "所属区", "行业门类", "营业收入（元）", "参保人数"
UNIT = "统一社会信用代码"
REVENUE_BOUNDS = (0, 5_000_000)
HEADCOUNT_BOUNDS = (0, 500)
MAX_ROWS_PER_UNIT = 12
MEDIAN_CANDIDATES = 256


class PlainQuery(BaseModel):
    sql: str


def plain_sql(sql: str, parquet: Path, staff: Path) -> str:
    """The benchmark's SQL with ``rev`` and ``staff`` read from their plaintext Parquet."""
    return sql.replace("FROM rev", f"FROM read_parquet('{parquet}')").replace(
        "JOIN staff", f"JOIN read_parquet('{staff}')"
    )


def plain_app(parquet: Path, staff: Path) -> FastAPI:
    """The app answering plain SQL over ``parquet`` and ``staff`` (``rev``, ``staff``)."""
    database = duckdb.connect(config={"threads": 2})
    app = FastAPI()

    @app.post("/query")
    def query(body: PlainQuery) -> dict:
        with database.cursor() as cursor:
            rows = cursor.sql(plain_sql(body.sql, parquet, staff)).fetchall()
        return {"rows": [[_plain(v) for v in row] for row in rows]}

    @app.get("/healthz")
    def health() -> dict:
        return {"ok": True}

    return app


def _plain(value: object) -> object:
    return value if isinstance(value, str | int | float | None) else float(value)  # type: ignore[arg-type]


class OpenDpQueries:
    """Q1–Q4 in OpenDP's Polars API over the plaintext Parquet; one context per query."""

    @staticmethod
    def unavailable() -> str | None:
        """Why OpenDP's Polars API cannot run here, or None."""
        try:
            import opendp.prelude  # noqa: F401
            import polars  # noqa: F401
        except ImportError as missing:
            return f"{missing.name} is not installed (pip install -e '.[bench]')"
        return None

    def __init__(
        self, parquet: Path, staff: Path, districts: list[str], industries: list[str]
    ) -> None:
        import opendp.prelude as dp
        import polars as pl

        dp.enable_features("contrib")
        self._dp, self._pl = dp, pl
        self._data = pl.scan_parquet(parquet)
        self._joined = self._data.join(pl.scan_parquet(staff), on=UNIT, how="inner")
        self._rows = self._data.select(pl.len()).collect().item()
        self._districts = pl.LazyFrame({DISTRICT: districts})
        self._cells = self._districts.join(pl.LazyFrame({INDUSTRY: industries}), how="cross")
        lo, hi = REVENUE_BOUNDS
        step = (hi - lo) / MEDIAN_CANDIDATES
        self._candidates = [lo + round(i * step) for i in range(MEDIAN_CANDIDATES + 1)]

    def queries(self) -> dict[str, Callable[[float], object]]:
        """Each query, run at a given ε, returning its released frame."""
        return {
            "Q1": self.count_by_district,
            "Q2": self.sum_mean_by_cell,
            "Q3": self.median,
            "Q4": self.joined_count_headcount,
        }

    def _context(self, epsilon: float, data=None):
        """A one-query context on ``data`` (the revenue table by default), ≤ 12 rows per unit.

        Every revenue row meets at most one headcount row, so the joined frame has at most as
        many rows as the revenue table, and 12 per unit.
        """
        dp = self._dp
        return dp.Context.compositor(
            data=self._data if data is None else data,
            privacy_unit=dp.unit_of(contributions=MAX_ROWS_PER_UNIT),
            privacy_loss=dp.loss_of(epsilon=epsilon),
            split_evenly_over=1,
            margins=[dp.polars.Margin(max_length=self._rows)],
        )

    def count_by_district(self, epsilon: float):
        query = self._context(epsilon).query().group_by(DISTRICT).agg(self._dp.len(signed=True))
        return query.with_keys(self._districts).release().collect()

    def sum_mean_by_cell(self, epsilon: float):
        revenue = self._pl.col(REVENUE)
        query = (
            self._context(epsilon)
            .query()
            .group_by(DISTRICT, INDUSTRY)
            .agg(
                revenue.dp.sum(REVENUE_BOUNDS).alias("sum"),
                revenue.dp.mean(REVENUE_BOUNDS).alias("mean"),
            )
        )
        return query.with_keys(self._cells).release().collect()

    def median(self, epsilon: float):
        revenue = self._pl.col(REVENUE).dp.median(self._candidates)
        return self._context(epsilon).query().select(revenue).release().collect()

    def joined_count_headcount(self, epsilon: float):
        """Q4 on the joined frame (joined outside OpenDP's plan, see the module docstring)."""
        headcount = self._pl.col(HEADCOUNT).dp.sum(HEADCOUNT_BOUNDS).alias("headcount")
        query = (
            self._context(epsilon, self._joined)
            .query()
            .group_by(DISTRICT)
            .agg(self._dp.len(signed=True), headcount)
        )
        return query.with_keys(self._districts).release().collect()


if __name__ == "__main__":
    uvicorn.run(
        plain_app(Path(sys.argv[1]), Path(sys.argv[2])),
        host="127.0.0.1",
        port=int(sys.argv[3]),
        log_config=None,
        access_log=False,
    )
