"""Group keys without a public domain: keep only the groups DP partition selection releases.

The engine returns the groups found in the (bounded) data, each with its exact row count. Which
of them exist depends on the data, so the set itself is released through
``mechanisms.make_partition_selection`` (built before the reservation, ``releases``): a group
survives only if its noisy row count passes the threshold calibrated from δ. The surviving
groups then go through the ordinary noise layer like public groups do. A group's identity for
the mechanism is the JSON text of its key tuple, so composite keys and NULL keys need no special
case.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from lab.gateway.mechanisms import PartitionSelection
from lab.gateway.query import QueryPlan


def released_groups(plan: QueryPlan, exact: pa.Table, selection: PartitionSelection) -> pa.Table:
    """The rows of ``exact`` whose groups pass ``selection`` (by their exact row counts)."""
    keys = [key.column for key in plan.group_keys]
    identities = [_identity(row) for row in exact.select(keys).to_pylist()]
    counts = dict(zip(identities, exact.column("rows").to_pylist(), strict=True))
    released = selection.select(counts)
    mask = pa.array([identity in released for identity in identities], type=pa.bool_())
    return exact.filter(mask)


def _identity(row: dict[str, Any]) -> str:
    """A group's key tuple as canonical text (the mechanism's key type is a string)."""
    return json.dumps(list(row.values()), ensure_ascii=False, default=str)
