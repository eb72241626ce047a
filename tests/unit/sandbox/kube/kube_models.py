"""Strict checks against the Kubernetes API models of the ``kubernetes`` Python client.

The client's deserialiser drops keys its models do not know, so a manifest is valid when it
survives a round trip unchanged: every key known and typed, every required field present
(client-side validation raises on a missing one).
"""

from __future__ import annotations

import json

from kubernetes.client import ApiClient, Configuration


def round_trip(document: dict, model: str) -> dict:
    """``document`` read as ``model`` (e.g. ``V1NetworkPolicy``) and written back."""
    config = Configuration()
    config.client_side_validation = True
    client = ApiClient(config)
    try:
        parsed = client.deserialize(json.dumps(document), model, "application/json")
        return client.sanitize_for_serialization(parsed)
    finally:
        client.close()
