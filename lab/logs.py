"""Structured JSON logs with a request id; secrets are scrubbed before anything is written.

Every record passes a ``SecretScrubber`` that removes token-shaped strings, bearer credentials
and the literal values of the lab's secret settings, so a secret that reaches a message by
mistake still never reaches the log.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from lab.identity.tokens import TOKEN_PATTERN
from lab.private_files import make_private_dir, touch_private

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_BEARER = re.compile(r"(?i)(bearer|token|password|secret)([\"'=: ]+)[^\s\"'&,]+")
_REDACTED = "[redacted]"


class SecretScrubber(logging.Filter):
    """Rewrites each record's message with secrets replaced by ``[redacted]``."""

    def __init__(self, literal_secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.literals = sorted({s for s in literal_secrets if len(s) >= 8}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for literal in self.literals:
            text = text.replace(literal, _REDACTED)
        text = TOKEN_PATTERN.sub(_REDACTED, text)
        return _BEARER.sub(lambda m: f"{m[1]}{m[2]}{_REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.scrub(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, message, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": request_id_var.get(),
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.levelno >= logging.ERROR:
            entry["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else "?"
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    level: str, log_file: Path | None, literal_secrets: Iterable[str], *, to_stderr: bool = True
) -> None:
    """Send the lab's logs, scrubbed and as JSON, to a 0600 file (if given) and stderr."""
    scrubber = SecretScrubber(literal_secrets)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)] if to_stderr else []
    if log_file is not None:
        make_private_dir(log_file.parent)
        touch_private(log_file)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        handler.addFilter(scrubber)
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("uvicorn.access", "urllib3", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
