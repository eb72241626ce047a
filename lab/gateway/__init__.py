"""The DP gateway: analysts' SQL in, differentially private aggregates out (DESIGN §4).

Modules:

* ``errors`` — ``QueryRejected``, raised from query text and metadata alone.
* ``metadata`` — ``TableMetadata``, ``Bounds``, ``ColumnKind``: what a query is planned against.
* ``domains`` — public domains generated from a steward's parameters: periods, bins, lists.
* ``query`` — ``plan_query`` parses and checks the closed SQL subset into a ``QueryPlan``.
* ``joins`` — a join of two datasets on their privacy unit as one ``JoinedTable``, its bound.
* ``predicate`` — the WHERE allow-list used by ``query``.
* ``planner`` — ``compile_plan`` turns a plan into one bounded-aggregation SQL statement.
* ``engine`` — ``QueryEngine`` interface and ``DuckDBEngine``, which scans the Parquet in place.
* ``spark_sql`` — the planner's statement rendered for Spark by sqlglot (and the rewrites it lacks).
* ``spark_engine`` — ``SparkEngine``: the same statement on Spark (local, a cluster, or Connect).
* ``spark_connect`` — ``LocalConnectServer``: a Spark Connect server on loopback with a token.
* ``engine_choice`` — the engine ``DATALAB_GATEWAY_ENGINE`` selects, checked at start.
* ``noise`` — OpenDP discrete Laplace (or discrete Gaussian) releases of count, sum and
  sum-of-squares vectors.
* ``mechanisms`` — mean, variance, quantile (DP histogram) and partition selection.
* ``intervals`` — exact 95% intervals of the released values (log space; quantile CDF bound).
* ``accounting`` — exact budget units (``Spend``), ``PrivacyCost`` and composition.
* ``zcdp`` — a project's accounting (pure ε or ρ-zCDP), micro-ρ units, and the (ε, δ) a ρ
  implies (OpenDP's conversion).
* ``accuracy`` — each aggregate's 95% half-width before it runs, and the budget a target needs.
* ``releases`` — a query's cost and measurements, built (or refused, free) before reservation.
* ``ledger`` — ``BudgetLedger``: atomic reservation at three levels, cached answers, no refunds.
* ``projects`` — sandbox projects and their per-dataset budgets.
* ``org_budgets`` — an organisation's caps per dataset and per privacy unit.
* ``units`` — the privacy-unit kind of a dataset, which groups datasets for the unit cap.
* ``partitions`` — DP partition selection of groups found in the data.
* ``targets`` — a slug to its served version, metadata (kept per version) and the budgets charged.
* ``prepared`` — plans and compiled statements kept per (version, query text).
* ``open_tables`` — the bounded cache of decrypted tables in anonymous memory files.
* ``service`` — ``DpGateway``: the one query path (plan, price, reserve, compute, noise, record).
* ``catalogue``, ``mock`` — what a project may see of the catalogue, and mock rows from metadata.
* ``fixed_point`` — fixed-point columns: analysts use the declared unit, the engine integers.
* ``encrypted_tables``, ``parquet_crypto`` — restricted tables for a Spark cluster: Parquet with
  modular encryption on the shared folder, its keys kept in the lab; ``table_exports`` — a
  version's encrypted export written at publication and deleted when it is withdrawn or
  superseded.
"""

from lab.gateway.engine import DuckDBEngine, QueryEngine, parquet_path, run_compiled
from lab.gateway.errors import QueryRejected
from lab.gateway.metadata import Bounds, ColumnKind, TableMetadata
from lab.gateway.planner import BINS, CompiledQuery, Measure, MeasureKind, compile_plan
from lab.gateway.query import Aggregate, AggregateKind, GroupKey, QueryPlan, plan_query

__all__ = [
    "BINS",
    "Aggregate",
    "AggregateKind",
    "Bounds",
    "ColumnKind",
    "CompiledQuery",
    "DuckDBEngine",
    "GroupKey",
    "Measure",
    "MeasureKind",
    "QueryEngine",
    "QueryPlan",
    "QueryRejected",
    "TableMetadata",
    "compile_plan",
    "parquet_path",
    "plan_query",
    "run_compiled",
]
