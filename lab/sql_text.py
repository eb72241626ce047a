"""Names and strings written into DuckDB SQL text, quoted by sqlglot (the lab's one quoter).

Column names come from uploaded files and string values from users, so neither is ever pasted
into SQL as it is: ``sql_name`` makes a double-quoted identifier and ``sql_string`` a
single-quoted literal, both rendered by sqlglot for the DuckDB dialect (a quote is doubled;
backslashes, control characters and any Unicode pass through as data). Where DuckDB takes a
parameter (``read_parquet(?)``), bind it instead; COPY targets, ``SET`` values and SQL kept as
text (plans transpiled to Spark) need these.
"""

from __future__ import annotations

import os

from sqlglot import exp

DIALECT = "duckdb"


def sql_name(name: str) -> str:
    """``name`` as a quoted DuckDB identifier."""
    return exp.to_identifier(name, quoted=True).sql(DIALECT)


def sql_string(text: str | os.PathLike[str]) -> str:
    """``text`` (or a path) as a DuckDB string literal."""
    return exp.Literal.string(os.fspath(text)).sql(DIALECT)
