"""The lab as the hub process sees it: its database and audit log, opened once per process.

The hub checks logins, reads approved projects and mints kernel tokens; it never touches the
object store, so it is given no storage credentials and no encryption keys (``Hub`` leaves them
out of its environment too).
"""

from __future__ import annotations

from functools import cache

from lab.services import LabDirectory, open_directory
from lab.settings import load_settings


@cache
def hub_lab() -> LabDirectory:
    """The lab's directory for the authenticator and the spawner."""
    return open_directory(load_settings())
