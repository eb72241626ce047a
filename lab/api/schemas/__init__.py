"""Pydantic shapes of the HTTP API, one module per resource, inputs apart from outputs.

* ``steward`` — ingest outcomes, classifications, versions, decisions, DP metadata, negative list.
"""
