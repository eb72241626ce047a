"""Building a restricted publication's table at scale: the per-unit cut on DuckDB or Spark.

Modules:

* ``plan`` — the cut as SQL written once (DuckDB's dialect) and transpiled for Spark by sqlglot;
  the row key keyed by the dataset's secret bounding seed, the typing of bounded columns.
* ``duckdb_cut`` — the cut on embedded DuckDB, hashing only the rows of units over the bound.
* ``spark_cut`` — the same cut as a Spark job (a window per privacy unit).
* ``engine`` — which engine builds a table, by the settings and the table's size.
"""
