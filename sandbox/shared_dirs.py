"""Folders that sandbox users must traverse, made 0755 whatever the umask.

``datalab`` runs with umask 077 (its own files are private), so a folder it creates with
``mkdir(parents=True)`` is 0700 and a sandbox user's bubblewrap cannot reach what lies below it:
the kernel environment, the SDK, the per-user ``/etc`` files. Every folder on those paths that
the lab creates goes through ``make_shared_dir``; folders that already exist keep their mode.
"""

from __future__ import annotations

from pathlib import Path

SHARED_MODE = 0o755


def make_shared_dir(path: Path) -> None:
    """Create ``path`` and any missing parents, each 0755 whatever the umask."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        folder.chmod(SHARED_MODE)
