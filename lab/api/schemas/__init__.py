"""Pydantic shapes of the HTTP API, one module per resource, inputs apart from outputs.

* ``steward`` — ingest outcomes, classifications, versions, decisions, DP metadata, negative list.
* ``deidentification`` — the limits a steward searches with, the node chosen, the result.
* ``projects`` — sandbox projects: applications, decisions, budgets.
* ``gateway`` — the DP gateway's requests and answers.
* ``credit`` — credit profiles, consents and disputes (bank and enterprise sides).
"""
