"""What Zero to JupyterHub does with values, reproduced for tests that have no cluster and no Helm.

``data/z2jh/`` holds the chart's ``values.yaml`` (its defaults) and ``values.schema.json`` (its
schema), both from github.com/jupyterhub/zero-to-jupyterhub-k8s at commit 48ea50e3 (see the
notes inside them). Helm validates the chart's defaults merged with the user's values.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml

DATA = Path(__file__).parent.parent / "data" / "z2jh"


def chart_defaults() -> dict:
    return yaml.safe_load((DATA / "values.yaml").read_text(encoding="utf-8"))


def values_schema() -> dict:
    return json.loads((DATA / "values.schema.json").read_text(encoding="utf-8"))


def merged(defaults: dict, overrides: dict) -> dict:
    """Helm's coalescing: maps merge key by key, anything else replaces; null removes a key."""
    result = copy.deepcopy(defaults)
    for key, value in overrides.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def spawner_config(values: dict, release: str) -> dict:
    """KubeSpawner's config as the chart's hub builds it, for the keys our values rely on.

    The hub maps ``singleuser.*`` first (the image, the chart's extra pod labels, the command)
    and sets ``common_labels`` (``app`` and ``release`` among them); ``hub.config`` sections are
    applied last,
    replacing whole traits.
    """
    chart = merged(chart_defaults(), values)
    single = chart["singleuser"]
    config = {
        "image": f"{single['image']['name']}:{single['image']['tag']}",
        "extra_labels": single["extraLabels"],
        "cmd": single["cmd"],
        "common_labels": {"app": "jupyterhub", "release": release},
    }
    config.update(chart["hub"]["config"]["KubeSpawner"])
    return config
