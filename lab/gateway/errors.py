"""Errors of the DP gateway.

A rejection is decided from the query text and the table's metadata alone, so its message may
name both but never anything read from data; it is raised before data is touched or budget charged.
"""

from __future__ import annotations

from lab.errors import LabError


class QueryRejected(LabError):
    """The query is outside the gateway's SQL subset; the message says what to change."""

    code = "query_rejected"
    http_status = 400
