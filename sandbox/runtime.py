"""The lab as the hub process sees it: settings and services, opened once per process."""

from __future__ import annotations

from functools import cache

from lab.services import LabServices, open_services
from lab.settings import load_settings


@cache
def hub_lab() -> LabServices:
    """The lab's services for the authenticator and the spawner (schema is not migrated here)."""
    return open_services(load_settings(), migrate=False)
