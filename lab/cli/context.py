"""What every CLI command shares: loading settings, opening services, one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from lab.errors import LabError
from lab.logs import configure_logging
from lab.services import LabServices, open_services
from lab.settings import LabSettings, load_settings

console = Console(width=None if sys.stdout.isatty() else 120)
P = ParamSpec("P")
R = TypeVar("R")


def one_line_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a LabError into one clear line on stderr and exit status 2 — never a traceback."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except LabError as exc:
            print(f"datalab: {exc.message}", file=sys.stderr)
            raise typer.Exit(2) from None

    return run


def settings(*, log_to_stderr: bool = False) -> LabSettings:
    """The settings, with logging configured: commands log to the file, servers also to stderr."""
    loaded = load_settings()
    secrets = [
        loaded.s3_secret_key.get_secret_value(),
        loaded.secret_key.get_secret_value(),
        loaded.kek.get_secret_value(),
    ]
    configure_logging(loaded.log_level, loaded.resolved_log_file, secrets, to_stderr=log_to_stderr)
    return loaded


def services() -> LabServices:
    """The lab's services, opened from the settings (schema migrated)."""
    return open_services(settings())
