"""The WHERE clause allow-list: row-level predicates over a table's columns and literals.

Operands are type-checked against the metadata so that the engine cannot raise a conversion
error that depends on stored values (comparing a text column with a number would make DuckDB
cast every stored string, and fail on the first that is not a number).
"""

from __future__ import annotations

import math

from sqlglot import exp

from lab.gateway.errors import QueryRejected
from lab.gateway.joins import JoinedTable, qualified
from lab.gateway.metadata import ColumnKind, TableMetadata

_COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)
_ALLOWED = "=, <>, <, <=, >, >=, IN (literals), BETWEEN, IS [NOT] NULL, LIKE, AND, OR, NOT"
_IN_ARGS = ("this", "expressions")
_NUMERIC = "number"
_TEXT = "text"


def check_predicate(node: exp.Expression, table: TableMetadata) -> None:
    """Reject ``node`` unless it is a row-level predicate built only from allowed forms."""
    if isinstance(node, exp.And | exp.Or):
        check_predicate(node.this, table)
        check_predicate(node.expression, table)
    elif isinstance(node, exp.Not | exp.Paren):
        check_predicate(node.this, table)
    elif isinstance(node, _COMPARISONS):
        _same_family(node, [node.this, node.expression], table)
    elif isinstance(node, exp.In):
        _check_in(node, table)
    elif isinstance(node, exp.Between):
        _same_family(node, [node.this, node.args["low"], node.args["high"]], table)
    elif isinstance(node, exp.Is):
        _check_is_null(node, table)
    elif isinstance(node, exp.Like):
        _check_like(node, table)
    else:
        raise QueryRejected(f"WHERE may use only {_ALLOWED}; `{node.sql('duckdb')}` is not allowed")


def resolve_column(node: exp.Column, table: TableMetadata) -> str:
    """The name of the table column ``node`` refers to; rejects prefixes and unknown names.

    In a join every column is named with its table's alias, and resolves to its qualified name.
    """
    if isinstance(table, JoinedTable):
        return _resolve_joined(node, table)
    if node.table or not isinstance(node.this, exp.Identifier):
        raise QueryRejected(f"write `{node.sql('duckdb')}` as a bare column name, without a prefix")
    if node.name not in table.columns:
        known = ", ".join(f'"{name}"' for name in table.columns)
        raise QueryRejected(f'"{node.name}" is not a column of "{table.name}"; columns: {known}')
    return node.name


def _resolve_joined(node: exp.Column, table: JoinedTable) -> str:
    """A column of a join: ``alias.column`` of one of its two tables."""
    aliases = [side.alias for side in table.sides]
    plain = isinstance(node.this, exp.Identifier) and not node.args.get("db")
    if node.table not in aliases or not plain:
        raise QueryRejected(
            f"in a join, name each column with its table's alias ({' or '.join(aliases)}): "
            f"`{node.sql('duckdb')}` is not"
        )
    name = qualified(node.table, node.name)
    if name not in table.columns:
        side = next(s for s in table.sides if s.alias == node.table)
        raise QueryRejected(f'"{node.name}" is not a column of "{side.table.name}"')
    return name


def _check_in(node: exp.In, table: TableMetadata) -> None:
    """``column IN (literal, …)`` only: no subquery, no column in the list."""
    extra = [key for key, value in node.args.items() if value and key not in _IN_ARGS]
    if extra or not isinstance(node.this, exp.Column):
        raise QueryRejected("IN accepts only `column IN (literal, literal, …)`")
    if not all(isinstance(item, exp.Literal | exp.Neg) for item in node.expressions):
        raise QueryRejected("IN accepts only a list of literal values")
    _same_family(node, [node.this, *node.expressions], table)


def _check_is_null(node: exp.Is, table: TableMetadata) -> None:
    """``column IS NULL`` (and ``NOT`` of it) only."""
    if not (isinstance(node.this, exp.Column) and isinstance(node.expression, exp.Null)):
        raise QueryRejected("IS accepts only `column IS NULL` or `column IS NOT NULL`")
    resolve_column(node.this, table)


def _check_like(node: exp.Like, table: TableMetadata) -> None:
    """``text_column LIKE 'pattern'`` only."""
    if not (isinstance(node.this, exp.Column) and _is_string(node.expression)):
        raise QueryRejected("LIKE accepts only `text_column LIKE 'pattern'`")
    if table.columns[resolve_column(node.this, table)] is not ColumnKind.TEXT:
        raise QueryRejected(f'LIKE needs a text column; "{node.this.name}" is numeric')


def _same_family(
    node: exp.Expression, operands: list[exp.Expression], table: TableMetadata
) -> None:
    """All operands are columns or literals of one family: all text or all numeric."""
    families = {_family(operand, table) for operand in operands}
    if len(families) > 1:
        raise QueryRejected(
            f"`{node.sql('duckdb')}` compares text with a number; quote text values as 'text' "
            "and write numbers bare"
        )


def _family(operand: exp.Expression, table: TableMetadata) -> str:
    """``text`` or ``number`` for a column or literal operand; rejects anything else."""
    if isinstance(operand, exp.Column):
        kind = table.columns[resolve_column(operand, table)]
        return _TEXT if kind is ColumnKind.TEXT else _NUMERIC
    if _is_string(operand):
        return _TEXT
    number = operand.this if isinstance(operand, exp.Neg) else operand
    if isinstance(number, exp.Literal) and not number.is_string and _is_finite(number.this):
        return _NUMERIC
    if isinstance(operand, exp.Null):
        raise QueryRejected("compare with NULL through `IS NULL` or `IS NOT NULL`")
    raise QueryRejected(
        f"`{operand.sql('duckdb')}` is not allowed in WHERE; compare columns with literal values"
    )


def _is_string(node: exp.Expression) -> bool:
    """Whether ``node`` is a quoted string literal."""
    return isinstance(node, exp.Literal) and node.is_string


def _is_finite(text: str) -> bool:
    """Whether a numeric literal's text is a finite number."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
