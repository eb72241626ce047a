"""The README's configuration table, rendered from the settings declaration.

``python -m lab.settings_doc`` prints it, ``--write`` replaces the README's copy; a test fails
when the README's copy drifts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import SecretStr

from lab.settings import ENV_PREFIX, LabSettings

BEGIN = "<!-- settings-table:begin -->"
END = "<!-- settings-table:end -->"


def _default_text(name: str) -> str:
    field = LabSettings.model_fields[name]
    if field.default_factory is not None:
        return "`~/.datalab`" if name == "home" else "(computed)"
    value = field.default
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value in (None, ""):
        return "(empty)"
    return f"`{value}`"


def settings_table() -> str:
    """One row per setting: environment variable, default, help text."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in LabSettings.model_fields.items():
        rows.append(
            f"| `{ENV_PREFIX}{name.upper()}` | {_default_text(name)} | {field.description} |"
        )
    return "\n".join(rows)


def rewrite_readme(path: Path) -> None:
    """Replace the table between the markers in ``path``."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{BEGIN}\n{settings_table()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        rewrite_readme(Path(__file__).parents[1] / "README.md")
    else:
        print(f"{BEGIN}\n{settings_table()}\n{END}")
