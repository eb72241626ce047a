"""Parameter types every route shares: a database id is a positive 64-bit integer.

An id outside the database's signed 64-bit range would reach the driver and fail there
(``OverflowError``, a 500); declared here once, it is a 422 in the one error shape instead. A
test walks the route table to check every integer path parameter uses ``IdPath``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

DB_INT_MAX = 2**63 - 1
"""The largest integer the lab's databases store (SQLite INTEGER, PostgreSQL BIGINT)."""

IdPath = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="A database id (1 … 2⁶³−1).")]
