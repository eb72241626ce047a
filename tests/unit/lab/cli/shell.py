"""Running the real ``datalab`` command in a subprocess, as a user at a shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def datalab(home: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    """``datalab ARGS`` for the lab at ``home``, started with a login shell's umask 022."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATALAB_")}
    environment.update({"DATALAB_HOME": str(home), **env})
    return subprocess.run(
        [sys.executable, "-m", "lab.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    )
