"""The README's configuration table, rendered from the settings declaration.

``python -m lab.settings_doc`` prints it; a test fails when the README's copy drifts.
"""

from __future__ import annotations

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
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {_default_text(name)} | {field.description} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(f"{BEGIN}\n{settings_table()}\n{END}")
