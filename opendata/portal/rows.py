"""The row API's engine: filtered, sorted, keyset-paginated reads of one open (T1) Parquet file.

A ``RowQuery`` is validated against the file's columns before any SQL is built: an unknown
column, operator or a value of the wrong type is an ``InvalidInput`` naming the field. Values
travel as bound parameters; column names are checked against the schema and quoted. DuckDB
streams the Parquet file under a memory limit, so a page costs the same on a 1 GB table.

Keyset pagination: rows are ordered by the requested keys and then by their position in the
file, which makes the order total. The ``next`` token carries the last row's keys and position
plus a digest of the query, so a token cannot be replayed against a different query.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lab.errors import InternalError, InvalidInput
from lab.sql_text import sql_name

OPERATORS = ("exact", "in", "gt", "gte", "lt", "lte", "isnull", "notnull")
_COMPARE = {"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_TRUE, _FALSE = ("1", "true", "yes"), ("0", "false", "no")
RESERVED = ("_columns", "_sort", "_limit", "_next", "_q")
MEMORY_LIMIT = "512MB"


@dataclass(frozen=True)
class Field:
    """A column as the API describes it: ``number`` or ``text``."""

    name: str
    type: str


@dataclass(frozen=True)
class Condition:
    """One filter: ``column`` ``operator`` ``values`` (several values only for ``in``)."""

    column: str
    operator: str
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise InvalidInput(
                f"filter {self.column}__{self.operator}: operator must be one of "
                f"{', '.join(OPERATORS)}"
            )

    @property
    def label(self) -> str:
        return self.column if self.operator == "exact" else f"{self.column}__{self.operator}"


@dataclass(frozen=True)
class SortKey:
    """One column to sort rows by, ascending unless ``descending``."""

    column: str
    descending: bool = False


@dataclass(frozen=True)
class RowQuery:
    """What rows to return: filters, order, columns, page size and where the page starts."""

    conditions: tuple[Condition, ...] = ()
    sort: tuple[SortKey, ...] = ()
    columns: tuple[str, ...] = ()
    limit: int = 100
    after: str | None = None
    offset: int = 0
    text: str = ""

    def digest(self) -> str:
        """Identifies the query apart from its page, binding ``next`` tokens to it."""
        shape = [
            [[c.column, c.operator, list(c.values)] for c in self.conditions],
            [[k.column, k.descending] for k in self.sort],
            list(self.columns),
            self.text,
        ]
        return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RowPage:
    """One page: the columns returned, their rows, the total matching and the next token."""

    fields: tuple[Field, ...]
    rows: list[tuple] = field(default_factory=list)
    total: int = 0
    next: str | None = None

    def records(self) -> list[dict[str, object]]:
        names = [f.name for f in self.fields]
        return [dict(zip(names, row, strict=True)) for row in self.rows]


def fields_of(path: Path) -> tuple[Field, ...]:
    """The columns of the Parquet file at ``path``, read from its footer."""
    schema = pq.read_schema(path)
    return tuple(
        Field(
            f.name,
            "number" if pa.types.is_integer(f.type) or pa.types.is_floating(f.type) else "text",
        )
        for f in schema
    )


def parse_query(
    params: Iterable[tuple[str, str]], *, default_limit: int, max_limit: int
) -> RowQuery:
    """A RowQuery from query-string pairs: ``_columns``, ``_sort``, ``_limit``, ``_next``, ``_q``
    and ``<column>`` / ``<column>__<operator>`` filters. ``_limit`` beyond ``max_limit`` is capped.
    """
    reserved: dict[str, str] = {}
    grouped: dict[tuple[str, str], list[str]] = {}
    for key, value in params:
        if key.startswith("_"):
            if key not in RESERVED:
                raise InvalidInput(f"{key}: unknown option; use one of {', '.join(RESERVED)}")
            reserved[key] = value
            continue
        column, operator = _split_filter(key)
        grouped.setdefault((column, operator), []).append(value)
    conditions = tuple(_condition(column, op, values) for (column, op), values in grouped.items())
    return RowQuery(
        conditions=conditions,
        sort=parse_sort(reserved.get("_sort", "")),
        columns=tuple(c for c in reserved.get("_columns", "").split(",") if c),
        limit=cap_limit(reserved.get("_limit"), default_limit, max_limit, name="_limit"),
        after=reserved.get("_next") or None,
        text=reserved.get("_q", ""),
    )


def _split_filter(key: str) -> tuple[str, str]:
    column, _, operator = key.rpartition("__")
    return (column, operator) if column and operator in OPERATORS else (key, "exact")


def _condition(column: str, operator: str, values: list[str]) -> Condition:
    if operator == "in" or (operator == "exact" and len(values) > 1):
        split = tuple(v for value in values for v in value.split(","))
        return Condition(column, "in", split)
    return Condition(column, operator, (values[-1],))


def parse_sort(text: str) -> tuple[SortKey, ...]:
    """``a,-b`` → a ascending then b descending."""
    keys = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            keys.append(SortKey(part.lstrip("-"), part.startswith("-")))
    return tuple(keys)


def cap_limit(raw: object, default: int, maximum: int, *, name: str) -> int:
    """``raw`` as a page size: default when absent, at most ``maximum``; InvalidInput otherwise."""
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise InvalidInput(f"{name}: {raw!r} is not a whole number") from None
    if value < 0:
        raise InvalidInput(f"{name}: must be 0 or more")
    return min(value, maximum)


def read_rows(path: Path, query: RowQuery) -> RowPage:
    """The page of rows of ``path`` that ``query`` asks for."""
    available = {f.name: f for f in fields_of(path)}
    shown = _shown_fields(query, available)
    where, parameters = _where(query, available)
    keyset, key_parameters = _after(query, available)
    source = "read_parquet(?, file_row_number = true)"
    selected = ", ".join(sql_name(f.name) for f in shown)
    order = ", ".join(
        [f"{sql_name(k.column)} {'DESC' if k.descending else 'ASC'} NULLS LAST" for k in query.sort]
        + ["file_row_number"]
    )
    keys = "".join(f", {sql_name(k.column)}" for k in query.sort)
    sql = (
        f"SELECT {selected or 'NULL'}{keys}, file_row_number FROM {source} "
        f"WHERE {' AND '.join([*where, *keyset]) or 'TRUE'} ORDER BY {order} "
        f"LIMIT {query.limit + 1} OFFSET {query.offset}"
    )
    count_sql = f"SELECT count(*) FROM {source} WHERE {' AND '.join(where) or 'TRUE'}"
    with _connection() as connection:
        fetched = connection.execute(sql, [str(path), *parameters, *key_parameters]).fetchall()
        counted = connection.execute(count_sql, [str(path), *parameters]).fetchone()
    if counted is None:
        raise InternalError("a count query returned no row")
    (total,) = counted
    return _page(query, shown, fetched, int(total))


def _connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    connection.execute("SET threads = 2")
    return connection


def _shown_fields(query: RowQuery, available: Mapping[str, Field]) -> tuple[Field, ...]:
    for name in query.columns:
        if name not in available:
            raise InvalidInput(f"_columns: no column {name!r}")
    for key in query.sort:
        if key.column not in available:
            raise InvalidInput(f"_sort: no column {key.column!r}")
    names = query.columns or tuple(available)
    return tuple(available[n] for n in names)


def _where(query: RowQuery, available: Mapping[str, Field]) -> tuple[list[str], list[object]]:
    clauses, parameters = [], []
    for condition in query.conditions:
        column = available.get(condition.column)
        if column is None:
            raise InvalidInput(f"filter {condition.label!r}: no column {condition.column!r}")
        clause, values = _clause(condition, column)
        clauses.append(clause)
        parameters.extend(values)
    if query.text:
        texts = [f for f in available.values() if f.type == "text"]
        if texts:
            clauses.append(
                "(" + " OR ".join(f"contains(lower({sql_name(f.name)}), ?)" for f in texts) + ")"
            )
            parameters.extend([query.text.lower()] * len(texts))
        else:
            clauses.append("FALSE")
    return clauses, parameters


def _clause(condition: Condition, column: Field) -> tuple[str, list[object]]:
    name = sql_name(column.name)
    if condition.operator in ("isnull", "notnull"):
        wanted = _flag(condition)
        is_null = wanted if condition.operator == "isnull" else not wanted
        return f"{name} IS {'' if is_null else 'NOT '}NULL", []
    values = [_typed(condition, column, v) for v in condition.values]
    if condition.operator == "in":
        if not values:
            raise InvalidInput(f"filter {condition.label!r}: give at least one value")
        return f"{name} IN ({', '.join('?' for _ in values)})", values
    return f"{name} {_COMPARE[condition.operator]} ?", values


def _flag(condition: Condition) -> bool:
    value = (condition.values or ("true",))[-1].lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidInput(f"filter {condition.label!r}: use true or false, not {value!r}")


def _typed(condition: Condition, column: Field, value: str) -> object:
    if column.type != "number":
        return value
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"filter {condition.label!r}: {value!r} is not a number") from None


def _after(query: RowQuery, available: Mapping[str, Field]) -> tuple[list[str], list[object]]:
    """The keyset condition: rows strictly after the token's row in the query's total order."""
    if query.after is None:
        return [], []
    keys, position = decode_token(query.after, query)
    for key, value in zip(query.sort, keys, strict=True):
        expected = (int, float) if available[key.column].type == "number" else (str,)
        if value is not None and (isinstance(value, bool) or not isinstance(value, expected)):
            raise InvalidInput("_next: not a token this API issued")
    alternatives, parameters = [], []
    prefix: list[str] = []
    prefix_parameters: list[object] = []
    for key, value in zip(query.sort, keys, strict=True):
        column = sql_name(key.column)
        if value is not None:
            beyond = f"({column} {'<' if key.descending else '>'} ? OR {column} IS NULL)"
            alternatives.append(" AND ".join([*prefix, beyond]))
            parameters.extend([*prefix_parameters, value])
            prefix.append(f"{column} = ?")
            prefix_parameters.append(value)
        else:
            prefix.append(f"{column} IS NULL")
    alternatives.append(" AND ".join([*prefix, "file_row_number > ?"]))
    parameters.extend([*prefix_parameters, position])
    return ["(" + " OR ".join(f"({a})" for a in alternatives) + ")"], parameters


def _page(query: RowQuery, shown: tuple[Field, ...], fetched: list[tuple], total: int) -> RowPage:
    more = len(fetched) > query.limit
    fetched = fetched[: query.limit]
    width = len(shown)
    rows = [tuple(row[:width]) if width else () for row in fetched]
    token = None
    if more and fetched and query.offset == 0:
        last = fetched[-1]
        token = encode_token(list(last[width:-1]), int(last[-1]), query)
    return RowPage(shown, rows, total, token)


def encode_token(keys: list[object], position: int, query: RowQuery) -> str:
    """The opaque ``next`` token for the page after ``keys`` at file ``position``."""
    raw = json.dumps({"k": keys, "r": position, "q": query.digest()}, ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str, query: RowQuery) -> tuple[list[object], int]:
    """The sort keys and file position a ``next`` token carries; InvalidInput if it is foreign."""
    try:
        doc = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        keys, position, digest = doc["k"], doc["r"], doc["q"]
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("_next: not a token this API issued") from None
    valid = (
        isinstance(keys, list)
        and len(keys) == len(query.sort)
        and all(k is None or isinstance(k, str | int | float) for k in keys)
        and isinstance(position, int)
    )
    if not valid:
        raise InvalidInput("_next: not a token this API issued")
    if digest != query.digest():
        raise InvalidInput("_next: the token belongs to a different query (filters, sort, columns)")
    return keys, position
